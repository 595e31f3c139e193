// Turns named arrays (scores, targets, optional epoch) from .npy / .npz / safetensors into chunks,
// reading chunkSize rows at a time from their byte sources.
import { alignedCopy, decodeInto, MemorySource, type ByteSource, type DType } from './binary';
import { InputError, type IssueLog } from './errors';
import { MAX_CHUNK_SCORES, MAX_CLASSES, tooManyClasses } from './limits';
import type { PredictionChunk, ScoreKind } from './types';

/** One array to read: its byte source positioned anywhere, dtype, shape, order and data start. */
export interface ArrayRef {
  /** Key it was found under, e.g. "logits" (for messages). */
  key: string;
  src: ByteSource;
  dtype: DType;
  shape: number[];
  fortran: boolean;
  /** Offset of the data in src. */
  dataOffset: number;
}

export interface ArraySet {
  /** File name for set-level messages. */
  file: string;
  scores: ArrayRef;
  scoreKind: ScoreKind;
  targets: ArrayRef;
  epoch?: ArrayRef;
  /** Epoch for every row when there is no epoch array (from the file name), else 0. */
  fixedEpoch: number;
}

export interface ArrayReadOptions {
  chunkSize: number;
  split?: string;
  checkSoftmaxSum: boolean;
  signal?: AbortSignal;
  /** Chunks share buffers: each is valid until the next is requested (OpenDumpOptions.reuseBuffers). */
  reuseBuffers?: boolean;
}

const dtypeName = (d: DType) => d.text;

// Fast checks of a whole chunk (plain functions: they optimise better than generator bodies).
function scoresClean(sc: Float32Array, m: number, probs: boolean): boolean {
  if (probs) {
    for (let i = 0; i < m; i++) {
      const v = sc[i];
      if (!(v >= 0 && v <= 1)) return false;
    }
    return true;
  }
  for (let i = 0; i < m; i++) {
    const v = sc[i];
    if (v - v !== 0) return false;
  }
  return true;
}

function rowsSumToOne(sc: Float32Array, n: number, C: number): boolean {
  for (let r = 0; r < n; r++) {
    let sum = 0;
    for (let k = 0; k < C; k++) sum += sc[r * C + k];
    if (Math.abs(sum - 1) > 1e-3) return false;
  }
  return true;
}

function indicesClean(t: Float64Array, n: number, hi: number, out: Int32Array): boolean {
  for (let i = 0; i < n; i++) {
    const x = t[i];
    if (!(x >= 0 && x <= hi && Math.floor(x) === x)) return false;
    out[i] = x;
  }
  return true;
}

function multiHotClean(t: Float64Array, m: number, out: Uint8Array): boolean {
  for (let i = 0; i < m; i++) {
    const x = t[i];
    if (x !== 0 && x !== 1) return false;
    out[i] = x;
  }
  return true;
}

function finiteInto(t: Float64Array, n: number, out: Float64Array): boolean {
  for (let i = 0; i < n; i++) {
    const x = t[i];
    if (x - x !== 0) return false;
    out[i] = x;
  }
  return true;
}

/**
 * Scores into float32: bytes read straight into `out` need nothing, little-endian aligned float32
 * is a copy, everything else goes via float64.
 */
let scoreTmp = new Float64Array(0);
function decodeScores(bytes: Uint8Array, dt: DType, m: number, out: Float32Array): void {
  if (bytes.buffer === out.buffer && bytes.byteOffset === out.byteOffset) return;
  if (dt.kind === 'f' && dt.size === 4 && dt.little) {
    const b = bytes.byteOffset % 4 === 0 ? bytes : alignedCopy(bytes, m * 4);
    out.set(new Float32Array(b.buffer, b.byteOffset, m));
    return;
  }
  if (scoreTmp.length < m) scoreTmp = new Float64Array(m);
  decodeInto(bytes, dt, m, scoreTmp);
  for (let i = 0; i < m; i++) out[i] = scoreTmp[i];
}

/** Reads rows [r0, r1) of an array in C order (row-major), whatever its storage order. */
class RowReader {
  readonly rowElems: number;
  private mem: ByteSource | undefined;
  /** Two scratch buffers, alternated (one being decoded while the next is read). */
  private scratch: Uint8Array[] = [];
  private flip = 0;
  constructor(
    readonly a: ArrayRef,
    readonly rows: number,
  ) {
    this.rowElems = a.shape.length > 1 ? a.shape.slice(1).reduce((x, y) => x * y, 1) : 1;
  }

  /** Rows [r0, r1) as bytes; `into`, when big enough, may be filled and returned (a zero-copy read). */
  async read(r0: number, r1: number, into?: Uint8Array): Promise<Uint8Array> {
    const a = this.a;
    const isz = a.dtype.size;
    const n = r1 - r0;
    if (!a.fortran || this.rowElems === 1) {
      // Sequential: the source is positioned at the data start when reading begins.
      if (a.src.position !== a.dataOffset + r0 * this.rowElems * isz) {
        if (a.src.readAt) return a.src.readAt(a.dataOffset + r0 * this.rowElems * isz, n * this.rowElems * isz);
        throw new Error(`internal: non-sequential read of ${a.src.name}`);
      }
      const len = n * this.rowElems * isz;
      if (into && into.length >= len) return a.src.read(len, into);
      this.flip ^= 1;
      let sc = this.scratch[this.flip];
      if (!sc || sc.length < len) sc = this.scratch[this.flip] = new Uint8Array(len);
      return a.src.read(len, sc);
    }
    // Fortran order (column-major) 2-D: gather each column's slice, then interleave.
    let src: ByteSource = this.mem ?? a.src;
    if (!src.readAt) {
      // Deflated member: load it whole (documented: Fortran-ordered compressed arrays are held in memory).
      if (a.src.size > MAX_IN_MEMORY_BYTES) {
        throw new InputError(pos(a, 0), `"${a.key}" is Fortran-ordered in a deflated member, which is read whole into memory: at most ${MAX_IN_MEMORY_BYTES >> 20} MiB, got ${a.src.size} bytes (save it C-ordered, or with np.savez)`);
      }
      const all = await a.src.read(a.src.size - a.src.position);
      const whole = new Uint8Array(a.dataOffset + all.length);
      whole.set(all, a.dataOffset);
      this.mem = src = new MemorySource(a.src.name, whole);
    }
    const C = this.rowElems;
    const out = new Uint8Array(n * C * isz);
    for (let k = 0; k < C; k++) {
      const col = await (src.readAt as (p: number, n: number) => Promise<Uint8Array>)(a.dataOffset + (k * this.rows + r0) * isz, n * isz);
      if (col.length < n * isz) return out.subarray(0, 0);
      for (let r = 0; r < n; r++) {
        const d = (r * C + k) * isz;
        const s = r * isz;
        for (let b = 0; b < isz; b++) out[d + b] = col[s + b];
      }
    }
    return out;
  }
}

/** The most a Fortran-ordered deflated member may hold (it is inflated whole). */
const MAX_IN_MEMORY_BYTES = 256 << 20;

function pos(a: ArrayRef, byteOffset: number) {
  return { file: a.src.name, byteOffset };
}

/**
 * How many of rows [r0, r1) the bytes read hold whole (all of them, unless a source ended early:
 * then that is reported, and in lenient mode reading stops after the complete rows).
 */
function completeRows(r0: number, r1: number, reads: ReadonlyArray<readonly [ArrayRef, Uint8Array, number]>, N: number, log: IssueLog): number {
  let n = r1 - r0;
  let short: { a: ArrayRef; got: number; rowBytes: number } | undefined;
  for (const [a, bytes, perRow] of reads) {
    const rowBytes = perRow * a.dtype.size;
    const whole = Math.floor(bytes.length / rowBytes);
    if (whole < n) {
      n = whole;
      short = { a, got: bytes.length, rowBytes };
    }
  }
  if (short) {
    const { a, got, rowBytes } = short;
    log.report(
      pos(a, a.dataOffset + (r0 + n) * rowBytes),
      `truncated data: expected ${(r1 - r0) * rowBytes} bytes for rows ${r0}..${r1 - 1} of "${a.key}" (${a.shape.join(' x ')} of '${a.dtype.text}'), got ${got}: the data ends before its header and the zip directory say`,
      N - r0 - n,
    );
  }
  return n;
}

/**
 * Validate the set's shapes and stream its rows as chunks (cut at epoch changes and chunkSize).
 * Row problems (NaN, label out of range, ...) go to the issue log; structure problems throw.
 */
export async function* arrayChunks(set: ArraySet, opts: ArrayReadOptions, log: IssueLog): AsyncGenerator<PredictionChunk> {
  const { scores, targets, epoch } = set;
  if (scores.dtype.kind !== 'f' && scores.dtype.kind !== 'h') {
    throw new InputError(pos(scores, 0), `expected a float array (float16/32/64) for "${scores.key}", got dtype '${dtypeName(scores.dtype)}'`);
  }
  if (scores.shape.length < 1 || scores.shape.length > 2) throw new InputError(pos(scores, 0), `expected "${scores.key}" to have shape [N] or [N, C], got [${scores.shape.join(', ')}]`);
  const N = scores.shape[0];
  const C = scores.shape.length === 2 ? scores.shape[1] : 1;
  if (C < 1) throw new InputError(pos(scores, 0), `expected "${scores.key}" to have at least one class column, got shape [${scores.shape.join(', ')}]`);
  if (C > MAX_CLASSES) throw new InputError(pos(scores, 0), tooManyClasses(`in "${scores.key}" of shape [${scores.shape.join(', ')}]`, C));
  let multi = false;
  if (targets.shape.length === 2 && !(targets.shape[1] === 1 && C === 1)) {
    if (targets.shape[1] !== C) throw new InputError(pos(targets, 0), `expected "${targets.key}" to have shape [${N}] (class indices) or [${N}, ${C}] (multi-hot), got [${targets.shape.join(', ')}]`);
    multi = true;
  } else if (targets.shape.length !== 1 && targets.shape.length !== 2) {
    throw new InputError(pos(targets, 0), `expected "${targets.key}" to have shape [${N}] or [${N}, ${C}], got [${targets.shape.join(', ')}]`);
  }
  if (targets.shape[0] !== N) throw new InputError(pos(targets, 0), `expected "${targets.key}" to have ${N} rows like "${scores.key}", got ${targets.shape[0]}`);
  if (epoch && (epoch.shape.length !== 1 || epoch.shape[0] !== N)) throw new InputError(pos(epoch, 0), `expected "${epoch.key}" to have shape [${N}], got [${epoch.shape.join(', ')}]`);
  if (epoch && epoch.dtype.kind === 'b') throw new InputError(pos(epoch, 0), `expected a numeric array for "${epoch.key}", got dtype '${epoch.dtype.text}'`);

  // Truncation: the data must hold N rows.
  let rows = N;
  for (const a of [scores, targets, epoch]) {
    if (!a) continue;
    const elems = a.shape.reduce((x, y) => x * y, 1);
    const need = elems * a.dtype.size;
    const have = a.src.size - a.dataOffset;
    if (have < need) {
      const rowBytes = (elems / Math.max(1, a.shape[0])) * a.dtype.size;
      const fit = a.fortran && a.shape.length > 1 ? 0 : Math.floor(Math.max(0, have) / Math.max(1, rowBytes));
      log.report(pos(a, a.src.size), `truncated data: expected ${need} bytes (${a.shape.join(' x ')} of '${a.dtype.text}') after the header for "${a.key}", got ${Math.max(0, have)}`, N - fit);
      rows = Math.min(rows, fit);
    }
  }

  const sr = new RowReader(scores, N);
  const tr = new RowReader(targets, N);
  const er = epoch ? new RowReader(epoch, N) : undefined;
  const tw = multi ? C : 1;
  const probs = set.scoreKind === 'probs';
  const checkSum = opts.checkSoftmaxSum && probs && C > 1 && !multi;
  const hi = C === 1 ? 1 : C - 1;
  // A wide dump gets fewer rows per chunk, not more memory.
  const chunkRows = Math.max(1, Math.min(opts.chunkSize, Math.floor(MAX_CHUNK_SCORES / C)));
  const tmpT = new Float64Array(chunkRows * tw);
  const tmpE = new Float64Array(chunkRows);
  const splitName = opts.split;
  // The arrays of a read: fresh ones (the consumer may keep chunks), or with reuseBuffers two sets
  // taken in turn (a read fills one while the chunks of the one before are consumed). Little-endian
  // float32 scores are read straight into their array (no scratch, no copy).
  const straight = scores.dtype.kind === 'f' && scores.dtype.size === 4 && scores.dtype.little;
  const arraysOf = (n: number) => ({ sc: new Float32Array(n * C), tg: multi ? new Uint8Array(n * C) : new Int32Array(n), ep: new Float64Array(n) });
  const sets = opts.reuseBuffers ? [arraysOf(chunkRows), arraysOf(chunkRows)] : null;
  let turn = 0;
  // Read-ahead: the next chunk's bytes are being read while this one is decoded and checked.
  const fetch = async (r0: number) => {
    const r1 = Math.min(rows, r0 + chunkRows);
    const out = sets ? sets[turn++ & 1]! : arraysOf(r1 - r0);
    const sb = await sr.read(r0, r1, straight ? new Uint8Array(out.sc.buffer, out.sc.byteOffset, out.sc.byteLength) : undefined);
    const tb = await tr.read(r0, r1);
    const eb = er ? await er.read(r0, r1) : undefined;
    return { sb, tb, eb, out };
  };
  let pending = rows > 0 ? fetch(0) : undefined;
  pending?.catch(() => undefined);
  try {
    for (let r0 = 0; r0 < rows; r0 += chunkRows) {
      if (opts.signal?.aborted) {
        const e = new Error('aborted');
        e.name = 'AbortError';
        throw e;
      }
      const r1 = Math.min(rows, r0 + chunkRows);
      const { sb, tb, eb, out } = await (pending as ReturnType<typeof fetch>);
      // Every read is checked against what the header and the zip directory promised: a member
      // that ends early (or inflates to less) keeps its complete rows, never decodes stale bytes.
      const n = completeRows(r0, r1, [
        [scores, sb, C],
        [targets, tb, tw],
        ...(epoch && eb ? [[epoch, eb, 1] as const] : []),
      ], N, log);
      pending = n === r1 - r0 && r1 < rows ? fetch(r1) : undefined;
      pending?.catch(() => undefined);
      const sc = out.sc.subarray(0, n * C);
      decodeScores(sb, scores.dtype, n * C, sc);
      decodeInto(tb, targets.dtype, n * tw, tmpT);
      if (eb && epoch) decodeInto(eb, epoch.dtype, n, tmpE);
      const tg = out.tg.subarray(0, n * tw);
      const ep = out.ep.subarray(0, n);
      // Fast path: every value fine (the common case) -> no per-row work below.
      let clean = scoresClean(sc, n * C, probs) && (!checkSum || rowsSumToOne(sc, n, C));
      if (clean) clean = multi ? multiHotClean(tmpT, n * C, tg as Uint8Array) : indicesClean(tmpT, n, hi, tg as Int32Array);
      if (clean && epoch) clean = finiteInto(tmpE, n, ep);
      else if (clean) ep.fill(set.fixedEpoch);
      // Validate and compact (only when something is wrong).
      let w = clean ? n : 0;
      for (let r = 0; r < n && !clean; r++) {
        let err: string | null = null;
        let where = scores;
        const sbase = r * C;
        let sum = 0;
        for (let k = 0; k < C; k++) {
          const v = sc[sbase + k];
          if (!Number.isFinite(v)) {
            err = `expected "${scores.key}"[${r0 + r}${C > 1 ? `, ${k}` : ''}] to be a finite number, got ${v}`;
            break;
          }
          if (probs && (v < 0 || v > 1)) {
            err = `expected "${scores.key}"[${r0 + r}${C > 1 ? `, ${k}` : ''}] to be a probability in [0, 1], got ${v}`;
            break;
          }
          sum += v;
        }
        if (!err && checkSum && Math.abs(sum - 1) > 1e-3) err = `expected softmax probabilities in "${scores.key}"[${r0 + r}] to sum to 1 (tolerance 1e-3), got ${+sum.toFixed(6)}`;
        if (!err) {
          where = targets;
          if (multi) {
            for (let k = 0; k < C; k++) {
              const x = tmpT[r * C + k];
              if (x !== 0 && x !== 1) {
                err = `expected "${targets.key}"[${r0 + r}, ${k}] to be 0 or 1 (multi-hot), got ${x}`;
                break;
              }
              tg[w * C + k] = x;
            }
          } else {
            const x = tmpT[r];
            if (!Number.isInteger(x)) err = `expected "${targets.key}"[${r0 + r}] to be an integer class index in [0, ${hi}], got ${x}${targets.dtype.kind === 'f' ? ` (dtype '${targets.dtype.text}': float labels must be integral)` : ''}`;
            else if (x < 0 || x > hi) err = `expected "${targets.key}"[${r0 + r}] to be a class index in [0, ${hi}]${C === 1 ? ' (binary)' : ''}, got ${x}`;
            else tg[w] = x;
          }
        }
        let e = set.fixedEpoch;
        if (!err && epoch) {
          e = tmpE[r];
          if (!Number.isFinite(e)) {
            where = epoch;
            err = `expected "${epoch.key}"[${r0 + r}] to be a finite number, got ${e}`;
          }
        }
        if (err) {
          const rowBytes = (where === scores ? C : where === targets ? tw : 1) * where.dtype.size;
          log.report(pos(where, where.dataOffset + (r0 + r) * rowBytes), err);
          continue;
        }
        if (w !== r) sc.copyWithin(w * C, r * C, r * C + C);
        ep[w] = e;
        w++;
      }
      // Cut into epoch runs.
      let s = 0;
      while (s < w) {
        let t = s + 1;
        while (t < w && ep[t] === ep[s]) t++;
        const chunk: PredictionChunk = {
          epoch: ep[s],
          scoreKind: set.scoreKind,
          numClasses: C,
          scores: sc.subarray(s * C, t * C),
          targetLayout: multi ? 'multi-hot' : 'index',
          targets: tg.subarray(s * tw, t * tw),
          samples: t - s,
          layout: multi ? 'multilabel' : C === 1 ? 'binary' : 'softmax',
        };
        if (splitName !== undefined) chunk.split = splitName;
        yield chunk;
        s = t;
      }
      if (n < r1 - r0) break;
    }
  } finally {
    // Never close the sources under an in-flight read-ahead (abort, error, early return).
    if (pending) await pending.catch(() => undefined);
  }
}
