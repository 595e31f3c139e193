// The line-block parsers of the text formats (CSV, JSONL). Shared by the main thread (gzip, small
// files) and the parse workers (byte ranges of big files): pure functions of bytes, no I/O here.
import { Buffer } from 'node:buffer';
import { MAX_CLASSES, tooManyClasses } from './limits';
import { cursor, fastNumber, parseNumber, snippet } from './numparse';
import type { ScoreKind, TargetLayout } from './types';

/** The record shape every row must have; fixed by the CSV header or the first JSONL record. */
export interface RowLayout {
  numClasses: number;
  scoreKind: ScoreKind;
  targetLayout: TargetLayout;
}

/** CSV column roles. Values >= 0: score column k; <= -100: multi-hot target column -(role + 100). */
export const ROLE_IGNORE = -1;
export const ROLE_EPOCH = -2;
export const ROLE_TARGET = -3;
export const ROLE_SPLIT = -4;

/** Everything a parser needs; structured-clone friendly (sent to workers). */
export interface TextConfig {
  kind: 'csv' | 'jsonl';
  /** File name as shown in messages. */
  file: string;
  layout?: RowLayout;
  /** Probabilities with index targets must sum to 1 per row (softmax), within 1e-3. */
  checkSoftmaxSum: boolean;
  /** Keep only records of this split (records without a split are kept). */
  splitFilter?: string;
  /** Split of records that carry none (JSONL meta.split). */
  defaultSplit?: string;
  lenient: boolean;
  maxLineBytes: number;
  /** CSV: column roles by position and the delimiter byte. */
  roles?: number[];
  delimiter?: number;
}

/** A problem at a line relative to the parser's first line (0-based), or an absolute byte offset. */
export interface LocalIssue {
  localLine: number;
  byteOffset: number;
  message: string;
}

/** Parsed rows of one byte range (transferable typed arrays). */
export interface BlockResult {
  rows: number;
  numClasses: number;
  scores: Float32Array;
  /** index: rows values; multi-hot: rows * numClasses. */
  targets: Int32Array | Uint8Array;
  epochs: Float64Array;
  /** Index into splitNames per row; 255 = no split. */
  splitCodes: Uint8Array;
  splitNames: string[];
  /** Lines consumed (newline-terminated, plus a final unterminated one). */
  lines: number;
  /** Samples in skipped records (a bad batch line counts its rows). */
  skipped: number;
  /** First few issues (lenient). */
  issues: LocalIssue[];
  /** Strict mode: the first error; parsing stopped there. */
  fatal?: LocalIssue;
  layout?: RowLayout;
}

const NO_SPLIT = 255;
const MAX_ISSUES = 20;

/** The whole buffers behind a BlockResult's arrays, handed back to be filled again. */
export interface RowBuffers {
  scores: ArrayBuffer;
  targets: ArrayBuffer;
  epochs: ArrayBuffer;
  splitCodes: ArrayBuffer;
}

/** The buffers of a block the consumer is done with. */
export function rowBuffersOf(r: BlockResult): RowBuffers {
  return { scores: r.scores.buffer as ArrayBuffer, targets: r.targets.buffer as ArrayBuffer, epochs: r.epochs.buffer as ArrayBuffer, splitCodes: r.splitCodes.buffer as ArrayBuffer };
}

class RowSink {
  cap = 0;
  n = 0;
  scores = new Float32Array(0);
  targets: Int32Array | Uint8Array = new Int32Array(0);
  epochs = new Float64Array(0);
  splitCodes = new Uint8Array(0);
  constructor(
    readonly C: number,
    readonly multiHot: boolean,
    /** Buffers of an earlier block, filled first when they hold enough rows (no fresh pages). */
    private spare: RowBuffers | null = null,
  ) {}

  ensure(extra: number): void {
    const need = this.n + extra;
    if (need <= this.cap) return;
    if (this.spare && this.n === 0 && this.adopt(this.spare) >= need) {
      this.spare = null;
      return;
    }
    this.spare = null;
    let cap = Math.max(1024, this.cap * 2);
    while (cap < need) cap *= 2;
    const C = this.C;
    const s = new Float32Array(cap * C);
    s.set(this.scores.subarray(0, this.n * C));
    this.scores = s;
    const tw = this.multiHot ? C : 1;
    const t = this.multiHot ? new Uint8Array(cap * tw) : new Int32Array(cap);
    t.set(this.targets.subarray(0, this.n * tw));
    this.targets = t;
    const e = new Float64Array(cap);
    e.set(this.epochs.subarray(0, this.n));
    this.epochs = e;
    const sc = new Uint8Array(cap);
    sc.set(this.splitCodes.subarray(0, this.n));
    this.splitCodes = sc;
    this.cap = cap;
  }

  /** Takes the spare buffers as its arrays (when empty); returns the rows they hold. */
  private adopt(b: RowBuffers): number {
    const C = this.C;
    const tw = this.multiHot ? C : 1;
    const rows = Math.min(Math.floor(b.scores.byteLength / 4 / C), Math.floor((this.multiHot ? b.targets.byteLength : b.targets.byteLength / 4) / tw), b.epochs.byteLength / 8, b.splitCodes.byteLength);
    if (rows <= 0) return 0;
    this.scores = new Float32Array(b.scores, 0, rows * C);
    this.targets = this.multiHot ? new Uint8Array(b.targets, 0, rows * tw) : new Int32Array(b.targets, 0, rows);
    this.epochs = new Float64Array(b.epochs, 0, rows);
    this.splitCodes = new Uint8Array(b.splitCodes, 0, rows);
    this.cap = rows;
    return rows;
  }
}

/** Validate row `r` of the sink (scores and targets already written); returns an error or null. */
function checkRow(sink: RowSink, r: number, layout: RowLayout, checkSum: boolean, name: (k: number) => string): string | null {
  const C = layout.numClasses;
  const s = sink.scores;
  const base = r * C;
  const probs = layout.scoreKind === 'probs';
  let sum = 0;
  for (let k = 0; k < C; k++) {
    const v = s[base + k];
    if (!Number.isFinite(v)) return `expected ${name(k)} to be a finite number, got ${v}`;
    if (probs && (v < 0 || v > 1)) return `expected ${name(k)} to be a probability in [0, 1], got ${v}`;
    sum += v;
  }
  if (checkSum && probs && C > 1 && Math.abs(sum - 1) > 1e-3) {
    return `expected softmax probabilities ${name(-1)} to sum to 1 (tolerance 1e-3), got ${+sum.toFixed(6)}`;
  }
  return null;
}

function fmtTarget(v: number): string {
  return Number.isNaN(v) ? 'NaN' : String(v);
}

/** Check an index target value; returns an error or null. */
function checkIndexTarget(v: number, C: number, name: string): string | null {
  const hi = C === 1 ? 1 : C - 1;
  if (!Number.isInteger(v)) return `expected ${name} to be an integer class index in [0, ${hi}], got ${fmtTarget(v)}`;
  if (v < 0 || v > hi) return `expected ${name} to be a class index in [0, ${hi}]${C === 1 ? ' (binary)' : ''}, got ${v}`;
  return null;
}

/**
 * Stateful line-block parser. Feed it pieces of the byte stream in order ({@link push}), then
 * {@link finish}; {@link take} hands over the rows parsed so far.
 */
export class TextBlockParser {
  private sink: RowSink | undefined;
  private layout: RowLayout | undefined;
  private carry: Uint8Array | null = null;
  private carryOffset = 0;
  private discarding = false;
  private lines = 0;
  private skipped = 0;
  private issues: LocalIssue[] = [];
  private fatal: LocalIssue | undefined;
  private splitNames: string[] = [];
  private splitFilterBytes: Uint8Array | null;
  private defaultSplitCode = NO_SPLIT;
  /** Name used in messages for the score field (JSONL: the key of the first record). */
  private scoreName = 'score';

  /** @param spare buffers of a block the consumer is done with, filled first (RowSink) */
  constructor(
    readonly cfg: TextConfig,
    spare: RowBuffers | null = null,
  ) {
    this.layout = cfg.layout;
    if (this.layout) this.sink = new RowSink(this.layout.numClasses, this.layout.targetLayout === 'multi-hot', spare);
    this.splitFilterBytes = cfg.splitFilter !== undefined ? Buffer.from(cfg.splitFilter, 'utf8') : null;
    if (cfg.defaultSplit !== undefined) this.defaultSplitCode = this.splitCode(cfg.defaultSplit);
    if (cfg.kind === 'csv') {
      this.scoreName = cfg.layout?.scoreKind === 'probs' ? (cfg.layout.numClasses > 1 ? 'p' : 'prob') : 'logit';
    }
  }

  private readonly csvName = (k: number): string => (k < 0 ? `${this.scoreName}_0..${this.scoreName}_${(this.layout?.numClasses ?? 1) - 1}` : (this.layout?.numClasses ?? 1) > 1 ? `${this.scoreName}_${k}` : this.scoreName);

  get stopped(): boolean {
    return this.fatal !== undefined;
  }

  get rows(): number {
    return this.sink?.n ?? 0;
  }

  /** Scores held (rows x classes). */
  get scoreCount(): number {
    return this.sink ? this.sink.n * this.sink.C : 0;
  }

  /** Feed the next piece; `offset` is the absolute byte offset of piece[0] in the file (stream). */
  push(piece: Uint8Array, offset: number): void {
    if (this.fatal) return;
    if (piece.length > 4 << 20) {
      // Big inputs in slices, so a line over the cap is caught by the carry logic.
      for (let o = 0; o < piece.length && !this.fatal; o += 4 << 20) this.push(piece.subarray(o, Math.min(piece.length, o + (4 << 20))), offset + o);
      return;
    }
    const buf = piece;
    const bufOffset = offset;
    let from = 0;
    if (this.carry) {
      // Complete the carried partial line first.
      const nl = piece.indexOf(10);
      if (nl < 0) {
        if (this.carry.length + piece.length > this.cfg.maxLineBytes) {
          this.tooLong(this.carryOffset);
          this.carry = null;
          this.discarding = true;
          return;
        }
        const c = new Uint8Array(this.carry.length + piece.length);
        c.set(this.carry);
        c.set(piece, this.carry.length);
        this.carry = c;
        return;
      }
      if (this.carry.length + nl > this.cfg.maxLineBytes) {
        this.tooLong(this.carryOffset);
        this.lines++;
      } else {
        const line = new Uint8Array(this.carry.length + nl + 1);
        line.set(this.carry);
        line.set(piece.subarray(0, nl + 1), this.carry.length);
        this.parseLines(line, 0, line.length, this.carryOffset);
      }
      this.carry = null;
      from = nl + 1;
    } else if (this.discarding) {
      const nl = piece.indexOf(10);
      if (nl < 0) return;
      this.discarding = false;
      this.lines++;
      from = nl + 1;
    }
    if (this.fatal) return;
    const last = buf.lastIndexOf(10);
    if (last >= from) {
      this.parseLines(buf, from, last + 1, bufOffset);
      from = last + 1;
    }
    if (from < buf.length) {
      if (buf.length - from > this.cfg.maxLineBytes) {
        this.tooLong(bufOffset + from);
        this.discarding = true;
        return;
      }
      this.carry = buf.slice(from);
      this.carryOffset = bufOffset + from;
    }
  }

  /** End of input: parse a final line without a newline (flagged as truncated when it is bad). */
  finish(): void {
    if (this.fatal) return;
    if (this.discarding) {
      this.lines++;
      this.discarding = false;
    }
    if (this.carry) {
      const line = this.carry;
      this.carry = null;
      this.truncatedTail = true;
      this.parseLines(line, 0, line.length, this.carryOffset);
      this.truncatedTail = false;
    }
  }

  private truncatedTail = false;

  private tooLong(byteOffset: number): void {
    this.issue(this.lines, byteOffset, tooLongMessage(this.cfg.maxLineBytes));
  }

  /** `samples`: how many samples the bad record held (a batch line counts its rows). */
  private issue(localLine: number, byteOffset: number, message: string, samples = 1): void {
    if (this.truncatedTail) message += ' (the file ends mid-record: truncated last line?)';
    const it: LocalIssue = { localLine, byteOffset, message };
    if (!this.cfg.lenient) {
      this.fatal = it;
      return;
    }
    this.skipped += samples;
    if (this.issues.length < MAX_ISSUES) this.issues.push(it);
  }

  private splitCode(name: string): number {
    let i = this.splitNames.indexOf(name);
    if (i < 0) {
      if (this.splitNames.length >= 254) return NO_SPLIT;
      i = this.splitNames.push(name) - 1;
    }
    return i;
  }

  /** Hand over the rows parsed so far (and the counters), resetting them. */
  take(): BlockResult {
    const s = this.sink;
    const n = s?.n ?? 0;
    const C = this.layout?.numClasses ?? 1;
    const multi = this.layout?.targetLayout === 'multi-hot';
    const res: BlockResult = {
      rows: n,
      numClasses: C,
      scores: s ? s.scores.subarray(0, n * C) : new Float32Array(0),
      targets: s ? s.targets.subarray(0, multi ? n * C : n) : new Int32Array(0),
      epochs: s ? s.epochs.subarray(0, n) : new Float64Array(0),
      splitCodes: s ? s.splitCodes.subarray(0, n) : new Uint8Array(0),
      splitNames: this.splitNames.slice(),
      lines: this.lines,
      skipped: this.skipped,
      issues: this.issues,
    };
    if (this.fatal) res.fatal = this.fatal;
    if (this.layout) res.layout = this.layout;
    if (s) this.sink = new RowSink(s.C, s.multiHot);
    this.bytesBefore = 0;
    this.lines = 0;
    this.skipped = 0;
    this.issues = [];
    return res;
  }

  private parseLines(b: Uint8Array, from: number, to: number, offset: number): void {
    if (this.cfg.kind === 'csv') this.parseCsv(b, from, to, offset);
    else this.parseJsonl(b, from, to, offset);
    this.bytesBefore += to - from;
  }

  /** Bytes parsed since the last take() (for sizing), and the bytes the caller expects in all. */
  private bytesBefore = 0;
  private expectBytes = 0;

  /** Hint: about this many bytes will be pushed before the next take() (sizes the row buffers). */
  expect(bytes: number): void {
    this.expectBytes = bytes;
  }

  // ---------------------------------------------------------------- CSV

  private parseCsv(b: Uint8Array, from: number, to: number, offset: number): void {
    const cfg = this.cfg;
    const layout = cfg.layout as RowLayout;
    const roles = cfg.roles as number[];
    const ncols = roles.length;
    const delim = cfg.delimiter ?? 44;
    const C = layout.numClasses;
    const multi = layout.targetLayout === 'multi-hot';
    const sink = this.sink as RowSink;
    const checkSum = cfg.checkSoftmaxSum && !multi;
    const filter = this.splitFilterBytes;
    const probs = layout.scoreKind === 'probs';
    const rowsAtFrom = sink.n;
    let scores = sink.scores;
    let i = from;
    while (i < to) {
      const lineStart = i;
      // Runs of empty lines cost a byte compare each (gigabytes of them are a known bomb).
      if (b[i] === 10) {
        while (i < to && b[i] === 10) {
          i++;
          this.lines++;
        }
        continue;
      }
      // Blank line (lone \r): skip.
      if (b[i] === 13 && (i + 1 >= to || b[i + 1] === 10)) {
        i = b[i] === 13 ? i + 2 : i + 1;
        this.lines++;
        continue;
      }
      if (sink.n >= sink.cap) {
        // Grow to the rows still expected, from the bytes per row seen so far (fewer copies).
        const seen = sink.n - rowsAtFrom;
        const perRow = seen > 0 ? (i - from) / seen : 64;
        const left = Math.max(to - i, this.expectBytes - (this.bytesBefore + (i - from)));
        sink.ensure(Math.max(1024, Math.ceil((left / perRow) * 1.03) + 16));
        scores = sink.scores;
      }
      const r = sink.n;
      const sb = r * C;
      let epoch = 0;
      let target = NaN;
      let splitCode = this.defaultSplitCode;
      let keep = true;
      let err: string | null = null;
      let col = 0;
      cursor.pos = i;
      for (; col < ncols; col++) {
        const role = roles[col];
        const fieldStart = cursor.pos;
        if (role >= 0) {
          const v = fastNumber(b, to, delim);
          if (v !== v && cursor.malformed && err === null) err = `expected ${this.csvName(role)} (column ${col + 1}) to be a number, got '${snippet(b, fieldStart, cursor.pos)}'`;
          scores[sb + role] = v;
        } else if (role === ROLE_TARGET) {
          target = fastNumber(b, to, delim);
          if (target !== target && cursor.malformed && err === null) err = `expected the target (column ${col + 1}) to be an integer class index, got '${snippet(b, fieldStart, cursor.pos)}'`;
        } else if (role === ROLE_EPOCH) {
          epoch = fastNumber(b, to, delim);
          if (!Number.isFinite(epoch) && err === null) err = `expected the epoch (column ${col + 1}) to be a number, got '${snippet(b, fieldStart, cursor.pos)}'`;
        } else if (role <= -100) {
          const v = parseNumber(b, to, delim);
          const k = -(role + 100);
          if ((cursor.malformed || (v !== 0 && v !== 1)) && err === null) err = `expected target_${k} (column ${col + 1}) to be 0 or 1, got '${snippet(b, fieldStart, cursor.pos)}'`;
          (sink.targets as Uint8Array)[sb + k] = v;
        } else {
          // split or ignored: skip the field (quotes allowed, no embedded newlines)
          let j = cursor.pos;
          if (j < to && b[j] === 34) {
            j++;
            while (j < to && b[j] !== 34 && b[j] !== 10) j++;
            if (j < to && b[j] === 34) j++;
          }
          while (j < to && b[j] !== delim && b[j] !== 10 && b[j] !== 13) j++;
          cursor.pos = j;
          if (role === ROLE_SPLIT) {
            let s0 = fieldStart;
            let s1 = j;
            while (s0 < s1 && b[s0] === 32) s0++;
            while (s1 > s0 && b[s1 - 1] === 32) s1--;
            if (s1 - s0 >= 2 && b[s0] === 34 && b[s1 - 1] === 34) {
              s0++;
              s1--;
            }
            if (s1 > s0) {
              if (filter && !bytesEqual(b, s0, s1, filter)) keep = false;
              splitCode = this.splitCode(Buffer.from(b.buffer, b.byteOffset + s0, s1 - s0).toString('utf8'));
            }
          }
        }
        const p = cursor.pos;
        if (col < ncols - 1) {
          if (p < to && b[p] === delim) cursor.pos = p + 1;
          else {
            if (err === null) err = `expected ${ncols} columns, got ${col + 1}`;
            break;
          }
        }
      }
      // Line end.
      let p = cursor.pos;
      if (p < to && b[p] === 13) p++;
      if (p < to && b[p] !== 10) {
        if (err === null) {
          if (b[p] === delim) {
            let extra = col + 1;
            for (let j = p; j < to && b[j] !== 10; j++) if (b[j] === delim) extra++;
            err = `expected ${ncols} columns, got ${extra}`;
          } else err = `unexpected '${snippet(b, p, Math.min(to, p + 1))}' in column ${Math.min(col + 1, ncols)}`;
        }
      }
      while (p < to && b[p] !== 10) p++;
      const lineEnd = p < to ? p + 1 : p;
      if (p - lineStart > cfg.maxLineBytes) err = tooLongMessage(cfg.maxLineBytes);
      if (err === null && !multi) {
        err = checkIndexTarget(target, C, 'the target');
      }
      if (err === null) {
        // Inline finite / range check; the detailed message comes from checkRow.
        let ok = true;
        let sum = 0;
        for (let k = 0; k < C; k++) {
          const v = scores[sb + k];
          if (!(v - v === 0) || (probs && (v < 0 || v > 1))) {
            ok = false;
            break;
          }
          sum += v;
        }
        if (!ok || (checkSum && probs && C > 1 && Math.abs(sum - 1) > 1e-3)) err = checkRow(sink, r, layout, checkSum, this.csvName);
      }
      if (err !== null) {
        this.issue(this.lines, offset + lineStart, err);
        if (this.fatal) return;
      } else if (keep) {
        if (!multi) (sink.targets as Int32Array)[r] = target;
        sink.epochs[r] = epoch;
        sink.splitCodes[r] = splitCode;
        sink.n = r + 1;
      }
      this.lines++;
      i = lineEnd;
    }
  }

  // -------------------------------------------------------------- JSONL

  private parseJsonl(b: Uint8Array, from: number, to: number, offset: number): void {
    const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
    let i = from;
    while (i < to) {
      // Runs of empty lines cost a byte compare each (gigabytes of them are a known bomb).
      while (i < to && buf[i] === 10) {
        i++;
        this.lines++;
      }
      if (i >= to) break;
      let nl = buf.indexOf(10, i);
      if (nl < 0 || nl >= to) nl = to;
      let e = nl;
      if (e > i && buf[e - 1] === 13) e--;
      let s = i;
      while (s < e && (buf[s] === 32 || buf[s] === 9)) s++;
      if (e - i > this.cfg.maxLineBytes) {
        this.issue(this.lines, offset + i, tooLongMessage(this.cfg.maxLineBytes));
        if (this.fatal) return;
      } else if (s < e) {
        this.recordSamples = 1;
        const err = this.jsonRecord(buf, s, e);
        if (err !== null) {
          this.issue(this.lines, offset + i, err, this.recordSamples);
          if (this.fatal) return;
        }
      }
      this.lines++;
      i = nl + 1;
    }
  }

  private jsonRecord(buf: Buffer, s: number, e: number): string | null {
    let text = buf.toString('utf8', s, e);
    let obj: unknown;
    try {
      obj = JSON.parse(text);
    } catch (err) {
      // Python's json writes NaN / Infinity; accept the syntax so the value check can name it.
      if (/NaN|Infinity/.test(text)) {
        text = text.replace(/-?Infinity|NaN/g, (m) => `"__${m}__"`);
        try {
          obj = JSON.parse(text);
        } catch {
          return `expected a JSON object, got invalid JSON (${(err as Error).message})`;
        }
      } else {
        if (buf[s] !== 123) return `expected a JSON object, got '${snippet(buf, s, e)}'`;
        return `expected a JSON object, got invalid JSON (${(err as Error).message})`;
      }
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return `expected a JSON object, got ${describe(obj)}`;
    return this.record(obj as Record<string, unknown>);
  }

  /** Samples in the record being parsed (its batch rows), for the skip count of a bad one. */
  private recordSamples = 1;

  private record(rec: Record<string, unknown>): string | null {
    this.recordSamples = batchRows(rec, this.layout);
    if ('meta' in rec && Object.keys(rec).length === 1) return 'unexpected {"meta": ...} record: meta must be the first line';
    const eKey = rec.epoch !== undefined ? 'epoch' : rec.step !== undefined ? 'step' : rec.iteration !== undefined ? 'iteration' : undefined;
    let epoch = 0;
    if (eKey) {
      const v = rec[eKey];
      if (typeof v !== 'number' || !Number.isFinite(v)) return `expected "${eKey}" to be a number, got ${describe(v)}`;
      epoch = v;
    }
    let splitCode = this.defaultSplitCode;
    if (rec.split !== undefined && rec.split !== null) {
      if (typeof rec.split !== 'string') return `expected "split" to be a string, got ${describe(rec.split)}`;
      if (this.cfg.splitFilter !== undefined && rec.split !== this.cfg.splitFilter) return null;
      splitCode = this.splitCode(rec.split);
    }
    const tKey = firstKey(rec, TARGET_KEYS);
    const lKey = firstKey(rec, LOGIT_KEYS);
    const pKey = lKey ? undefined : firstKey(rec, PROB_KEYS);
    const sKey = lKey ?? pKey;
    if (!sKey) return 'expected "logits" (or logit|score|scores) or "probs" (or prob|p) in the record';
    if (!tKey) return 'expected "target" (or targets|label|labels|y) in the record';
    const kind: ScoreKind = lKey ? 'logits' : 'probs';
    const scores = rec[sKey];
    const t = rec[tKey];
    // Classify the record.
    let shape: 'single' | 'batch';
    let C: number;
    let tl: TargetLayout;
    if (typeof scores === 'number' || typeof scores === 'string') {
      shape = 'single';
      C = 1;
      tl = 'index';
    } else if (Array.isArray(scores)) {
      if (scores.length === 0) return `expected "${sKey}" to be a non-empty array`;
      if (Array.isArray(scores[0])) {
        shape = 'batch';
        C = (scores[0] as unknown[]).length;
        if (!Array.isArray(t)) return `expected "${tKey}" to be an array of ${scores.length} targets (one per row of "${sKey}"), got ${describe(t)}`;
        tl = Array.isArray(t[0]) ? 'multi-hot' : 'index';
      } else if (Array.isArray(t)) {
        const known = this.layout;
        const plural = tKey === 'targets' || tKey === 'labels';
        const batchBinary = known ? known.numClasses === 1 : plural && !(t.length > 0 && Array.isArray(t[0]));
        if (batchBinary) {
          shape = 'batch';
          C = 1;
          tl = 'index';
        } else {
          shape = 'single';
          C = scores.length;
          tl = 'multi-hot';
        }
      } else {
        shape = 'single';
        C = scores.length;
        tl = 'index';
      }
    } else return `expected "${sKey}" to be a number or an array of numbers, got ${describe(scores)}`;
    if (C === 0) return `expected "${sKey}" rows to be non-empty arrays`;
    if (C > MAX_CLASSES) return tooManyClasses(`in "${sKey}"`, C);

    if (!this.layout) {
      this.layout = { numClasses: C, scoreKind: kind, targetLayout: tl };
      this.sink = new RowSink(C, tl === 'multi-hot');
      this.scoreName = sKey;
    }
    const L = this.layout;
    if (L.scoreKind !== kind) {
      return `mixed record shapes: expected "${L.scoreKind}" like the first record, got "${sKey}" (${kind})`;
    }
    if (tl !== L.targetLayout && !(shape === 'single' && L.targetLayout === 'multi-hot' && Array.isArray(t))) {
      return `mixed record shapes: expected ${L.targetLayout === 'index' ? 'class-index' : 'multi-hot'} targets like the first record, got ${tl === 'index' ? 'class indices' : 'multi-hot arrays'}`;
    }
    const sink = this.sink as RowSink;
    const nC = L.numClasses;
    const multi = L.targetLayout === 'multi-hot';
    const rows = shape === 'single' ? 1 : (scores as unknown[]).length;
    if (shape === 'batch' && (t as unknown[]).length !== rows) {
      return `expected "${tKey}" to have ${rows} entries (one per row of "${sKey}"), got ${(t as unknown[]).length}`;
    }
    sink.ensure(rows);
    const r0 = sink.n;
    for (let j = 0; j < rows; j++) {
      const r = r0 + j;
      const row: unknown = shape === 'single' ? scores : (scores as unknown[])[j];
      const where = shape === 'batch' ? `${sKey}[${j}]` : sKey;
      if (nC === 1) {
        const v = numVal(row);
        if (v === undefined) return `expected "${where}" to be a number, got ${describe(row)}`;
        sink.scores[r] = v;
      } else {
        if (!Array.isArray(row)) return `expected "${where}" to be an array of ${nC} numbers, got ${describe(row)}`;
        if (row.length !== nC) return `expected "${where}" to be an array of ${nC} numbers, got ${row.length}`;
        for (let k = 0; k < nC; k++) {
          const v = numVal(row[k]);
          if (v === undefined) return `expected "${where}[${k}]" to be a number, got ${describe(row[k])}`;
          sink.scores[r * nC + k] = v;
        }
      }
      const tv: unknown = shape === 'single' ? t : (t as unknown[])[j];
      const tWhere = shape === 'batch' ? `"${tKey}[${j}]"` : `"${tKey}"`;
      if (multi) {
        if (!Array.isArray(tv) || tv.length !== nC) return `expected ${tWhere} to be a multi-hot array of ${nC} values, got ${Array.isArray(tv) ? tv.length : describe(tv)}`;
        for (let k = 0; k < nC; k++) {
          const x = tv[k] === true ? 1 : tv[k] === false ? 0 : tv[k];
          if (x !== 0 && x !== 1) return `expected ${tWhere}[${k}] to be 0 or 1, got ${describe(tv[k])}`;
          (sink.targets as Uint8Array)[r * nC + k] = x;
        }
      } else {
        const x = tv === true ? 1 : tv === false ? 0 : tv;
        if (typeof x !== 'number') return `expected ${tWhere} to be an integer class index, got ${describe(tv)}`;
        const te = checkIndexTarget(x, nC, tWhere);
        if (te) return te;
        (sink.targets as Int32Array)[r] = x;
      }
      const ce = checkRow(sink, r, L, this.cfg.checkSoftmaxSum && !multi, (k) => (k < 0 ? `in "${where}"` : nC > 1 ? `"${where}[${k}]"` : `"${where}"`));
      if (ce) return ce;
      sink.epochs[r] = epoch;
      sink.splitCodes[r] = splitCode;
    }
    sink.n = r0 + rows;
    return null;
  }
}

/** The message for a line over the cap. */
export function tooLongMessage(max: number): string {
  return `line longer than ${max >= 1 << 20 ? `${Math.round(max / 1048576)} MiB` : `${max} bytes`} (the cap for one record)`;
}

const TARGET_KEYS = ['target', 'targets', 'label', 'labels', 'y'];
const LOGIT_KEYS = ['logit', 'logits', 'score', 'scores'];
const PROB_KEYS = ['prob', 'probs', 'p'];

/** How many samples a JSONL record holds, as far as its arrays tell (1 unless it is a batch). */
function batchRows(rec: Record<string, unknown>, layout: RowLayout | undefined): number {
  const scores = rec[firstKey(rec, LOGIT_KEYS) ?? firstKey(rec, PROB_KEYS) ?? ''];
  const t = rec[firstKey(rec, TARGET_KEYS) ?? ''];
  if (Array.isArray(scores) && Array.isArray(scores[0])) return scores.length;
  if (Array.isArray(t) && Array.isArray(t[0])) return t.length;
  const plural = rec.targets !== undefined || rec.labels !== undefined;
  if (plural && Array.isArray(t) && (layout ? layout.numClasses === 1 : true)) return Math.max(1, t.length);
  return 1;
}

function firstKey(rec: Record<string, unknown>, keys: string[]): string | undefined {
  for (const k of keys) if (rec[k] !== undefined) return k;
  return undefined;
}

function numVal(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (v === '__NaN__') return NaN;
  if (v === '__Infinity__') return Infinity;
  if (v === '__-Infinity__') return -Infinity;
  return undefined;
}

function describe(v: unknown): string {
  if (v === '__NaN__') return 'NaN';
  if (v === '__Infinity__') return 'Infinity';
  if (v === '__-Infinity__') return '-Infinity';
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'string') return JSON.stringify(v.length > 30 ? `${v.slice(0, 30)}...` : v);
  if (typeof v === 'object') return 'an object';
  return String(v);
}

function bytesEqual(b: Uint8Array, s: number, e: number, want: Uint8Array): boolean {
  if (e - s !== want.length) return false;
  for (let k = 0; k < want.length; k++) if (b[s + k] !== want[k]) return false;
  return true;
}
