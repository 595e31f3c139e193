/** Shared by the CSV metric logs (Lightning, Keras CSVLogger, Ultralytics): header sniffing and row reading. */
import type { FileHead, MetricLineSink } from '../registry';
import type { MetricLogBuilder } from '../metrics/builder';
import type { MetricLog } from '../metrics/types';
import { splitCsvRow, type LineBatch } from '../metrics/text';
import { InputError } from '../errors';

/** The header cells of a CSV head (trimmed), or null when the head is not a comma table. */
export function csvHeader(head: FileHead): string[] | null {
  const first = head.lines[0];
  if (first === undefined || !first.includes(',') || first.trimStart().startsWith('{')) return null;
  return splitCsvRow(first).map((c) => c.trim());
}

/** Cells of a dump CSV: a prediction dump, not a metrics log. */
export function hasDumpColumns(cells: readonly string[]): boolean {
  const lower = cells.map((c) => c.toLowerCase());
  return lower.some((c) => c === 'target' || c === 'label') && lower.some((c) => /^(logit|prob|p|score)(_\d+)?$/.test(c));
}

/**
 * A CSV metric log read row by row into the builder, the row's epoch from the `epoch` column (and
 * its step from `step` when there is one); a row without an epoch is skipped as unusable (a
 * Lightning row logged by step only). Empty cells (sparse rows) cost nothing. Lines come in
 * batches, from a whole file or as a live run appends them (the watch).
 */
export class CsvMetricRows implements MetricLineSink {
  private header: string[] | null = null;
  private epochCol = -1;
  private stepCol = -1;

  constructor(readonly builder: MetricLogBuilder) {}

  lines(batch: LineBatch): void {
    const n = batch.lines.length;
    const b = this.builder;
    for (let k = 0; k < n; k++) {
      const text = batch.lines[k]!;
      if (text.trim() === '') continue;
      const line = batch.firstLine + k;
      if (!this.header) {
        this.header = splitCsvRow(text).map((c) => c.trim());
        this.epochCol = this.header.indexOf('epoch');
        this.stepCol = this.header.indexOf('step');
        continue;
      }
      const header = this.header;
      // most rows hold no quotes: the native split is several times faster (Number() ignores padding)
      const cells = text.includes('"') ? splitCsvRow(text) : text.split(',');
      if (cells.length !== header.length) {
        const why = batch.cutShort && k === n - 1 ? ' (the last line is cut short: a run still writing?)' : '';
        b.skip({ file: b.file, line, message: `expected ${header.length} cells like the header, got ${cells.length}${why}` });
        continue;
      }
      const epoch = intCell(cells[this.epochCol]);
      if (epoch === undefined) continue;
      const step = this.stepCol >= 0 ? intCell(cells[this.stepCol]) : undefined;
      b.recordRow(epoch, header, cells, [this.epochCol, this.stepCol], step !== undefined ? { line, step } : { line });
    }
  }

  build(): MetricLog {
    if (!this.header) throw new InputError({ file: this.builder.file }, 'the file is empty: expected a header row');
    return this.builder.build();
  }
}

/** A cell as a whole number (epoch, step), or undefined. */
export function intCell(v: string | undefined): number | undefined {
  if (v === undefined || v.trim() === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? Math.round(n) : undefined;
}
