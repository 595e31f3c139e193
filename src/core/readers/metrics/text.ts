/**
 * Reading metric logs: lines streamed from a file (metric logs can be hundreds of MB and still
 * growing), CSV rows split with quotes, whole JSON documents with a size cap.
 */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { InputError } from '../errors';
import type { MetricReadOptions } from '../registry';

/** Longest line accepted in a metric log (a JSON line with a whole config, as MMDetection 2.x writes). */
export const MAX_METRIC_LINE = 16 << 20;
/** Largest whole-JSON metric file (trainer_state.json, history.json) read into memory. */
export const MAX_JSON_DOCUMENT = 512 << 20;

export interface NumberedLine {
  text: string;
  /** 1-based. */
  line: number;
  byteOffset: number;
  /** The file ended without a newline after this line (a log being written may end mid-record). */
  last?: boolean;
}

function abortError(): Error {
  const e = new Error('aborted');
  e.name = 'AbortError';
  return e;
}

/** The file's lines (UTF-8, byte-order mark and \r dropped), streamed, blank lines skipped. */
export async function* lines(path: string, name: string, opts: MetricReadOptions = {}): AsyncGenerator<NumberedLine> {
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  let pending: Buffer | null = null;
  let offset = 0;
  let line = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (opts.signal?.aborted) throw abortError();
      opts.onBytes?.(chunk.length);
      let buf: Buffer = pending ? Buffer.concat([pending, chunk]) : chunk;
      let start = 0;
      for (;;) {
        const nl = buf.indexOf(10, start);
        if (nl < 0) break;
        line++;
        const end = nl > start && buf[nl - 1] === 13 ? nl - 1 : nl;
        if (end > start) {
          let text = buf.toString('utf8', start, end);
          if (line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
          if (text.trim() !== '') yield { text, line, byteOffset: offset + start };
        }
        start = nl + 1;
      }
      offset += start;
      buf = buf.subarray(start);
      if (buf.length > MAX_METRIC_LINE) throw new InputError({ file: name, line: line + 1 }, `a line longer than ${MAX_METRIC_LINE >> 20} MiB: not a metric log`);
      pending = buf.length ? Buffer.from(buf) : null;
    }
    if (pending && pending.length) {
      line++;
      const text = pending.toString('utf8').replace(/\r$/, '');
      if (text.trim() !== '') yield { text, line, byteOffset: offset, last: true };
    }
  } finally {
    stream.destroy();
  }
}

/** A whole JSON document (trainer_state.json, history.json). */
export async function readJsonDocument(path: string, name: string, opts: MetricReadOptions = {}): Promise<unknown> {
  const size = (await stat(path)).size;
  if (size > MAX_JSON_DOCUMENT) throw new InputError({ file: name }, `${size} bytes is more than the ${MAX_JSON_DOCUMENT >> 20} MiB a JSON metric file is read up to`);
  const bytes = await readFile(path, opts.signal ? { signal: opts.signal } : {});
  opts.onBytes?.(bytes.length);
  let text = bytes.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    // Python's json module writes NaN and Infinity; JSON.parse does not accept them
    return JSON.parse(text.replace(/(?<=[:,[\s])(-?Infinity|NaN)(?=[\s,\]}])/g, 'null'));
  } catch (e) {
    const m = /position (\d+)/.exec((e as Error).message);
    const at = m ? Number(m[1]) : undefined;
    const lineNo = at !== undefined ? text.slice(0, at).split('\n').length : undefined;
    throw new InputError({ file: name, ...(lineNo !== undefined ? { line: lineNo } : {}) }, `invalid JSON (${(e as Error).message.replace(/^JSON\.parse: /, '')}); a file still being written?`);
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
