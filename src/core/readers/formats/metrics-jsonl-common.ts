/** Shared by the JSON-lines metric logs (MMEngine, MMDetection 2.x, Detectron2). */
import type { FileHead, MetricReadOptions } from '../registry';
import type { MetricLogBuilder } from '../metrics/builder';
import { lineBatches, parseJsonLine } from '../metrics/text';

/**
 * Read JSON lines into the builder; `each` records one object (or ignores it). A line that is not
 * JSON is skipped and counted (the last line of a log still being written is often cut short).
 */
export async function readJsonLines(head: FileHead, builder: MetricLogBuilder, opts: MetricReadOptions, each: (obj: Record<string, unknown>, line: number) => void): Promise<void> {
  for await (const batch of lineBatches(head.path, head.name, opts)) {
    batch.lines.forEach((text, k) => {
      if (text.trim() === '') return;
      const line = batch.firstLine + k;
      const r = parseJsonLine(text);
      if ('error' in r) {
        const cut = batch.cutShort && k === batch.lines.length - 1;
        builder.skip({ file: head.name, line, message: `${r.error}${cut ? ' (the last line is cut short: a run still writing?)' : ''}` });
        return;
      }
      each(r.value, line);
    });
  }
}

export function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}
