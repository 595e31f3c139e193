/** Shared by the CSV metric logs (Lightning, Keras CSVLogger, Ultralytics): header sniffing and row reading. */
import type { FileHead, MetricReadOptions } from '../registry';
import { MetricLogBuilder } from '../metrics/builder';
import { lines, splitCsvRow } from '../metrics/text';
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
 * Read a CSV metric log row by row into the builder. `epochOf` maps a row to its epoch (null:
 * the row has none and is skipped as unusable, e.g. a Lightning row logged by step only).
 */
export async function readCsvMetrics(
  head: FileHead,
  builder: MetricLogBuilder,
  opts: MetricReadOptions,
  epochOf: (cell: (name: string) => string | undefined, line: number) => { epoch: number; step?: number } | null,
): Promise<void> {
  let header: string[] | null = null;
  for await (const l of lines(head.path, head.name, opts)) {
    if (!header) {
      header = splitCsvRow(l.text).map((c) => c.trim());
      continue;
    }
    const cells = splitCsvRow(l.text);
    if (cells.length !== header.length) {
      const why = l.last ? ' (the last line is cut short: a run still writing?)' : '';
      builder.skip({ file: head.name, line: l.line, message: `expected ${header.length} cells like the header, got ${cells.length}${why}` });
      continue;
    }
    const hdr = header;
    const at = (name: string): string | undefined => {
      const i = hdr.indexOf(name);
      return i < 0 ? undefined : cells[i];
    };
    const e = epochOf(at, l.line);
    if (!e) continue;
    builder.record(e.epoch, hdr.map((h, i): [string, unknown] => [h, cells[i]]), { line: l.line, ...(e.step !== undefined ? { step: e.step } : {}) });
  }
  if (!header) throw new InputError({ file: head.name }, 'the file is empty: expected a header row');
}

/** A cell as a whole number (epoch, step), or undefined. */
export function intCell(v: string | undefined): number | undefined {
  if (v === undefined || v.trim() === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? Math.round(n) : undefined;
}
