/** Shared by the JSON-lines metric logs (MMEngine, MMDetection 2.x, Detectron2). */
import type { MetricLineSink } from '../registry';
import type { MetricLogBuilder } from '../metrics/builder';
import type { MetricLog } from '../metrics/types';
import { parseJsonLine, type LineBatch } from '../metrics/text';

/**
 * JSON lines into the builder; `each` records one object (or ignores it). A line that is not JSON
 * is skipped and counted (the last line of a log still being written is often cut short). Lines
 * come in batches, from a whole file or as a live run appends them (the watch).
 */
export class JsonMetricLines implements MetricLineSink {
  constructor(
    readonly builder: MetricLogBuilder,
    private readonly each: (obj: Record<string, unknown>, line: number) => void,
  ) {}

  lines(batch: LineBatch): void {
    batch.lines.forEach((text, k) => {
      if (text.trim() === '') return;
      const line = batch.firstLine + k;
      const r = parseJsonLine(text);
      if ('error' in r) {
        const cut = batch.cutShort && k === batch.lines.length - 1;
        this.builder.skip({ file: this.builder.file, line, message: `${r.error}${cut ? ' (the last line is cut short: a run still writing?)' : ''}` });
        return;
      }
      this.each(r.value, line);
    });
  }

  build(): MetricLog {
    return this.builder.build();
  }
}

export function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}
