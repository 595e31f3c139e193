/** Shared by the CSV metric logs (Lightning, Keras CSVLogger, Ultralytics): header sniffing and row reading. */
import type { FileHead, MetricReadOptions } from '../registry';
import { MetricLogBuilder } from '../metrics/builder';
import { lineBatches, splitCsvRow } from '../metrics/text';
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
 * Read a CSV metric log row by row into the builder, the row's epoch from the `epoch` column (and
 * its step from `step` when there is one); a row without an epoch is skipped as unusable (a
 * Lightning row logged by step only). Empty cells (sparse rows) cost nothing.
 */
export async function readCsvMetrics(head: FileHead, builder: MetricLogBuilder, opts: MetricReadOptions): Promise<void> {
  let header: string[] | null = null;
  let epochCol = -1;
  let stepCol = -1;
  for await (const batch of lineBatches(head.path, head.name, opts)) {
    const n = batch.lines.length;
    for (let k = 0; k < n; k++) {
      const text = batch.lines[k]!;
      if (text.trim() === '') continue;
      const line = batch.firstLine + k;
      if (!header) {
        header = splitCsvRow(text).map((c) => c.trim());
        epochCol = header.indexOf('epoch');
        stepCol = header.indexOf('step');
        continue;
      }
      // most rows hold no quotes: the native split is several times faster (Number() ignores padding)
      const cells = text.includes('"') ? splitCsvRow(text) : text.split(',');
      if (cells.length !== header.length) {
        const why = batch.cutShort && k === n - 1 ? ' (the last line is cut short: a run still writing?)' : '';
        builder.skip({ file: head.name, line, message: `expected ${header.length} cells like the header, got ${cells.length}${why}` });
        continue;
      }
      const epoch = intCell(cells[epochCol]);
      if (epoch === undefined) continue;
      const step = stepCol >= 0 ? intCell(cells[stepCol]) : undefined;
      builder.recordRow(epoch, header, cells, [epochCol, stepCol], step !== undefined ? { line, step } : { line });
    }
  }
  if (!header) throw new InputError({ file: head.name }, 'the file is empty: expected a header row');
}

/** A cell as a whole number (epoch, step), or undefined. */
export function intCell(v: string | undefined): number | undefined {
  if (v === undefined || v.trim() === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? Math.round(n) : undefined;
}
