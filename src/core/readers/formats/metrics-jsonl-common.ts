/** Shared by the JSON-lines metric logs (MMEngine, MMDetection 2.x, Detectron2). */
import type { FileHead, MetricReadOptions } from '../registry';
import type { MetricLogBuilder } from '../metrics/builder';
import { lines, parseJsonLine } from '../metrics/text';

/**
 * Read JSON lines into the builder; `each` records one object (or ignores it). A line that is not
 * JSON is skipped and counted (the last line of a log still being written is often cut short).
 */
export async function readJsonLines(head: FileHead, builder: MetricLogBuilder, opts: MetricReadOptions, each: (obj: Record<string, unknown>, line: number) => void): Promise<void> {
  for await (const l of lines(head.path, head.name, opts)) {
    const r = parseJsonLine(l.text);
    if ('error' in r) {
      builder.skip({ file: head.name, line: l.line, message: `${r.error}${l.last ? ' (the last line is cut short: a run still writing?)' : ''}` });
      continue;
    }
    each(r.value, l.line);
  }
}

export function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}
