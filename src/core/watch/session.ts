/**
 * Watching a run while it trains: the files of the run (a dump, a run folder, a metric log) are
 * followed as they grow, and each epoch, once complete, gets the report `analyze` would give for the
 * data so far, through analyze's own stages (src/core/pipeline, src/core/run). Only new bytes are
 * read at each tick; a dump's epochs are accumulated once (epoch-book.ts), metric logs are judged
 * again from their parsed records (they are small).
 *
 * When an epoch is complete: when a record of a later epoch has been read in every dump file that
 * has records (DDP ranks write one file each), or when no record has come for `settleMs` and no
 * record is half written. The focal_lens writer writes each epoch whole, in one burst, then waits
 * for the next validation: the first rule sees an epoch complete once the next begins, the second
 * as soon as the burst is over. Records of an epoch judged already (a rank that lagged past the
 * settle time) are added to it and it is judged again (`revised`).
 *
 * A dump file truncated or replaced (a run resumed from a checkpoint truncates the dump at the epoch
 * it resumes from) starts the dump over: every dump file is read again and the epochs are judged
 * anew. The watch ends when a path it was given is deleted.
 */
import { stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { AnalysisReport } from '../report';
import type { SelectedBackend } from '../compute/backend';
import { DEFAULT_THRESHOLDS, type VerdictThresholds } from '../analysis/verdict';
import { dumpFormat, mergeMeta, shapeCheck } from '../readers/dump';
import { epochFromName, isRankSibling, type DumpSource } from '../readers/dump-source';
import { InputError, IssueLog } from '../readers/errors';
import type { FormatRole } from '../readers/registry';
import { displayName, dumpSources, findRunFiles, scanRun, type RunScan, type ScannedFile } from '../readers/scan';
import type { DumpMeta, PredictionChunk } from '../readers/types';
import { abortError, analysisBackend, OBJECTIVES, sampleCapOf, UsageError, type AnalyzeOptions } from '../pipeline/options';
import { dumpSettings, metaName, resolveLoss } from '../pipeline/settings';
import { judgedDumpReport } from '../pipeline/report';
import { analyzeWithoutDump } from '../pipeline/without-dump';
import { metricGroupKey, metricLogGroups, readRunConfigs, type RunContents, type RunLog } from '../run/read-run';
import { givenSettings } from '../run/run-settings';
import type { FoundSetting } from '../run/settings';
import { ArrayDumpFollower, TextDumpFollower, type DumpFollower } from './dump-follow';
import { EpochBook } from './epoch-book';
import { completeLog, logThrough, metricFollower, type MetricFollower } from './metric-follow';

/** An epoch whose records stopped coming this long ago is complete (ms). */
export const DEFAULT_SETTLE_MS = 2000;

export interface WatchOptions extends AnalyzeOptions {
  /** An epoch whose records stopped coming this long ago (and none half written) is complete. Default 2000 ms. */
  settleMs?: number;
  /** The watch's clock (tests move it). Default Date.now. */
  now?: () => number;
}

export type WatchEvent =
  /** The watch has started (`followRun`'s first event): the run's files it follows (a folder may have none yet). */
  | { type: 'start'; files: Array<{ file: string; label: string }> }
  /**
   * An epoch is complete: the report analyze gives for the complete epochs so far. `revised`:
   * epochs judged before that got more records since.
   */
  | { type: 'epoch'; epoch: number; revised: number[]; report: AnalysisReport }
  /** A file of the run is followed from now on (a DDP rank file, a new log); `ignored` says why it is not. */
  | { type: 'file'; file: string; format: string; label: string; role: FormatRole; ignored?: string }
  /**
   * A file was truncated, replaced or deleted: what it gave is read again (a dump file: every dump
   * file from the start, the epochs judged anew; a deleted log is no longer judged).
   */
  | { type: 'restart'; file: string; reason: string }
  /** A path the watch was given was deleted: the watch is over. */
  | { type: 'gone'; file: string };

/** Per dump file: the newest epoch of its records, and when records last came. */
interface DumpActivity {
  newest: number;
  lastRowsAt: number;
}

export class RunWatch {
  private readonly dumps: DumpFollower[] = [];
  private readonly activity = new Map<DumpFollower, DumpActivity>();
  private readonly metrics: MetricFollower[] = [];
  private readonly metricGroups = new Map<string, MetricFollower>();
  private readonly configs: ScannedFile[] = [];
  private readonly known = new Set<string>();
  private configRead: Pick<RunContents, 'settings' | 'configSources'> = { settings: [], configSources: [] };
  private readonly thresholds: VerdictThresholds;
  private readonly given: FoundSetting[];
  private readonly settleMs: number;
  private readonly now: () => number;
  private readonly base: string;
  // the dump, once its first records are read
  private book: EpochBook | null = null;
  private backend: SelectedBackend | null = null;
  private meta: DumpMeta = {};
  private split: { value: string | undefined } | undefined;
  private check = shapeCheck();
  private log: IssueLog;
  private lastMetricEpoch = -Infinity;

  private constructor(
    private readonly opts: WatchOptions,
    private readonly scan: RunScan,
  ) {
    this.thresholds = { ...DEFAULT_THRESHOLDS, ...(opts.verdictThresholds ?? {}) };
    this.given = givenSettings(opts);
    this.settleMs = opts.settleMs ?? DEFAULT_SETTLE_MS;
    this.now = opts.now ?? Date.now;
    this.base = opts.displayBase ?? process.cwd();
    this.log = new IssueLog(opts.lenient ?? false);
  }

  /** Start watching: the run's files as they are now (a folder may have none yet). */
  static async open(opts: WatchOptions): Promise<RunWatch> {
    if (!opts.paths.length) throw new UsageError('no input: give a run folder, a training log or a prediction dump');
    if (opts.objective && !OBJECTIVES.includes(opts.objective)) throw new UsageError(`unknown objective '${String(opts.objective)}': use ${OBJECTIVES.join(', ')}`);
    if (opts.settleMs !== undefined && !(opts.settleMs >= 0)) throw new UsageError(`the settle time must be >= 0 ms, got ${opts.settleMs}`);
    const base = opts.displayBase ?? process.cwd();
    const watch = new RunWatch(opts, await scanLiveRun(opts.paths, base));
    for (const source of watch.scan.dumps) watch.followDump(source);
    for (const group of metricLogGroups(watch.scan.files)) watch.followMetrics(group.spec, group.files);
    for (const f of watch.scan.files) {
      watch.known.add(f.head.path);
      if (f.format.role === 'config') watch.configs.push(f);
    }
    watch.configRead = await readRunConfigs({ ...watch.scan, files: watch.configs });
    return watch;
  }

  /** The run's files followed now (display names), with their formats. */
  files(): Array<{ file: string; label: string }> {
    return this.scan.files.filter((f) => this.known.has(f.head.path) && f.format.role !== 'config').map((f) => ({ file: f.head.name, label: f.format.label }));
  }

  /** The files and folders to be told about (fs.watch): the given paths, and the folder of a given file (its rank files). */
  get watchedPaths(): string[] {
    return this.opts.paths;
  }

  /**
   * One look at the run: new files, new bytes, epochs that are complete now. Events come as they
   * happen (a consumer that stops at the first collapse stops before later epochs are judged).
   * @throws InputError on a bad record (strict; the epochs before it were reported), UsageError
   *   when the loss settings are unknown.
   */
  async *tick(): AsyncGenerator<WatchEvent> {
    const now = this.now();
    const folders = new Set<string>();
    for (const p of this.opts.paths) {
      const st = await statOf(p);
      if (!st) {
        yield { type: 'gone', file: displayName(p, this.base) };
        return;
      }
      if (st.isDirectory()) folders.add(p);
    }
    yield* this.newFiles(folders);
    for (const m of [...this.metrics]) {
      const gone: ScannedFile[] = [];
      for (const { file, change } of await m.poll()) {
        if (change.kind === 'reset') yield { type: 'restart', file: file.head.name, reason: change.reason };
        if (change.kind === 'gone') {
          gone.push(file);
          yield { type: 'restart', file: file.head.name, reason: 'deleted' };
        }
      }
      if (gone.length) this.forgetMetricFiles(m, gone);
      else await m.read(now);
    }
    for (const f of [...this.dumps]) {
      const change = await f.poll();
      if (change.kind === 'same' || change.kind === 'grown') continue;
      if (change.kind === 'gone') {
        this.dumps.splice(this.dumps.indexOf(f), 1);
        this.known.delete(f.tail.path);
      }
      yield { type: 'restart', file: f.name, reason: change.kind === 'gone' ? 'deleted' : change.reason };
      this.restartDump();
    }
    // every dump file a piece at a time in turn: DDP rank files advance together, so epochs complete in order
    let reading = true;
    while (reading) {
      reading = false;
      for (const f of this.dumps) {
        if (this.opts.signal?.aborted) throw abortError();
        const step = await f.step();
        if (step.kind === 'idle') continue;
        reading = true;
        await this.ingest(f, step.chunks, now);
        yield* this.judgeComplete(now);
        if (step.fatal) throw step.fatal;
      }
    }
    yield* this.judgeComplete(now);
    if (!this.book) yield* this.judgeMetrics(now);
  }

  /** When the next epoch could complete by the settle rule (ms on the watch's clock), or undefined. */
  nextSettle(): number | undefined {
    if (!this.book?.fresh().length) return undefined;
    const times = [...this.activity.values()].map((a) => a.lastRowsAt + this.settleMs);
    return times.length ? Math.min(...times) : undefined;
  }

  /** Let the per-sample data go. */
  close(): void {
    this.book?.discard();
  }

  // ------------------------------------------------------------------ files

  private followDump(source: DumpSource): DumpFollower | undefined {
    const name = displayName(source.paths[0]!, this.base);
    const opts = {
      lenient: this.opts.lenient ?? false,
      maxLineBytes: 16 << 20,
      chunkSize: 65536,
      // analyze's rule: the flag, else the split the first dump's meta names
      split: (meta: DumpMeta) => (this.split ??= { value: this.opts.split ?? meta.split }).value,
      log: this.log,
      displayBase: this.base,
    };
    if (source.family === 'text') {
      if (source.gzip) return undefined;
      const f = new TextDumpFollower(source, name, opts);
      this.dumps.push(f);
      return f;
    }
    // a single per-epoch file has no folder of siblings yet to say its epoch: its name does
    if (source.format === 'npz') source.nameEpoch ??= epochFromName(basename(source.paths[0]!));
    const f = new ArrayDumpFollower(source, name, opts);
    this.dumps.push(f);
    return f;
  }

  private followMetrics(spec: ScannedFile['format'], files: ScannedFile[]): void {
    if (spec.role !== 'metrics') return;
    const follower = metricFollower(spec, files);
    this.metrics.push(follower);
    const key = metricGroupKey(files[0]!);
    if (key !== null) this.metricGroups.set(key, follower);
  }

  /** A log some of whose files were deleted: followed again from its other files. */
  private forgetMetricFiles(m: MetricFollower, gone: ScannedFile[]): void {
    for (const f of gone) this.known.delete(f.head.path);
    this.metrics.splice(this.metrics.indexOf(m), 1);
    const key = metricGroupKey(m.files[0]!);
    if (key !== null) this.metricGroups.delete(key);
    const rest = m.files.filter((f) => !gone.includes(f));
    if (rest.length) this.followMetrics(rest[0]!.format, rest);
  }

  /** Files that appeared since the last look: in a given folder, and DDP rank files beside a given file. */
  private async *newFiles(folders: ReadonlySet<string>): AsyncGenerator<WatchEvent> {
    const skip = (p: string) => this.known.has(p) || basename(p).startsWith('.');
    const found = new Map<string, ScannedFile>();
    for (const p of this.opts.paths) {
      const files = folders.has(p)
        ? await findRunFiles(p, { displayBase: this.base, skip })
        : await findRunFiles(dirname(p), { displayBase: this.base, maxDepth: 0, skip: (q) => skip(q) || !isRankSibling(p, q) });
      for (const f of files) found.set(f.head.path, f);
    }
    let configs = false;
    for (const f of found.values()) {
      this.known.add(f.head.path);
      const event = { type: 'file' as const, file: f.head.name, format: f.format.id, label: f.format.label, role: f.format.role };
      if (f.format.role === 'predictions') {
        const [source] = await dumpSources([f]);
        if (!source || !this.followDump(source)) {
          yield { ...event, ignored: 'a gzip-compressed dump cannot be read on from where it was left: it is read when analyzed after the run' };
          continue;
        }
      } else if (f.format.role === 'metrics') {
        const key = metricGroupKey(f);
        const group = key !== null ? this.metricGroups.get(key) : undefined;
        if (group) group.add(f);
        else this.followMetrics(f.format, [f]);
      } else {
        this.configs.push(f);
        configs = true;
      }
      yield event;
    }
    if (configs) this.configRead = await readRunConfigs({ ...this.scan, files: this.configs });
  }

  // ------------------------------------------------------------------ dumps

  /** Every dump file again from its start, the epochs judged anew. */
  private restartDump(): void {
    this.book?.discard();
    this.book = null;
    this.meta = {};
    this.split = undefined;
    this.check = shapeCheck();
    this.log = new IssueLog(this.opts.lenient ?? false);
    this.activity.clear();
    for (const f of this.dumps) f.rewind();
  }

  private async ingest(f: DumpFollower, chunks: PredictionChunk[], now: number): Promise<void> {
    if (f.meta) mergeMeta(this.meta, f.meta);
    for (const chunk of chunks) {
      this.check(chunk, f.name);
      if (!this.book) {
        this.backend ??= await analysisBackend(this.opts);
        const where = this.where();
        const settings = dumpSettings(this.opts, this.runContents(now), this.meta, where);
        this.book = new EpochBook(resolveLoss(this.opts, settings.loss, this.meta, chunk, where), settings.classes, where, sampleCapOf(this.opts));
      }
      this.book.add(chunk);
      const a = this.activity.get(f);
      if (a) {
        a.newest = Math.max(a.newest, chunk.epoch);
        a.lastRowsAt = now;
      } else this.activity.set(f, { newest: chunk.epoch, lastRowsAt: now });
    }
  }

  private where(): string {
    return metaName(this.dumps.map((d) => d.name));
  }

  /** Judge the epochs that are complete now, each in order; one event per epoch judged for the first time. */
  private async *judgeComplete(now: number): AsyncGenerator<WatchEvent> {
    const book = this.book;
    if (!book) return;
    const complete = (epoch: number) =>
      [...this.activity].every(([f, a]) => a.newest > epoch || (f.caughtUp() && now - a.lastRowsAt >= this.settleMs));
    const ready = book.fresh().filter(complete);
    if (!ready.length) return;
    const revised = ready.filter((e) => book.judgedBefore(e));
    const fresh = ready.filter((e) => !book.judgedBefore(e));
    for (const e of revised) book.judge(e);
    if (!fresh.length) {
      const epochs = book.reports();
      yield { type: 'epoch', epoch: epochs[epochs.length - 1]!.epoch, revised, report: this.dumpReport(Infinity, now) };
      return;
    }
    for (const [i, e] of fresh.entries()) {
      book.judge(e);
      yield { type: 'epoch', epoch: e, revised: i === 0 ? revised : [], report: this.dumpReport(e, now) };
    }
  }

  /** What analyze reports for the judged epochs up to `through`. */
  private dumpReport(through: number, now: number): AnalysisReport {
    const book = this.book!;
    const epochs = book.reports(through);
    const files = this.dumps.map((d) => d.name);
    const run = this.runContents(now);
    const log = this.log;
    return judgedDumpReport({
      backend: this.backend!,
      dump: { files, format: dumpFormat(this.dumps.map((d) => d.source), this.opts.paths), issues: () => log.snapshot() },
      run,
      given: this.given,
      thresholds: this.thresholds,
      settings: dumpSettings(this.opts, run, this.meta, this.where()),
      resolved: book.resolved,
      epochs,
      counterfactual: book.counterfactual(epochs[epochs.length - 1]!.epoch),
      notes: [],
      opts: this.opts,
    });
  }

  // ------------------------------------------------------------ metric logs

  /** The run as analyze reads it, its metric logs cut to their complete epochs. */
  private runContents(now: number, through = Infinity): RunContents {
    const logs: RunLog[] = [];
    for (const m of this.metrics) {
      const l = m.log();
      if (l) logs.push(logThrough(completeLog(l, m, now, this.settleMs), (e) => e <= through));
    }
    return { scan: this.scan, logs, settings: [...this.configRead.settings, ...logs.flatMap((l) => l.log.settings)], configSources: this.configRead.configSources };
  }

  /** A run without a dump: judged from its metric logs, one event per new evaluation. */
  private async *judgeMetrics(now: number): AsyncGenerator<WatchEvent> {
    const run = this.runContents(now);
    if (!run.logs.some((l) => l.log.epochs.length > 0 || l.log.prCurves?.some((c) => c.points.length > 0))) return;
    const full = await analyzeWithoutDump(this.opts, run, this.given, this.thresholds, () => undefined);
    const epochs = (full.verdict.perEpoch ?? []).map((p) => p.epoch).filter((e) => e > this.lastMetricEpoch);
    for (const e of epochs) {
      const last = e === epochs[epochs.length - 1];
      const report = last ? full : await analyzeWithoutDump(this.opts, this.runContents(now, e), this.given, this.thresholds, () => undefined);
      this.lastMetricEpoch = e;
      yield { type: 'epoch', epoch: e, revised: [], report };
    }
  }
}

/**
 * The run's files now. A folder may hold none yet (the run has just started): the watch then waits
 * for them. A gzip-compressed dump cannot be followed (its stream cannot be read on from the middle).
 */
async function scanLiveRun(paths: string[], base: string): Promise<RunScan> {
  let scan: RunScan;
  try {
    scan = await scanRun(paths, { displayBase: base });
  } catch (err) {
    const folders = await Promise.all(paths.map(async (p) => (await stat(p).catch(() => undefined))?.isDirectory() ?? false));
    if (!(err instanceof InputError && err.kind === 'unsupported' && folders.every(Boolean))) throw err;
    scan = { root: paths.length === 1 ? displayName(paths[0]!, base) : null, files: [], dumps: [], duplicates: [], unrecognised: 0 };
  }
  const gzip = scan.dumps.find((s) => s.family === 'text' && s.gzip);
  if (gzip) {
    throw new InputError(
      { file: displayName(gzip.paths[0]!, base) },
      'a gzip-compressed dump cannot be watched: its stream cannot be read on from where the last read ended. Write the dump uncompressed (.jsonl, .csv) while the run trains, or analyze it when the run is done',
      'unsupported',
    );
  }
  return scan;
}

/** The path's stat, or null when it is gone. */
async function statOf(p: string): Promise<Stats | null> {
  const look = () => stat(p).catch(() => null);
  // a writer that replaces a file by deleting it first: look again a moment later before giving up
  return (await look()) ?? (await new Promise((r) => setTimeout(r, 50)), await look());
}
