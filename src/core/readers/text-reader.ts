// Streaming reader of the text formats (CSV, JSONL, gzip of either): head parsing, in-thread
// streaming, and the worker-pool path for big uncompressed files.
import { createReadStream, existsSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { createGunzip } from 'node:zlib';
import { InputError, IssueLog, quoted } from './errors';
import { parseRange, type ParseReply, type ParseTask } from './parse-worker';
import { ROLE_EPOCH, ROLE_IGNORE, ROLE_SPLIT, ROLE_TARGET, rowBuffersOf, TextBlockParser, tooLongMessage, type BlockResult, type RowBuffers, type RowLayout, type TextConfig } from './text-parse';
import { MAX_CHUNK_SCORES, MAX_CLASSES, tooManyClasses } from './limits';
import type { DumpMeta } from './types';

/** Options the text reader needs (a subset of the public OpenOptions, resolved). */
export interface TextReadOptions {
  lenient: boolean;
  split?: string;
  maxLineBytes: number;
  chunkSize: number;
  workers: number;
  /** Files at least this big (bytes) are parsed by the worker pool. */
  parallelMinBytes: number;
  /** Bytes per worker task (cut at line ends). */
  rangeBytes?: number;
  /** A block is valid only until the next is requested: its buffers are then parsed into again. */
  reuseBuffers?: boolean;
  signal?: AbortSignal;
  onBytes(n: number): void;
}

/** A block of rows with its absolute first line (1-based) for positions. */
export interface PositionedBlock {
  result: BlockResult;
  /** 1-based line number of the block's first line. */
  firstLine: number;
}

const PIECE = 4 << 20;
/** Files smaller than this are parsed in-thread (worker start-up costs more than it saves). */
export const PARALLEL_MIN_BYTES = 16 << 20;
const RANGE_BYTES = 4 << 20;

function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) {
    const e = new Error('aborted');
    e.name = 'AbortError';
    throw e;
  }
}

/** Async pieces of a (possibly gzip-compressed) file, with absolute (decompressed) offsets. */
async function* pieces(path: string, name: string, gzip: boolean, opts: Pick<TextReadOptions, 'signal' | 'onBytes'>, start = 0, end = Infinity): AsyncGenerator<{ bytes: Uint8Array; offset: number }> {
  if (gzip) {
    const raw = createReadStream(path, { highWaterMark: 1 << 20 });
    let lastRaw = 0;
    const gz = raw.pipe(createGunzip({ chunkSize: 1 << 20 }));
    raw.on('error', (e) => gz.destroy(e));
    let offset = 0;
    try {
      for await (const chunk of gz as AsyncIterable<Buffer>) {
        throwIfAborted(opts.signal);
        opts.onBytes(raw.bytesRead - lastRaw);
        lastRaw = raw.bytesRead;
        yield { bytes: chunk, offset };
        offset += chunk.length;
      }
    } catch (e) {
      if (e instanceof InputError || (e as Error).name === 'AbortError') throw e;
      const code = (e as { code?: string }).code;
      if (code && code.startsWith('Z_')) throw new InputError({ file: name, byteOffset: raw.bytesRead }, `corrupt or truncated gzip data (${(e as Error).message})`);
      throw e;
    } finally {
      raw.destroy();
      gz.destroy();
    }
    return;
  }
  const fh = await open(path, 'r');
  try {
    const buf = new Uint8Array(PIECE);
    let pos = start;
    while (pos < end) {
      throwIfAborted(opts.signal);
      const { bytesRead } = await fh.read(buf, 0, Math.min(PIECE, end - pos), pos);
      if (bytesRead <= 0) break;
      opts.onBytes(bytesRead);
      yield { bytes: buf.subarray(0, bytesRead), offset: pos };
      pos += bytesRead;
    }
  } finally {
    await fh.close();
  }
}

/**
 * The head of a text stream: the header line (CSV header, JSONL meta line) when there is one, the
 * first data line, and the bytes read so far from where data starts. What comes before data (a
 * byte-order mark, blank lines, the header) is dropped as it is read, so gigabytes of blank lines
 * cost no memory here.
 */
interface Head {
  header?: HeadLine;
  first?: HeadLine;
  /** The bytes read so far from `dataOffset` on (they start with the first data line). */
  bytes: Uint8Array;
  /** Absolute offset and 1-based line number where data starts. */
  dataOffset: number;
  dataLine: number;
  eof: boolean;
}

interface HeadLine {
  text: string;
  offset: number;
  line: number;
}

const BOM = [0xef, 0xbb, 0xbf];

/**
 * Read up to the first data line. `isHeader` says whether the first non-blank line is a header
 * (CSV: always; JSONL: a meta line); a header is followed by the first non-blank line after it.
 */
async function readHead(it: AsyncIterator<{ bytes: Uint8Array; offset: number }>, name: string, maxLine: number, headerTooLongThrows: boolean, isHeader: (text: string) => boolean): Promise<Head> {
  let acc = new Uint8Array(0);
  /** Absolute offset of acc[0], and the line number there. */
  let base = 0;
  let baseLine = 1;
  let header: HeadLine | undefined;
  let first: HeadLine | undefined;
  let eof = false;
  let bomChecked = false;
  const drop = (n: number) => {
    acc = acc.subarray(n);
    base += n;
  };
  const decode = (from: number, to: number) => Buffer.from(acc.buffer, acc.byteOffset + from, to - from).toString('utf8').replace(/\r$/, '');
  for (;;) {
    if (!bomChecked && (acc.length >= 3 || eof)) {
      // Editors on Windows write a UTF-8 byte-order mark: not part of the first line.
      if (BOM.every((b, i) => acc[i] === b)) drop(3);
      bomChecked = true;
    }
    let stop = false;
    while (bomChecked && !first) {
      // Runs of empty lines go at a byte compare each (gigabytes of them are a known bomb).
      let k = 0;
      while (k < acc.length && (acc[k] === 10 || (acc[k] === 13 && acc[k + 1] === 10))) {
        if (acc[k] === 10) baseLine++;
        k++;
      }
      if (k > 0) drop(k);
      const nl = acc.indexOf(10);
      if (nl < 0) break;
      if (nl > maxLine) {
        // A line over the cap ends the look-ahead; the parser reports it (or skips it when lenient).
        if (!header && headerTooLongThrows) throw new InputError({ file: name, line: baseLine }, tooLongMessage(maxLine));
        stop = true;
        break;
      }
      const text = decode(0, nl);
      if (text.trim() === '') {
        drop(nl + 1);
        baseLine++;
      } else if (!header && isHeader(text)) {
        header = { text, offset: base, line: baseLine };
        drop(nl + 1);
        baseLine++;
      } else first = { text, offset: base, line: baseLine };
    }
    if (first || stop) break;
    if (acc.length > maxLine) {
      if (!header && headerTooLongThrows) throw new InputError({ file: name, line: baseLine }, tooLongMessage(maxLine));
      break;
    }
    if (eof) {
      // A last line without a newline.
      if (acc.length > 0 && decode(0, acc.length).trim() !== '') {
        const text = decode(0, acc.length);
        if (!header && isHeader(text)) {
          header = { text, offset: base, line: baseLine };
          drop(acc.length);
        } else first = { text, offset: base, line: baseLine };
      }
      break;
    }
    const n = await it.next();
    if (n.done) {
      eof = true;
      continue;
    }
    const next = new Uint8Array(acc.length + n.value.bytes.length);
    next.set(acc);
    next.set(n.value.bytes, acc.length);
    acc = next;
  }
  return { ...(header ? { header } : {}), ...(first ? { first } : {}), bytes: acc, dataOffset: base, dataLine: baseLine, eof };
}

/** A JSONL line that is a `{"meta": ...}` object. */
function metaOf(text: string): { meta: unknown } | undefined {
  if (!/^\s*\{\s*"meta"/.test(text)) return undefined;
  try {
    const o = JSON.parse(text) as unknown;
    return typeof o === 'object' && o !== null && !Array.isArray(o) && 'meta' in o ? (o as { meta: unknown }) : undefined;
  } catch {
    return undefined;
  }
}

/** Sniffed description of a text file: config for the parsers plus meta. */
export interface TextPlan {
  path: string;
  name: string;
  gzip: boolean;
  kind: 'csv' | 'jsonl';
  meta: DumpMeta;
  cfg: TextConfig;
  /** Byte offset and 1-based line number where data lines start. */
  dataOffset: number;
  dataLine: number;
  epochKey: 'epoch' | 'step' | 'iteration';
}

/** The dump's `meta` object (a JSONL meta line, an .npz's meta.npy), checked field by field. */
export function parseMeta(raw: unknown, name: string, line = 1): DumpMeta {
  const pos = { file: name, line };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new InputError(pos, 'expected "meta" to be an object');
  const m = raw as Record<string, unknown>;
  const meta: DumpMeta = {};
  if (m.loss !== undefined && m.loss !== null) {
    if (m.loss !== 'sigmoid_focal' && m.loss !== 'softmax_focal') throw new InputError(pos, `expected meta.loss to be "sigmoid_focal" or "softmax_focal", got ${quoted(m.loss)}`);
    meta.loss = m.loss;
  }
  if (m.alpha !== undefined) {
    const a = m.alpha;
    if (!(a === null || (typeof a === 'number' && Number.isFinite(a)) || (Array.isArray(a) && a.every((x) => typeof x === 'number' && Number.isFinite(x))))) throw new InputError(pos, 'expected meta.alpha to be a number, a list of numbers, or null');
    meta.alpha = a as number | number[] | null;
  }
  if (m.gamma !== undefined && m.gamma !== null) {
    if (typeof m.gamma !== 'number' || !Number.isFinite(m.gamma) || m.gamma < 0) throw new InputError(pos, `expected meta.gamma to be a non-negative number, got ${quoted(m.gamma)}`);
    meta.gamma = m.gamma;
  }
  if (m.convention !== undefined && m.convention !== null) {
    if (typeof m.convention !== 'string') throw new InputError(pos, 'expected meta.convention to be a string');
    meta.convention = m.convention;
  }
  if (m.classes !== undefined && m.classes !== null) {
    if (!Array.isArray(m.classes) || !m.classes.every((c) => typeof c === 'string' || typeof c === 'number')) throw new InputError(pos, 'expected meta.classes to be a list of class names');
    meta.classes = m.classes.map(String);
  }
  if (m.split !== undefined && m.split !== null) {
    if (typeof m.split !== 'string') throw new InputError(pos, 'expected meta.split to be a string');
    meta.split = m.split;
  }
  return meta;
}

/** Map a CSV header to column roles and the row layout. */
export function csvLayout(header: string, name: string, line = 1): { roles: number[]; layout: RowLayout; delimiter: number; epochKey: 'epoch' | 'step' | 'iteration' } {
  const delimiter = header.includes(',') ? 44 : header.includes('\t') ? 9 : header.includes(';') ? 59 : 44;
  const cols = header.split(String.fromCharCode(delimiter)).map((c) => c.trim().replace(/^"(.*)"$/, '$1').trim().toLowerCase());
  const pos = { file: name, line };
  const roles = new Array<number>(cols.length).fill(ROLE_IGNORE);
  const logit = new Map<number, number>();
  const prob = new Map<number, number>();
  const tcols = new Map<number, number>();
  let single: { col: number; kind: 'logits' | 'probs' } | undefined;
  let singleLogit: number | undefined;
  let epochCol = -1;
  let epochKey: 'epoch' | 'step' | 'iteration' = 'epoch';
  let targetCol = -1;
  cols.forEach((c, i) => {
    let m: RegExpMatchArray | null;
    if (c === 'epoch' || ((c === 'step' || c === 'iteration') && epochCol < 0) || ((c === 'step' || c === 'iteration') && epochKey !== 'epoch')) {
      if (epochCol >= 0 && c !== 'epoch') return;
      if (epochCol >= 0) roles[epochCol] = ROLE_IGNORE;
      epochCol = i;
      epochKey = c as 'epoch' | 'step' | 'iteration';
    } else if (['target', 'label', 'y', 'targets', 'labels'].includes(c)) {
      if (targetCol < 0) targetCol = i;
    } else if ((m = /^(?:logit|logits|score|scores)_(\d+)$/.exec(c))) logit.set(Number(m[1]), i);
    else if ((m = /^(?:p|prob|probs)_(\d+)$/.exec(c))) prob.set(Number(m[1]), i);
    else if ((m = /^(?:target|label|y)_(\d+)$/.exec(c))) tcols.set(Number(m[1]), i);
    else if (c === 'logit' || c === 'score') singleLogit ??= i;
    else if ((c === 'prob' || c === 'p') && !single) single = { col: i, kind: 'probs' };
    else if (c === 'split') roles[i] = ROLE_SPLIT;
  });
  if (singleLogit !== undefined) single = { col: singleLogit, kind: 'logits' };
  if (epochCol >= 0) roles[epochCol] = ROLE_EPOCH;
  const scoreCols = logit.size > 0 ? logit : prob;
  const scoreKind = logit.size > 0 ? 'logits' : 'probs';
  let numClasses: number;
  if (scoreCols.size > MAX_CLASSES) throw new InputError(pos, tooManyClasses('in the CSV header', scoreCols.size));
  if (scoreCols.size > 0) {
    numClasses = scoreCols.size;
    for (let k = 0; k < numClasses; k++) {
      const col = scoreCols.get(k);
      if (col === undefined) throw new InputError(pos, `expected score columns ${scoreKind === 'logits' ? 'logit' : 'p'}_0..${scoreKind === 'logits' ? 'logit' : 'p'}_${numClasses - 1}, column ${k} is missing`);
      roles[col] = k;
    }
  } else if (single) {
    numClasses = 1;
    roles[single.col] = 0;
  } else {
    throw new InputError(pos, `expected a CSV header with logit_0..logit_{C-1}, p_0.. / prob_0.., or a single logit / prob column, got ${JSON.stringify(header.length > 120 ? `${header.slice(0, 120)}...` : header)}`);
  }
  const kind = scoreCols.size > 0 ? scoreKind : (single as { kind: 'logits' | 'probs' }).kind;
  let targetLayout: 'index' | 'multi-hot' = 'index';
  if (targetCol >= 0) roles[targetCol] = ROLE_TARGET;
  else if (tcols.size === numClasses && numClasses > 1) {
    targetLayout = 'multi-hot';
    for (let k = 0; k < numClasses; k++) {
      const col = tcols.get(k);
      if (col === undefined) throw new InputError(pos, `expected multi-hot target columns target_0..target_${numClasses - 1}, column ${k} is missing`);
      roles[col] = -(100 + k);
    }
  } else throw new InputError(pos, `expected a "target" (or "label") column in the CSV header, got ${JSON.stringify(header.length > 120 ? `${header.slice(0, 120)}...` : header)}`);
  return { roles, layout: { numClasses, scoreKind: kind, targetLayout }, delimiter, epochKey };
}

/**
 * Read the head of a text file (CSV header, or JSONL meta line and first record), decide the layout,
 * and return the plan plus an iterator over positioned blocks of parsed rows, in file order.
 */
export async function openTextFile(path: string, name: string, kind: 'csv' | 'jsonl', gzip: boolean, opts: TextReadOptions, _log: IssueLog, metaIn: DumpMeta): Promise<{ plan: TextPlan; blocks: AsyncGenerator<PositionedBlock> }> {
  const it = pieces(path, name, gzip, opts);
  let head: Head;
  try {
    head = await readHead(it, name, opts.maxLineBytes, kind === 'csv', kind === 'csv' ? () => true : (t) => metaOf(t) !== undefined);
  } catch (e) {
    await it.return(undefined);
    throw e;
  }
  if (!head.header && !head.first && head.eof) {
    await it.return(undefined);
    throw new InputError({ file: name }, 'the file is empty: expected a prediction dump');
  }
  if (kind === 'csv' && !head.header) {
    await it.return(undefined);
    throw new InputError({ file: name, line: head.dataLine }, 'expected a CSV header line');
  }
  try {
    return await planText(path, name, kind, gzip, opts, metaIn, head, it);
  } catch (e) {
    await it.return(undefined);
    throw e;
  }
}

/** Meta, record layout and parser settings of a text file from its head (CSV header, JSONL meta line and first record). */
function textPlanOf(path: string, name: string, kind: 'csv' | 'jsonl', gzip: boolean, opts: Pick<TextReadOptions, 'lenient' | 'maxLineBytes' | 'split'>, metaIn: DumpMeta, head: Head): TextPlan {
  const meta: DumpMeta = { ...metaIn };
  let epochKey: 'epoch' | 'step' | 'iteration' = 'epoch';
  let cfg: TextConfig;
  if (kind === 'jsonl') {
    // The meta line is the first non-blank line, when there is one.
    if (head.header) Object.assign(meta, parseMeta((metaOf(head.header.text) as { meta: unknown }).meta, name, head.header.line));
    if (head.first) {
      try {
        const o = JSON.parse(head.first.text) as Record<string, unknown>;
        if (o && typeof o === 'object') epochKey = o.epoch !== undefined ? 'epoch' : o.step !== undefined ? 'step' : o.iteration !== undefined ? 'iteration' : 'epoch';
      } catch {
        /* reported by the parser */
      }
    }
    cfg = { kind, file: name, checkSoftmaxSum: meta.loss !== 'sigmoid_focal', lenient: opts.lenient, maxLineBytes: opts.maxLineBytes };
    if (meta.split !== undefined) cfg.defaultSplit = meta.split;
  } else {
    const l = csvLayout((head.header as HeadLine).text, name, (head.header as HeadLine).line);
    epochKey = l.epochKey;
    cfg = { kind, file: name, layout: l.layout, roles: l.roles, delimiter: l.delimiter, checkSoftmaxSum: meta.loss !== 'sigmoid_focal', lenient: opts.lenient, maxLineBytes: opts.maxLineBytes };
  }
  if (opts.split !== undefined) cfg.splitFilter = opts.split;
  // Data starts at the first data line; what came before (header, blank lines) is counted in dataLine.
  return { path, name, gzip, kind, meta, cfg, dataOffset: head.dataOffset, dataLine: head.dataLine, epochKey };
}

/**
 * The plan of an uncompressed text dump that is still being written, from its first `size` bytes.
 * Null while they do not hold the head yet (the CSV header, or the first JSONL record after an
 * optional meta line), or its last line is still partial: a follower asks again when more arrives.
 */
export async function planGrowingTextFile(path: string, name: string, kind: 'csv' | 'jsonl', opts: Pick<TextReadOptions, 'lenient' | 'maxLineBytes' | 'split' | 'signal'>, size: number): Promise<TextPlan | null> {
  const it = pieces(path, name, false, { ...opts, onBytes: () => undefined }, 0, size);
  let head: Head;
  try {
    head = await readHead(it, name, opts.maxLineBytes, kind === 'csv', kind === 'csv' ? () => true : (t) => metaOf(t) !== undefined);
  } finally {
    await it.return(undefined);
  }
  if (kind === 'csv' ? !head.header : !head.first) return null;
  // at the end of what is there, the head's last line counts once its line end is written
  if (head.eof && !(await endsWithLineEnd(path, size))) return null;
  return textPlanOf(path, name, kind, false, opts, {}, head);
}

async function endsWithLineEnd(path: string, size: number): Promise<boolean> {
  if (size === 0) return false;
  const fh = await open(path, 'r');
  try {
    const last = new Uint8Array(1);
    await fh.read(last, 0, 1, size - 1);
    return last[0] === 10;
  } finally {
    await fh.close();
  }
}

async function planText(path: string, name: string, kind: 'csv' | 'jsonl', gzip: boolean, opts: TextReadOptions, metaIn: DumpMeta, head: Head, it: AsyncGenerator<{ bytes: Uint8Array; offset: number }>): Promise<{ plan: TextPlan; blocks: AsyncGenerator<PositionedBlock> }> {
  const plan = textPlanOf(path, name, kind, gzip, opts, metaIn, head);
  const { cfg, dataOffset } = plan;
  const dataLine = head.first;
  const size = gzip ? 0 : (await stat(path)).size;
  const parallel = !gzip && opts.workers > 0 && size - dataOffset >= opts.parallelMinBytes && workerScript() !== undefined;

  if (parallel) {
    await it.return(undefined);
    if (kind === 'jsonl' && !cfg.layout) {
      // Fix the layout from the first data record so every worker checks against the same shape.
      const probe = new TextBlockParser({ ...cfg, lenient: true });
      if (dataLine) probe.push(Buffer.from(`${dataLine.text}\n`), dataLine.offset);
      const r = probe.take();
      if (r.layout) cfg.layout = r.layout;
    }
    return { plan, blocks: parallelBlocks(plan, size, opts) };
  }
  return { plan, blocks: inlineBlocks(plan, head, it, opts) };
}

async function* inlineBlocks(plan: TextPlan, head: Head, it: AsyncGenerator<{ bytes: Uint8Array; offset: number }>, opts: TextReadOptions): AsyncGenerator<PositionedBlock> {
  const parser = new TextBlockParser(plan.cfg);
  let line = plan.dataLine;
  try {
    // The head bytes after the header go first, then the rest of the stream.
    if (head.bytes.length > 0) parser.push(head.bytes, plan.dataOffset);
    for (;;) {
      // A block holds chunkSize rows, fewer when they are wide: memory does not grow with the columns.
      if (parser.rows >= opts.chunkSize || parser.scoreCount >= MAX_CHUNK_SCORES || parser.stopped) {
        const r = parser.take();
        yield { result: r, firstLine: line };
        line += r.lines;
        if (r.fatal) return;
      }
      const n = await it.next();
      if (n.done) break;
      parser.push(n.value.bytes, n.value.offset);
    }
    parser.finish();
    const r = parser.take();
    yield { result: r, firstLine: line };
  } finally {
    await it.return(undefined);
  }
}

/** Bytes read from the end of a text dump for {@link tailEpoch}: a few hundred records of usual width. */
const TAIL_BYTES = 64 << 10;

/**
 * The largest epoch among the whole records in the last TAIL_BYTES of an uncompressed text dump
 * (its split only, records checked as the reader checks them, bad ones passed over), or undefined
 * (gzip, no whole record there). Read before the stream starts, it tells which epochs cannot be
 * the last one read: the analysis keeps per-sample data for the others only.
 */
export async function tailEpoch(plan: TextPlan): Promise<number | undefined> {
  if (plan.gzip) return undefined;
  const fh = await open(plan.path, 'r');
  try {
    const size = (await fh.stat()).size;
    const start = Math.max(plan.dataOffset, size - TAIL_BYTES);
    const bytes = new Uint8Array(size - start);
    const { bytesRead } = await fh.read(bytes, 0, bytes.length, start);
    // a window that starts inside a record begins after that record's line end
    const from = start === plan.dataOffset ? 0 : bytes.subarray(0, bytesRead).indexOf(10) + 1;
    if (from <= 0 && start !== plan.dataOffset) return undefined;
    const parser = new TextBlockParser({ ...plan.cfg, lenient: true });
    parser.push(bytes.subarray(from, bytesRead), start + from);
    parser.finish();
    const r = parser.take();
    let max: number | undefined;
    for (let i = 0; i < r.rows; i++) if (max === undefined || r.epochs[i]! > max) max = r.epochs[i]!;
    return max;
  } finally {
    await fh.close();
  }
}

/** The bundled worker script next to this bundle (dist/parse-worker.js), if present. */
export function workerScript(): string | undefined {
  const override = process.env.FOCAL_LENS_PARSE_WORKER;
  if (override) return existsSync(override) ? override : undefined;
  const candidates = [join(__dirname, 'parse-worker.js')];
  return candidates.find((c) => existsSync(c));
}

/**
 * Default number of parse workers: one per core but one (the main thread computes meanwhile), at
 * least 1, at most 4.
 */
export function defaultWorkers(): number {
  return Math.max(1, Math.min(4, availableParallelism() - 1));
}

class Pool {
  private workers: Worker[] = [];
  private idle: Worker[] = [];
  private queue: { task: ParseTask; resolve(r: BlockResult): void; reject(e: unknown): void }[] = [];
  private pending = new Map<number, { resolve(r: BlockResult): void; reject(e: unknown): void; worker: Worker }>();
  private failed: unknown;

  constructor(script: string, n: number) {
    for (let i = 0; i < n; i++) {
      const w = new Worker(script, process.env.FOCAL_LENS_PARSE_WORKER_EXECARGV ? { execArgv: process.env.FOCAL_LENS_PARSE_WORKER_EXECARGV.split(' ') } : {});
      w.unref();
      w.on('message', (m: ParseReply) => {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (m.ok) p.resolve(m.result);
        else p.reject(new Error(`parse worker failed: ${m.error}`));
        this.release(w);
      });
      w.on('error', (e) => this.fail(e));
      this.workers.push(w);
      this.idle.push(w);
    }
  }

  private fail(e: unknown): void {
    this.failed = e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
    for (const q of this.queue) q.reject(e);
    this.queue = [];
  }

  private release(w: Worker): void {
    const q = this.queue.shift();
    if (q) this.dispatch(w, q);
    else this.idle.push(w);
  }

  private dispatch(w: Worker, q: { task: ParseTask; resolve(r: BlockResult): void; reject(e: unknown): void }): void {
    this.pending.set(q.task.id, { resolve: q.resolve, reject: q.reject, worker: w });
    const spare = q.task.spare;
    w.postMessage(q.task, spare ? Object.values(spare) : []);
  }

  run(task: ParseTask): Promise<BlockResult> {
    return new Promise((resolve, reject) => {
      if (this.failed) return reject(this.failed);
      const q = { task, resolve, reject };
      const w = this.idle.pop();
      if (w) this.dispatch(w, q);
      else this.queue.push(q);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** The end of the range that starts at `start`: the first line end at or after start + RANGE_BYTES. */
async function rangeEnd(fh: import('node:fs/promises').FileHandle, start: number, size: number, rangeBytes: number): Promise<number> {
  let pos = start + rangeBytes;
  if (pos >= size) return size;
  const buf = new Uint8Array(64 << 10);
  for (;;) {
    const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
    if (bytesRead <= 0) return size;
    const nl = buf.subarray(0, bytesRead).indexOf(10);
    if (nl >= 0) return pos + nl + 1;
    pos += bytesRead;
  }
}

async function* parallelBlocks(plan: TextPlan, size: number, opts: TextReadOptions): AsyncGenerator<PositionedBlock> {
  const script = workerScript() as string;
  const pool = new Pool(script, opts.workers);
  const fh = await open(plan.path, 'r');
  const inflight: { promise: Promise<BlockResult>; bytes: number }[] = [];
  const maxInflight = opts.workers + 1;
  // with reuseBuffers, the buffers of each block handed out go back to a worker once the consumer
  // asks for the next block (no fresh pages, no garbage waiting for a collection)
  const spares: RowBuffers[] = [];
  let next = plan.dataOffset;
  let id = 0;
  let line = plan.dataLine;
  const cfg = plan.cfg;
  try {
    const fill = async () => {
      while (inflight.length < maxInflight && next < size) {
        const end = await rangeEnd(fh, next, size, opts.rangeBytes ?? RANGE_BYTES);
        const spare = spares.pop();
        const task: ParseTask = { id: id++, path: plan.path, start: next, end, last: end >= size, cfg, ...(spare ? { spare } : {}) };
        const promise = pool.run(task);
        promise.catch(() => undefined);
        inflight.push({ promise, bytes: end - next });
        next = end;
      }
    };
    await fill();
    while (inflight.length > 0) {
      throwIfAborted(opts.signal);
      const head = inflight.shift() as { promise: Promise<BlockResult>; bytes: number };
      const r = await head.promise;
      opts.onBytes(head.bytes);
      await fill();
      yield { result: r, firstLine: line };
      if (opts.reuseBuffers) spares.push(rowBuffersOf(r));
      line += r.lines;
      if (r.fatal) return;
    }
  } finally {
    await fh.close();
    await pool.close();
  }
}

/** Parse a whole text range in-thread (used by tests and as a fallback). */
export { parseRange };
