/**
 * From the paths a user gives to the files of a run: each file is detected by the registry; a
 * folder is a run, walked to a bounded depth (checkpoint weights, caches and hidden folders are
 * not read), and every prediction dump, metric log and config in it is found. Files with the same
 * content (MMEngine writes its scalars twice) are read once.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { InputError } from './errors';
import { epochFromName, type DumpSource } from './dump-source';
import { detect, FORMATS, nameClaimed, readHead, unsupportedFileError, type FileHead, type FormatSpec } from './registry';

/** How deep a run folder is walked (lightning_logs/version_0/... and logs/validation/... fit). */
export const RUN_MAX_DEPTH = 4;

/** Files never opened in a walk: weights, checkpoints, media, archives that are not dumps. */
const SKIPPED_EXTENSIONS = /\.(ckpt|pt|pth|bin|h5|hdf5|keras|onnx|pb|pkl|pickle|joblib|index|tflite|engine|png|jpe?g|gif|bmp|tiff?|webp|svg|mp4|avi|tar|tgz|zip|7z|rar|whl|so|dll|dylib|exe|lock|log\.txt)$/i;
/** Folders never entered: VCS, caches, environments, Lightning's weight folder, other trackers' stores. */
const SKIPPED_FOLDERS = /^(\.(?!hydra$)|node_modules$|__pycache__$|checkpoints$|wandb$|mlruns$|site-packages$|venv$|env$)/i;
/** Hugging Face checkpoint folders: their trainer_state.json repeats the run's; their config.json may be the only one. */
const CHECKPOINT_FOLDER = /^checkpoint-(\d+)$/;

export interface ScannedFile {
  head: FileHead;
  format: FormatSpec;
  /** Detection score (2: content, 3: content and name). */
  score: number;
  /** The file was given by the user (not found by walking a folder). */
  explicit: boolean;
  /** Inside a Hugging Face `checkpoint-N` folder: N. */
  checkpoint?: number;
}

export interface RunScan {
  /** The run folder as displayed, when one folder was given. */
  root: string | null;
  files: ScannedFile[];
  /** Prediction dumps grouped into sources (npy sets) and ordered by epoch for per-epoch files. */
  dumps: DumpSource[];
  /** Files with the same content as one read, with the one read. */
  duplicates: Array<{ file: string; sameAs: string }>;
  /** Files the walk opened but no format claimed (counted; explicit ones are errors). */
  unrecognised: number;
}

export interface ScanOptions {
  displayBase?: string;
  maxDepth?: number;
  signal?: AbortSignal;
}

export function displayName(p: string, base: string): string {
  const r = relative(base, p);
  // the base itself (a run folder given as the display base) is shown by its name
  return r === '' ? basename(p) || p : r.startsWith('..') ? p : r;
}

function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) {
    const e = new Error('aborted');
    e.name = 'AbortError';
    throw e;
  }
}

/** Only whitespace (or nothing): no format can read it. */
function isBlank(head: FileHead): boolean {
  if (head.size === 0) return true;
  return head.size <= head.bytes.length && head.text !== null && head.text.trim() === '';
}

async function detectExplicit(path: string, name: string): Promise<ScannedFile> {
  const head = await readHead(path, name);
  if (isBlank(head)) throw new InputError({ file: name }, 'the file is empty: expected a prediction dump or a training log');
  const d = detect(head);
  if (!d) throw unsupportedFileError(head);
  // a text format claimed only by the file's name cannot read binary bytes
  if (d.score === 1 && head.text === null && d.format.role === 'predictions' && !/\.(npy|npz|safetensors)$/i.test(head.base) && !(head.bytes[0] === 0x1f && head.bytes[1] === 0x8b)) {
    throw unsupportedFileError(head);
  }
  return { head, format: d.format, score: d.score, explicit: true };
}

interface WalkOptions {
  base: string;
  maxDepth: number;
  signal?: AbortSignal | undefined;
  /** Files not to open (the watch: those it follows already). */
  skip?: ((path: string) => boolean) | undefined;
}

async function walk(dir: string, opts: WalkOptions, depth: number, out: ScannedFile[], counts: { unrecognised: number }, checkpoint?: number): Promise<void> {
  const { base, maxDepth, signal } = opts;
  throwIfAborted(signal);
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return; // unreadable folder inside a run: nothing of it can be used
  }
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) {
      if (depth >= maxDepth || SKIPPED_FOLDERS.test(e.name)) continue;
      const ck = CHECKPOINT_FOLDER.exec(e.name);
      await walk(path, opts, depth + 1, out, counts, ck ? Number(ck[1]) : checkpoint);
      continue;
    }
    // a file (or a link to one); anything else, e.g. a socket, is not a log
    if (!e.isFile() && !e.isSymbolicLink()) continue;
    if (SKIPPED_EXTENSIONS.test(e.name) || opts.skip?.(path)) continue;
    let st;
    try {
      st = await stat(path);
    } catch {
      continue;
    }
    if (!st.isFile()) continue;
    let head;
    try {
      head = await readHead(path, displayName(path, base));
    } catch {
      continue; // gone since the listing (a live run's temporary file): not part of the run
    }
    if (isBlank(head)) continue;
    const d = detect(head);
    // found by walking: the content must say what the file is (a name alone is not enough)
    if (!d || d.score < 2) {
      counts.unrecognised++;
      continue;
    }
    out.push({ head, format: d.format, score: d.score, explicit: false, ...(checkpoint !== undefined ? { checkpoint } : {}) });
  }
}

/** Configs next to a given log (and in Hugging Face checkpoint folders beside it). */
async function siblingConfigs(file: ScannedFile, base: string, out: ScannedFile[]): Promise<void> {
  const dir = dirname(file.head.path);
  const found: ScannedFile[] = [];
  // every config format claims its files by name: the heads of other files (a folder of dumps
  // and logs beside the one given) need not be read
  const configNamed = (path: string) => CONFIG_FORMATS.some((f) => nameClaimed(f.claims, basename(path)));
  await walk(dir, { base, maxDepth: 1, skip: (path) => !configNamed(path) }, 0, found, { unrecognised: 0 });
  for (const f of found) {
    const inCheckpoint = f.checkpoint !== undefined;
    const sameFolder = dirname(f.head.path) === dir;
    if (f.format.role === 'config' && (sameFolder || inCheckpoint)) out.push(f);
  }
}

const CONFIG_FORMATS = FORMATS.filter((f) => f.role === 'config');

async function contentKey(f: ScannedFile): Promise<string | null> {
  // only small text files are compared whole (logs and configs; dumps are never duplicated)
  if (f.format.role === 'predictions' || f.head.size > 64 << 20) return null;
  const bytes = await readFile(f.head.path);
  return `${f.format.role}:${createHash('sha1').update(bytes).digest('hex')}`;
}

/** Detect the given files, walk the given folders: the run's files by role. */
export async function scanRun(paths: string[], options: ScanOptions = {}): Promise<RunScan> {
  if (paths.length === 0) throw new InputError({ file: '(none)' }, 'expected at least one prediction dump, training log or run folder');
  const base = options.displayBase ?? process.cwd();
  const maxDepth = options.maxDepth ?? RUN_MAX_DEPTH;
  const files: ScannedFile[] = [];
  const counts = { unrecognised: 0 };
  let root: string | null = null;
  for (const p of paths) {
    throwIfAborted(options.signal);
    const name = displayName(p, base);
    let st;
    try {
      st = await stat(p);
    } catch {
      throw new InputError({ file: name }, 'no such file or folder');
    }
    if (st.isDirectory()) {
      if (paths.length === 1) root = name;
      const before = files.length;
      await walk(p, { base, maxDepth, signal: options.signal }, 0, files, counts);
      if (files.length === before) {
        throw new InputError(
          { file: name },
          `no prediction dump or training log in this folder (searched ${maxDepth} levels deep${counts.unrecognised ? `; ${counts.unrecognised} file${counts.unrecognised === 1 ? '' : 's'} of no known format` : ''}). See "Formats" in the README.`,
          'unsupported',
        );
      }
    } else {
      const f = await detectExplicit(p, name);
      files.push(f);
      if (f.format.role !== 'config') await siblingConfigs(f, base, files);
    }
  }

  // read each file once: the same path twice, or the same content under two names
  const kept: ScannedFile[] = [];
  const duplicates: RunScan['duplicates'] = [];
  const byPath = new Set<string>();
  const byContent = new Map<string, ScannedFile>();
  // the better-named copy wins (scalars.json over its timestamped twin), then the shallower one
  const ranked = [...files].sort((a, b) => Number(b.explicit) - Number(a.explicit) || b.score - a.score || depthOf(a) - depthOf(b));
  for (const f of ranked) {
    if (byPath.has(f.head.path)) continue;
    byPath.add(f.head.path);
    const key = await contentKey(f);
    const twin = key ? byContent.get(key) : undefined;
    if (twin) {
      duplicates.push({ file: f.head.name, sameAs: twin.head.name });
      continue;
    }
    if (key) byContent.set(key, f);
    kept.push(f);
  }
  kept.sort((a, b) => files.indexOf(a) - files.indexOf(b));
  const withoutStaleCheckpoints = dropCheckpointCopies(kept);
  return { root, files: withoutStaleCheckpoints, dumps: await dumpSources(withoutStaleCheckpoints), duplicates, unrecognised: counts.unrecognised };
}

/**
 * The files of a folder that a walk of the run finds (weights, caches and hidden folders skipped;
 * the content must say what a file is), except those `skip` passes over: the watch asks for the
 * files a live run has created since it started.
 */
export async function findRunFiles(dir: string, options: ScanOptions & { skip?(path: string): boolean }): Promise<ScannedFile[]> {
  const found: ScannedFile[] = [];
  await walk(dir, { base: options.displayBase ?? process.cwd(), maxDepth: options.maxDepth ?? RUN_MAX_DEPTH, signal: options.signal, skip: options.skip }, 0, found, { unrecognised: 0 });
  return found;
}

function depthOf(f: ScannedFile): number {
  return f.head.name.split(/[\\/]/).length;
}

/**
 * A metric log inside a checkpoint folder repeats the run's own (Hugging Face saves trainer_state.json
 * with every checkpoint): read the run's, or else the newest checkpoint's.
 */
function dropCheckpointCopies(files: ScannedFile[]): ScannedFile[] {
  const out: ScannedFile[] = [];
  for (const f of files) {
    if (f.format.role !== 'metrics' || f.checkpoint === undefined) {
      out.push(f);
      continue;
    }
    const same = files.filter((g) => g.format.id === f.format.id && g.format.role === 'metrics');
    const outside = same.some((g) => g.checkpoint === undefined);
    const newest = Math.max(...same.map((g) => g.checkpoint ?? -1));
    if (!outside && f.checkpoint === newest) out.push(f);
  }
  return out;
}

/** Dump files into sources: npy sets once, per-epoch files in epoch order. */
export async function dumpSources(files: ScannedFile[]): Promise<DumpSource[]> {
  const out: DumpSource[] = [];
  const seen = new Set<string>();
  for (const f of files) {
    if (f.format.role !== 'predictions') continue;
    const src = await f.format.source(f.head);
    const key = [...src.paths].sort().join('\0');
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(src);
  }
  // per-epoch files of one folder (epoch_003.npz, ...) read in epoch order
  const folders = new Map<string, DumpSource[]>();
  for (const s of out) {
    const d = dirname(s.paths[0]!);
    folders.set(d, [...(folders.get(d) ?? []), s]);
  }
  for (const group of folders.values()) {
    const arrays = group.filter((s) => s.family === 'arrays' && s.format === 'npz');
    if (arrays.length < 2) continue;
    arrays.forEach((s, i) => {
      if (s.family === 'arrays' && s.nameEpoch === undefined) s.nameEpoch = epochFromName(basename(s.paths[0]!)) ?? i;
    });
  }
  const order = (s: DumpSource) => (s.family === 'arrays' ? (s.nameEpoch ?? 0) : epochFromName(basename(s.paths[0]!).replace(/\.gz$/i, '')) ?? 0);
  return out
    .map((s, i) => ({ s, i, dir: dirname(s.paths[0]!) }))
    .sort((a, b) => a.dir.localeCompare(b.dir) || order(a.s) - order(b.s) || a.i - b.i)
    .map((x) => x.s);
}
