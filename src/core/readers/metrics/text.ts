/**
 * Reading metric logs: lines streamed from a file (metric logs can be hundreds of MB and still
 * growing), CSV rows split with quotes, whole JSON documents with a size cap.
 */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createScanner } from 'jsonc-parser';
import { InputError } from '../errors';
import type { FileHead, MetricLineSink, MetricReadOptions } from '../registry';
import type { MetricLog } from './types';

/** Longest line accepted in a metric log (a JSON line with a whole config, as MMDetection 2.x writes). */
export const MAX_METRIC_LINE = 16 << 20;
/** Largest whole-JSON metric file (trainer_state.json, history.json) read into memory. */
export const MAX_JSON_DOCUMENT = 512 << 20;

/** Consecutive lines of a file: lines[i] is line firstLine + i (1-based), blank lines included. */
export interface LineBatch {
  lines: string[];
  firstLine: number;
  /** The file ended without a newline after the last of these lines (a log being written may end mid-record). */
  cutShort?: boolean;
}

function abortError(): Error {
  const e = new Error('aborted');
  e.name = 'AbortError';
  return e;
}

/**
 * The file's lines (UTF-8, byte-order mark and \r dropped), streamed in batches: one batch per
 * read of about 1 MiB, so that a log of a million lines costs a hundred awaits, not a million.
 */
export async function* lineBatches(path: string, name: string, opts: MetricReadOptions = {}): AsyncGenerator<LineBatch> {
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  let pending: Buffer = Buffer.alloc(0);
  let next = 1;
  const split = (text: string): string[] => {
    const parts = text.split('\n');
    if (next === 1 && parts[0]!.charCodeAt(0) === 0xfeff) parts[0] = parts[0]!.slice(1);
    for (let i = 0; i < parts.length; i++) {
      const t = parts[i]!;
      if (t.length && t.charCodeAt(t.length - 1) === 13) parts[i] = t.slice(0, -1);
    }
    return parts;
  };
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (opts.signal?.aborted) throw abortError();
      opts.onBytes?.(chunk.length);
      const nl = chunk.lastIndexOf(10);
      if (nl < 0) {
        pending = Buffer.concat([pending, chunk]);
        if (pending.length > MAX_METRIC_LINE) throw new InputError({ file: name, line: next }, `a line longer than ${MAX_METRIC_LINE >> 20} MiB: not a metric log`);
        continue;
      }
      // whole lines only: a multi-byte character is never cut
      const whole = pending.length ? Buffer.concat([pending, chunk.subarray(0, nl)]) : chunk.subarray(0, nl);
      pending = Buffer.from(chunk.subarray(nl + 1));
      const lines = split(whole.toString('utf8'));
      yield { lines, firstLine: next };
      next += lines.length;
    }
    if (pending.length) yield { lines: split(pending.toString('utf8')), firstLine: next, cutShort: true };
  } finally {
    stream.destroy();
  }
}

/** A line-based metric log read whole through its sink. */
export async function readByLines(sink: MetricLineSink, head: FileHead, opts: MetricReadOptions): Promise<MetricLog> {
  for await (const batch of lineBatches(head.path, head.name, opts)) sink.lines(batch);
  return sink.build();
}

/** A whole JSON document (trainer_state.json, history.json). */
export async function readJsonDocument(path: string, name: string, opts: MetricReadOptions = {}): Promise<unknown> {
  const size = (await stat(path)).size;
  if (size > MAX_JSON_DOCUMENT) throw new InputError({ file: name }, `${size} bytes is more than the ${MAX_JSON_DOCUMENT >> 20} MiB a JSON metric file is read up to`);
  const bytes = await readFile(path, opts.signal ? { signal: opts.signal } : {});
  opts.onBytes?.(bytes.length);
  let text = bytes.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  // Python's json module writes NaN and Infinity; JSON.parse does not accept them
  const json = text.replace(/(?<=[:,[\s])(-?Infinity|NaN)(?=[\s,\]}])/g, 'null');
  try {
    return JSON.parse(json);
  } catch (e) {
    // V8 gives no position for an unexpected token or the end of the input: find it
    const m = /position (\d+)/.exec((e as Error).message);
    // the offset is into `json`, whose lines are the file's (NaN -> null changes no newline)
    const line = lineAt(json, m ? Number(m[1]) : jsonErrorOffset(json));
    throw new InputError({ file: name, line }, `invalid JSON (${(e as Error).message.replace(/^JSON\.parse: /, '')}); a file still being written?`);
  }
}

/**
 * The 1-based line of the first match of `re` in a file, or undefined: where a refusal of a whole
 * JSON document points (the parsed value keeps no lines; only refusals pay for the second read).
 */
export async function lineOfFirst(path: string, re: RegExp): Promise<number | undefined> {
  const text = await readFile(path, 'utf8');
  const m = re.exec(text);
  return m ? lineAt(text, m.index) : undefined;
}

/** The 1-based line of `offset` in `text`. */
function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

// jsonc-parser's SyntaxKind and ScanError (const enums, which isolated modules cannot import)
const TOKEN = { openBrace: 1, closeBrace: 2, openBracket: 3, closeBracket: 4, comma: 5, colon: 6, null: 7, true: 8, false: 9, string: 10, number: 11, lineBreak: 14, whitespace: 15, end: 17 } as const;
const SCALARS: readonly number[] = [TOKEN.null, TOKEN.true, TOKEN.false, TOKEN.string, TOKEN.number];

/**
 * Offset of the first token where `text` stops being JSON (the end of the text when it ends too
 * early). Token by token with an explicit stack, so that no nesting depth overflows it.
 */
export function jsonErrorOffset(text: string): number {
  const scanner = createScanner(text, false);
  const open: number[] = [];
  // what the grammar takes next
  let want: 'value' | 'value-or-close' | 'key' | 'key-or-close' | 'colon' | 'after-value' = 'value';
  for (;;) {
    const kind = scanner.scan();
    if (kind === TOKEN.whitespace || kind === TOKEN.lineBreak) continue;
    const at = scanner.getTokenOffset();
    if (scanner.getTokenError() !== 0 || kind === TOKEN.end) return at;
    const close = kind === TOKEN.closeBrace ? TOKEN.openBrace : kind === TOKEN.closeBracket ? TOKEN.openBracket : 0;
    if (want === 'value' || want === 'value-or-close') {
      if (kind === TOKEN.openBrace || kind === TOKEN.openBracket) {
        open.push(kind);
        want = kind === TOKEN.openBrace ? 'key-or-close' : 'value-or-close';
      } else if (SCALARS.includes(kind)) want = 'after-value';
      else if (want === 'value-or-close' && close === TOKEN.openBracket) {
        open.pop();
        want = 'after-value';
      } else return at;
    } else if (want === 'key' || want === 'key-or-close') {
      if (kind === TOKEN.string) want = 'colon';
      else if (want === 'key-or-close' && close === TOKEN.openBrace) {
        open.pop();
        want = 'after-value';
      } else return at;
    } else if (want === 'colon') {
      if (kind !== TOKEN.colon) return at;
      want = 'value';
    } else {
      const top = open[open.length - 1];
      if (kind === TOKEN.comma && top !== undefined) want = top === TOKEN.openBrace ? 'key' : 'value';
      else if (close !== 0 && close === top) open.pop();
      else return at;
    }
  }
}

/** One CSV row into cells: RFC 4180 quotes ("" inside quotes is a quote), cells trimmed of padding. */
export function splitCsvRow(row: string, delimiter = ','): string[] {
  const cells: string[] = [];
  let i = 0;
  const n = row.length;
  for (;;) {
    let cell = '';
    while (i < n && row[i] === ' ') i++;
    if (row[i] === '"') {
      i++;
      for (;;) {
        const q = row.indexOf('"', i);
        if (q < 0) {
          cell += row.slice(i);
          i = n;
          break;
        }
        cell += row.slice(i, q);
        if (row[q + 1] === '"') {
          cell += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      const d = row.indexOf(delimiter, i);
      i = d < 0 ? n : d;
    } else {
      const d = row.indexOf(delimiter, i);
      const end = d < 0 ? n : d;
      cell = row.slice(i, end).trim();
      i = end;
    }
    cells.push(cell);
    if (i >= n) break;
    i++; // the delimiter
    if (i === n) {
      cells.push('');
      break;
    }
  }
  return cells;
}

/** The JSON object of a JSON line, or a reason it is none. */
export function parseJsonLine(text: string): { value: Record<string, unknown> } | { error: string } {
  try {
    const v = JSON.parse(text.replace(/(?<=[:,[\s])(-?Infinity|NaN)(?=[\s,\]}])/g, 'null')) as unknown;
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return { value: v as Record<string, unknown> };
    return { error: 'expected a JSON object' };
  } catch (e) {
    return { error: `invalid JSON (${(e as Error).message})` };
  }
}
