/**
 * Prediction-dump readers: JSONL (+ gzip), CSV (+ gzip), .npy sets, .npz (single or a folder of
 * per-epoch files), safetensors. One entry point, {@link openPredictionDump}; see README.md here.
 */
import { open, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { arrayChunks, type ArrayRef, type ArraySet } from './arrays';
import { openFileSource, openZipMember, readNpyHeader, readSafetensorsHeader, readZipDirectory, safetensorsDType, type ByteSource } from './binary';
import { InputError, IssueLog, quoted } from './errors';
import { defaultWorkers, openTextFile, PARALLEL_MIN_BYTES, type PositionedBlock } from './text-reader';
import type { InputIssue } from '../report';
import type { DumpLayout, DumpMeta, PredictionChunk, ScoreKind } from './types';

export { InputError, isInputError, MAX_KEPT_ISSUES } from './errors';
export type { DumpLayout, DumpMeta, PredictionChunk, ScoreKind, TargetLayout, SourcePosition } from './types';
export { chunkLayout } from './types';

/** Options of {@link openPredictionDump}. */
export interface OpenDumpOptions {
  /** Skip bad records (counted, first 20 reasons kept) instead of throwing on the first. Default false. */
  lenient?: boolean;
  /** Keep only records of this split ("train" | "val" ...); records without a split are kept. */
  split?: string;
  /** Called as bytes are read (compressed bytes for gzip), with the total size of all input files. */
  onProgress?(bytesRead: number, totalBytes: number): void;
  /** Abort reading: openPredictionDump or the chunk iterator then throws an Error named "AbortError". */
  signal?: AbortSignal;
  /** Maximum samples per chunk. Default 65536. */
  chunkSize?: number;
  /**
   * Parse threads for big uncompressed CSV/JSONL files (>= 16 MiB). Default: cores - 1 (1..4);
   * 0 parses on the calling thread. Needs dist/parse-worker.js next to the bundle (else in-thread).
   */
  workers?: number;
  /** Uncompressed text files at least this big go to the worker pool. Default 16 MiB (tuning, tests). */
  parallelMinBytes?: number;
  /** Bytes per worker task, cut at line ends. Default 4 MiB (tuning, tests). */
  parallelRangeBytes?: number;
  /** Longest accepted text line (one record). Default 16 MiB; longer lines are an error, never an OOM. */
  maxLineBytes?: number;
  /** Base for file names in messages (default: process.cwd(); absolute paths outside it stay absolute). */
  displayBase?: string;
}

/** Format ids reported in {@link PredictionDump.format} (and the report's input.format). */
export type DumpFormat = 'jsonl' | 'jsonl.gz' | 'csv' | 'csv.gz' | 'npy' | 'npz' | 'npz-folder' | 'safetensors' | 'mixed';

/** An opened dump: metadata up front, samples as a single-use async stream of chunks. */
export interface PredictionDump {
  format: DumpFormat;
  /** Every data file that will be read, in reading order. */
  files: string[];
  /**
   * Metadata: the JSONL `{"meta": ...}` line or safetensors `__metadata__` of the first file
   * (later files' metadata is merged in as they are read, without overriding).
   */
  meta: DumpMeta;
  /** What the epoch numbers are: "step" for step-only logs (grouped by step). */
  epochKey: 'epoch' | 'step' | 'iteration';
  /**
   * The samples. Ordering guarantees: files in {@link files} order; within a file, record order.
   * Every chunk holds one (epoch, split) and at most chunkSize samples; consecutive chunks may share
   * an epoch and an epoch may reappear later (interleaved logs, several files), so aggregate by epoch.
   * All chunks share numClasses, scoreKind, targetLayout and layout (a file that differs throws).
   * Iterate once. Throws {@link InputError} on bad input (strict mode), AbortError when aborted.
   */
  chunks: AsyncIterable<PredictionChunk>;
  /** Records skipped so far under `lenient` (exact count) and the first reasons with positions. */
  issues(): { skipped: number; issues: InputIssue[] };
}

interface Source {
  kind: 'csv' | 'jsonl' | 'npy' | 'npz' | 'safetensors';
  gzip?: boolean;
  /** Data files (npy set: several). */
  paths: string[];
  /** npy set: key -> path. */
  npy?: Map<string, string>;
  /** Epoch from the file name (per-epoch .npz / npy sets), when there is no epoch array. */
  nameEpoch?: number;
}

const SCORE_LOGIT = ['logits', 'logit', 'scores', 'score'];
const SCORE_PROB = ['probs', 'prob', 'p'];
const TARGET = ['targets', 'target', 'labels', 'label', 'y'];
const EPOCH = ['epoch', 'epochs', 'step', 'steps', 'iteration'];
const NPY_KEY = new RegExp(`^(.*?)[_.-]?(${[...SCORE_LOGIT, ...SCORE_PROB, ...TARGET, ...EPOCH].join('|')})$`, 'i');

function epochFromName(name: string): number | undefined {
  const m = /epoch[_-]?(\d+)/i.exec(name) ?? /(?:^|[^0-9])(\d+)(?:\.[a-z]+)*$/i.exec(name);
  return m ? Number(m[1]) : undefined;
}

async function sniff(path: string, name: string): Promise<Source> {
  const fh = await open(path, 'r');
  let head: Uint8Array;
  let size: number;
  try {
    size = (await fh.stat()).size;
    head = new Uint8Array(4096);
    const { bytesRead } = await fh.read(head, 0, 4096, 0);
    head = head.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
  const lower = name.toLowerCase();
  if (size === 0) throw new InputError({ file: name }, 'the file is empty: expected a prediction dump');
  if (head[0] === 0x1f && head[1] === 0x8b) return { kind: /\.(csv|tsv)(\.gz)?$/.test(lower) ? 'csv' : 'jsonl', gzip: true, paths: [path] };
  if (head[0] === 0x93 && String.fromCharCode(...head.subarray(1, 6)) === 'NUMPY') return npySet(path, name);
  if (head[0] === 0x50 && head[1] === 0x4b && (head[2] === 3 || head[2] === 5)) return { kind: 'npz', paths: [path] };
  if (lower.endsWith('.npy')) throw new InputError({ file: name, byteOffset: 0 }, 'expected the .npy magic \\x93NUMPY: not a NumPy array file');
  if (lower.endsWith('.npz')) throw new InputError({ file: name, byteOffset: 0 }, 'expected a zip archive (PK\\x03\\x04): not an .npz file, or corrupt');
  if (head.length >= 9 && head[8] === 0x7b && head[6] === 0 && head[7] === 0) return { kind: 'safetensors', paths: [path] };
  if (lower.endsWith('.safetensors')) throw new InputError({ file: name, byteOffset: 0 }, 'expected a safetensors header (u64 length, then JSON)');
  // Text: reject binary garbage.
  let bad = 0;
  for (const b of head) if (b === 0 || (b < 32 && b !== 9 && b !== 10 && b !== 13)) bad++;
  if (bad > 0) throw new InputError({ file: name, byteOffset: head.indexOf(0) >= 0 ? head.indexOf(0) : 0 }, 'not a prediction dump: binary data that is not .npy, .npz, safetensors or gzip');
  let i = 0;
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) i = 3;
  while (i < head.length && (head[i] === 32 || head[i] === 9 || head[i] === 10 || head[i] === 13)) i++;
  if (i >= head.length) throw new InputError({ file: name }, 'the file is empty: expected a prediction dump');
  if (/\.(csv|tsv)$/.test(lower)) return { kind: 'csv', paths: [path] };
  if (head[i] === 0x7b || /\.(jsonl|ndjson|json)$/.test(lower)) return { kind: 'jsonl', paths: [path] };
  return { kind: 'csv', paths: [path] };
}

function npyKey(file: string): { prefix: string; key: string } | undefined {
  const m = NPY_KEY.exec(basename(file).replace(/\.npy$/i, ''));
  return m ? { prefix: m[1], key: m[2].toLowerCase() } : undefined;
}

/** A .npy file and its companions with the same prefix (`logits.npy` + `targets.npy`, `val_logits.npy` + ...). */
async function npySet(path: string, name: string): Promise<Source> {
  const k = npyKey(path);
  if (!k) throw new InputError({ file: name }, `a .npy file holds one array: name it logits.npy / probs.npy next to targets.npy (optionally epoch.npy), or pass a .npz`);
  const dir = dirname(path);
  const map = new Map<string, string>();
  for (const f of (await readdir(dir)).sort()) {
    if (!f.toLowerCase().endsWith('.npy')) continue;
    const fk = npyKey(f);
    if (fk && fk.prefix === k.prefix && !map.has(fk.key)) map.set(fk.key, join(dir, f));
  }
  map.set(k.key, path);
  const src: Source = { kind: 'npy', paths: [...new Set(map.values())], npy: map };
  const e = epochFromName(k.prefix) ?? epochFromName(basename(dir));
  if (e !== undefined && /epoch/i.test(k.prefix + basename(dir))) src.nameEpoch = e;
  return src;
}

async function expand(path: string, name: string): Promise<Source[]> {
  let st;
  try {
    st = await stat(path);
  } catch {
    throw new InputError({ file: name }, 'no such file or folder');
  }
  if (!st.isDirectory()) {
    const s = await sniff(path, name);
    if (s.kind === 'npz' && /epoch/i.test(basename(path))) s.nameEpoch = epochFromName(basename(path));
    return [s];
  }
  const entries = (await readdir(path)).filter((f) => !f.startsWith('.')).sort();
  const npz = entries.filter((f) => f.toLowerCase().endsWith('.npz'));
  if (npz.length > 0) {
    const withEpoch = npz.map((f, i) => ({ f, e: epochFromName(f) ?? i }));
    withEpoch.sort((a, b) => a.e - b.e || a.f.localeCompare(b.f));
    return withEpoch.map(({ f, e }) => ({ kind: 'npz' as const, paths: [join(path, f)], nameEpoch: e }));
  }
  const npy = entries.filter((f) => f.toLowerCase().endsWith('.npy'));
  if (npy.length > 0) {
    const groups = new Map<string, string>();
    for (const f of npy) {
      const k = npyKey(f);
      if (k && !groups.has(k.prefix)) groups.set(k.prefix, f);
    }
    const out: Source[] = [];
    for (const f of groups.values()) out.push(await npySet(join(path, f), join(name, f)));
    out.sort((a, b) => (a.nameEpoch ?? 0) - (b.nameEpoch ?? 0));
    return out;
  }
  const data = entries.filter((f) => /\.(jsonl|ndjson|csv|tsv|safetensors)(\.gz)?$/i.test(f) || /\.jsonl?\.gz$/i.test(f));
  if (data.length === 0) throw new InputError({ file: name }, 'no prediction dump in this folder: expected *.npz, logits.npy + targets.npy, *.jsonl, *.csv or *.safetensors files');
  const withEpoch = data.map((f) => ({ f, e: epochFromName(f.replace(/\.gz$/i, '')) ?? 0 }));
  withEpoch.sort((a, b) => a.e - b.e || a.f.localeCompare(b.f));
  const out: Source[] = [];
  for (const { f } of withEpoch) out.push(await sniff(join(path, f), join(name, f)));
  return out;
}

function displayName(p: string, base: string): string {
  const r = relative(base, p);
  return r === '' ? p : r.startsWith('..') ? p : r;
}

function pickKey<T>(names: Map<string, T>, keys: string[]): [string, T] | undefined {
  for (const k of keys) {
    const v = names.get(k);
    if (v !== undefined) return [k, v];
  }
  return undefined;
}

function mergeMeta(into: DumpMeta, from: DumpMeta): void {
  for (const [k, v] of Object.entries(from) as [keyof DumpMeta, unknown][]) {
    if (into[k] === undefined) (into as Record<string, unknown>)[k] = v;
  }
}

function metaFromStrings(md: Record<string, string>, name: string): DumpMeta {
  const meta: DumpMeta = {};
  const val = (k: string): unknown => {
    const v = md[k];
    if (v === undefined) return undefined;
    try {
      return JSON.parse(v);
    } catch {
      return v;
    }
  };
  const loss = val('loss');
  if (loss === 'sigmoid_focal' || loss === 'softmax_focal') meta.loss = loss;
  else if (loss !== undefined) throw new InputError({ file: name, byteOffset: 8 }, `expected __metadata__.loss to be "sigmoid_focal" or "softmax_focal", got ${quoted(loss)}`);
  const alpha = val('alpha');
  if (alpha === null || typeof alpha === 'number' || (Array.isArray(alpha) && alpha.every((x) => typeof x === 'number'))) meta.alpha = alpha as number | number[] | null;
  const gamma = val('gamma');
  if (typeof gamma === 'number') meta.gamma = gamma;
  const conv = md.convention;
  if (conv !== undefined) meta.convention = conv;
  const classes = val('classes');
  if (Array.isArray(classes)) meta.classes = classes.map(String);
  if (md.split !== undefined) meta.split = md.split;
  return meta;
}

/**
 * Open a prediction dump: one or more files or folders (see README.md in this folder for every
 * accepted layout). Reads only the heads of the files (format, CSV header, JSONL meta line) before
 * returning; samples are read as `chunks` is iterated, a bounded window at a time, so memory does
 * not grow with file size or epoch count.
 *
 * @throws InputError when a path is missing, empty, or not a recognised dump (with file and position).
 */
export async function openPredictionDump(paths: string[], options: OpenDumpOptions = {}): Promise<PredictionDump> {
  if (paths.length === 0) throw new InputError({ file: '(none)' }, 'expected at least one prediction dump file or folder');
  const base = options.displayBase ?? process.cwd();
  const log = new IssueLog(options.lenient ?? false);
  const chunkSize = Math.max(1, options.chunkSize ?? 65536);
  const sources: Source[] = [];
  for (const p of paths) sources.push(...(await expand(p, displayName(p, base))));
  const files = [...new Set(sources.flatMap((s) => s.paths))];
  let total = 0;
  for (const f of files) total += (await stat(f)).size;
  let done = 0;
  const onBytes = (n: number) => {
    done += n;
    options.onProgress?.(Math.min(done, total), total);
  };
  const textOpts = {
    lenient: options.lenient ?? false,
    maxLineBytes: options.maxLineBytes ?? 16 << 20,
    chunkSize,
    workers: options.workers ?? defaultWorkers(),
    parallelMinBytes: options.parallelMinBytes ?? PARALLEL_MIN_BYTES,
    ...(options.parallelRangeBytes !== undefined ? { rangeBytes: options.parallelRangeBytes } : {}),
    onBytes,
    ...(options.split !== undefined ? { split: options.split } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  };
  const kinds = new Set(sources.map((s) => s.kind + (s.gzip ? '.gz' : '')));
  let format: DumpFormat = kinds.size > 1 ? 'mixed' : (([...kinds][0] as DumpFormat) ?? 'mixed');
  if (format === 'npz' && sources.length > 1 && paths.length === 1) format = 'npz-folder';
  const meta: DumpMeta = {};
  let epochKey: PredictionDump['epochKey'] = 'epoch';

  // Open the first text source eagerly so meta (JSONL) and the CSV header are known up front.
  const first = sources[0];
  let firstText: { blocks: AsyncGenerator<PositionedBlock>; name: string } | undefined;
  if (first.kind === 'csv' || first.kind === 'jsonl') {
    const name = displayName(first.paths[0], base);
    const t = await openTextFile(first.paths[0], name, first.kind, first.gzip ?? false, textOpts, log, {});
    mergeMeta(meta, t.plan.meta);
    epochKey = t.plan.epochKey;
    firstText = { blocks: t.blocks, name };
  } else if (first.kind === 'safetensors') {
    const src = await openFileSource(first.paths[0], displayName(first.paths[0], base), () => undefined);
    try {
      mergeMeta(meta, metaFromStrings((await readSafetensorsHeader(src)).metadata, src.name));
    } finally {
      await src.close();
    }
  }

  let shape: { C: number; kind: ScoreKind; layout: DumpLayout; file: string } | undefined;
  const check = (c: PredictionChunk, file: string): PredictionChunk => {
    const layout = c.layout as DumpLayout;
    if (!shape) shape = { C: c.numClasses, kind: c.scoreKind, layout, file };
    else if (shape.C !== c.numClasses || shape.kind !== c.scoreKind || shape.layout !== layout) {
      throw new InputError({ file }, `mixed record shapes across files: expected ${shape.layout} ${shape.kind} with ${shape.C} class${shape.C === 1 ? '' : 'es'} like ${shape.file}, got ${layout} ${c.scoreKind} with ${c.numClasses}`);
    }
    return c;
  };

  async function* textChunks(blocks: AsyncGenerator<PositionedBlock>, name: string): AsyncGenerator<PredictionChunk> {
    let any = false;
    for await (const { result: r, firstLine } of blocks) {
      for (const it of r.issues) log.add({ file: name, line: firstLine + it.localLine, byteOffset: it.byteOffset, message: it.message });
      if (r.skipped > r.issues.length) log.skipped += r.skipped - r.issues.length;
      if (r.fatal) throw new InputError({ file: name, line: firstLine + r.fatal.localLine }, r.fatal.message);
      if (r.rows === 0 || !r.layout) continue;
      const L = r.layout;
      const C = L.numClasses;
      const multi = L.targetLayout === 'multi-hot';
      const tw = multi ? C : 1;
      const layout: DumpLayout = multi ? 'multilabel' : C === 1 ? 'binary' : 'softmax';
      let s = 0;
      while (s < r.rows) {
        const e = r.epochs[s];
        const sp = r.splitCodes[s];
        let t = s + 1;
        const lim = Math.min(r.rows, s + chunkSize);
        while (t < lim && r.epochs[t] === e && r.splitCodes[t] === sp) t++;
        const chunk: PredictionChunk = {
          epoch: e,
          scoreKind: L.scoreKind,
          numClasses: C,
          scores: r.scores.subarray(s * C, t * C),
          targetLayout: L.targetLayout,
          targets: r.targets.subarray(s * tw, t * tw),
          samples: t - s,
          layout,
        };
        if (sp !== 255) chunk.split = r.splitNames[sp];
        any = true;
        yield check(chunk, name);
        s = t;
      }
    }
    // A header (or meta line) and nothing else is an error; records all of another split are not.
    if (!any && log.skipped === 0 && options.split === undefined) throw new InputError({ file: name }, 'expected at least one record after the header, found none');
  }

  async function* arraysOf(src: Source): AsyncGenerator<PredictionChunk> {
    const opened: ByteSource[] = [];
    const fhs: import('node:fs/promises').FileHandle[] = [];
    try {
      const refs = new Map<string, ArrayRef>();
      let file = displayName(src.paths[0], base);
      if (src.kind === 'npy') {
        for (const [key, p] of src.npy as Map<string, string>) {
          const s = await openFileSource(p, displayName(p, base), onBytes);
          opened.push(s);
          const h = await readNpyHeader(s, key);
          refs.set(key, { key, src: s, dtype: h.dtype, shape: h.shape, fortran: h.fortran, dataOffset: h.dataOffset });
        }
        file = displayName(dirname(src.paths[0]), base);
      } else if (src.kind === 'npz') {
        const fh = await open(src.paths[0], 'r');
        fhs.push(fh);
        const size = (await fh.stat()).size;
        const entries = await readZipDirectory(fh, size, file);
        for (const e of entries) {
          const key = e.name.replace(/\.npy$/i, '').toLowerCase();
          if (![...SCORE_LOGIT, ...SCORE_PROB, ...TARGET, ...EPOCH].includes(key) || refs.has(key)) continue;
          const s = await openZipMember(src.paths[0], fh, size, file, e, onBytes);
          opened.push(s);
          const h = await readNpyHeader(s, key);
          refs.set(key, { key, src: s, dtype: h.dtype, shape: h.shape, fortran: h.fortran, dataOffset: h.dataOffset });
        }
        if (refs.size === 0) throw new InputError({ file }, `expected arrays named logits|probs and targets|labels in the .npz, got ${entries.map((e) => e.name).join(', ') || 'no members'}`);
      } else {
        const s = await openFileSource(src.paths[0], file, onBytes);
        opened.push(s);
        const h = await readSafetensorsHeader(s);
        mergeMeta(meta, metaFromStrings(h.metadata, file));
        for (const [name, t] of Object.entries(h.tensors)) {
          const key = name.toLowerCase();
          if (![...SCORE_LOGIT, ...SCORE_PROB, ...TARGET, ...EPOCH].includes(key) || refs.has(key)) continue;
          const p = { file, byteOffset: 8 };
          const dtype = safetensorsDType(t.dtype, name, p);
          const [b, e] = t.data_offsets;
          const elems = t.shape.reduce((x: number, y: number) => x * y, 1);
          if (!(Number.isInteger(b) && Number.isInteger(e) && b >= 0 && e >= b) || e - b !== elems * dtype.size) throw new InputError(p, `expected tensor "${name}" data_offsets to span ${elems * dtype.size} bytes, got [${b}, ${e}]`);
          const view = await openFileSource(src.paths[0], file, onBytes);
          opened.push(view);
          // A dedicated view positioned at the tensor's start (sequential reads from there).
          view.position = h.dataStart + b;
          refs.set(key, { key, src: view, dtype, shape: t.shape, fortran: false, dataOffset: h.dataStart + b });
        }
      }
      const s = pickKey(refs, SCORE_LOGIT) ?? pickKey(refs, SCORE_PROB);
      const t = pickKey(refs, TARGET);
      const names = [...refs.keys()].join(', ') || 'none';
      if (!s) throw new InputError({ file }, `expected an array named logits (or scores) or probs, got ${names}`);
      if (!t) throw new InputError({ file }, `expected an array named targets (or labels, y) next to "${s[0]}", got ${names}`);
      const e = pickKey(refs, EPOCH);
      const set: ArraySet = {
        file,
        scores: s[1],
        scoreKind: SCORE_LOGIT.includes(s[0]) ? 'logits' : 'probs',
        targets: t[1],
        fixedEpoch: src.nameEpoch ?? 0,
        ...(e ? { epoch: e[1] } : {}),
      };
      const ao = { chunkSize, checkSoftmaxSum: meta.loss !== 'sigmoid_focal', ...(options.signal ? { signal: options.signal } : {}), ...(meta.split !== undefined ? { split: meta.split } : {}) };
      for await (const c of arrayChunks(set, ao, log)) yield check(c, file);
    } finally {
      for (const s of opened) await s.close();
      for (const fh of fhs) await fh.close();
    }
  }

  async function* all(): AsyncGenerator<PredictionChunk> {
    for (let i = 0; i < sources.length; i++) {
      const src = sources[i];
      if (src.kind === 'csv' || src.kind === 'jsonl') {
        let blocks: AsyncGenerator<PositionedBlock>;
        let name: string;
        if (i === 0 && firstText) ({ blocks, name } = firstText);
        else {
          name = displayName(src.paths[0], base);
          const t = await openTextFile(src.paths[0], name, src.kind, src.gzip ?? false, textOpts, log, {});
          mergeMeta(meta, t.plan.meta);
          blocks = t.blocks;
        }
        yield* textChunks(blocks, name);
      } else yield* arraysOf(src);
    }
  }

  return {
    format,
    files: files.map((f) => displayName(f, base)),
    meta,
    epochKey,
    chunks: all(),
    issues: () => log.snapshot(),
  };
}

/** Read a whole dump into per-epoch sample counts (a convenience for tests and small tools). */
export async function countSamples(dump: PredictionDump): Promise<Map<number, number>> {
  const m = new Map<number, number>();
  for await (const c of dump.chunks) m.set(c.epoch, (m.get(c.epoch) ?? 0) + c.samples);
  return m;
}
