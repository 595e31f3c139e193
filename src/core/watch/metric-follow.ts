/**
 * The metric logs of a live run, followed with the metric readers' own parsers:
 * - line logs (Lightning metrics.csv, Keras CSVLogger, Ultralytics results.csv, MMEngine
 *   scalars.json, MMDetection 2.x *.log.json, Detectron2 metrics.json): the lines a run appends go
 *   into the format's line sink, a partial last line waiting for the rest;
 * - TensorBoard event files: read on from their last complete record;
 * - whole documents (trainer_state.json, history.json, classification reports), which their
 *   frameworks rewrite rather than append to: read again whole when they change (a document
 *   caught half written is read again at the next change, the log before it kept meanwhile).
 * Each log is built again from what was read so far whenever it is judged (metric logs are small).
 */
import { stat } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { InputError, isInputError } from '../readers/errors';
import { readHead, type MetricFormatSpec, type MetricLineSink } from '../readers/registry';
import type { ScannedFile } from '../readers/scan';
import type { MetricLog } from '../readers/metrics/types';
import { MAX_METRIC_LINE } from '../readers/metrics/text';
import { EventFileMetrics, eventFileGroup, eventFilesLog } from '../readers/formats/metrics-tensorboard';
import type { RunLog } from '../run/read-run';
import { FileTail, type TailChange } from './tail';

export interface MetricFollower {
  readonly files: ScannedFile[];
  /** What changed in each file since the last poll (a reset file is read again from its start). */
  poll(): Promise<Array<{ file: ScannedFile; change: TailChange }>>;
  /** Read what the last poll found. */
  read(now: number): Promise<void>;
  /** The log of what was read so far (null: nothing readable yet). */
  log(): RunLog | null;
  /** The largest epoch of any record so far: the epochs before it are complete. */
  readonly newestEpoch: number | undefined;
  /** When records last came (the watch's clock). */
  readonly lastRecordAt: number;
  /** Nothing known is unread and no line is half written. */
  caughtUp(): boolean;
  /** Another file of the same log (a new event file of the run). */
  add(file: ScannedFile): void;
}

/** The follower of a metric log (the files of one log, as metricLogGroups groups them). */
export function metricFollower(spec: MetricFormatSpec, files: ScannedFile[]): MetricFollower {
  if (spec.lineSink) return new LineLogFollower(files[0]!, spec.lineSink.bind(spec));
  if (spec.readGroup) return new EventLogFollower(files);
  return new DocumentFollower(files[0]!, spec);
}

class LineLogFollower implements MetricFollower {
  readonly files: ScannedFile[];
  private readonly tail: FileTail;
  private sink: MetricLineSink;
  private decoder = new StringDecoder('utf8');
  /** The partial last line (text after the last line end read). */
  private partial = '';
  private nextLine = 1;
  private records = 0;
  lastRecordAt = -Infinity;

  constructor(
    private readonly file: ScannedFile,
    private readonly newSink: (name: string) => MetricLineSink,
  ) {
    this.files = [file];
    this.tail = new FileTail(file.head.path);
    this.sink = newSink(file.head.name);
  }

  async poll(): Promise<Array<{ file: ScannedFile; change: TailChange }>> {
    const change = await this.tail.poll();
    if (change.kind === 'reset') {
      this.sink = this.newSink(this.file.head.name);
      this.decoder = new StringDecoder('utf8');
      this.partial = '';
      this.nextLine = 1;
      this.records = 0;
    }
    return [{ file: this.file, change }];
  }

  async read(now: number): Promise<void> {
    while (this.tail.pending) {
      const { bytes } = await this.tail.read();
      if (bytes.length === 0) break;
      // the decoder keeps a multi-byte character cut at the end of a piece for the next one
      const text = this.partial + this.decoder.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      const end = text.lastIndexOf('\n');
      this.partial = end < 0 ? text : text.slice(end + 1);
      if (this.partial.length > MAX_METRIC_LINE) throw new InputError({ file: this.file.head.name, line: this.nextLine }, `a line longer than ${MAX_METRIC_LINE >> 20} MiB: not a metric log`);
      if (end < 0) continue;
      const lines = text.slice(0, end).split('\n');
      if (this.nextLine === 1 && lines[0]!.charCodeAt(0) === 0xfeff) lines[0] = lines[0]!.slice(1);
      for (let i = 0; i < lines.length; i++) if (lines[i]!.endsWith('\r')) lines[i] = lines[i]!.slice(0, -1);
      this.sink.lines({ lines, firstLine: this.nextLine });
      this.nextLine += lines.length;
    }
    const records = this.sink.builder.records;
    if (records !== this.records) {
      this.records = records;
      this.lastRecordAt = now;
    }
  }

  log(): RunLog | null {
    try {
      return { files: this.files, log: this.sink.build() };
    } catch (err) {
      // a CSV log whose header line is not complete yet
      if (isInputError(err)) return null;
      throw err;
    }
  }

  get newestEpoch(): number | undefined {
    return this.sink.builder.newestEpoch;
  }

  caughtUp(): boolean {
    return !this.tail.pending && this.partial === '';
  }

  add(): void {
    throw new Error('a line log is one file');
  }
}

class EventLogFollower implements MetricFollower {
  readonly files: ScannedFile[] = [];
  private readonly parts = new Map<string, { tail: FileTail; metrics: EventFileMetrics }>();
  private records = 0;
  lastRecordAt = -Infinity;

  constructor(files: ScannedFile[]) {
    for (const f of files) this.add(f);
  }

  add(file: ScannedFile): void {
    this.files.push(file);
    this.parts.set(file.head.path, { tail: new FileTail(file.head.path), metrics: new EventFileMetrics(file.head) });
  }

  async poll(): Promise<Array<{ file: ScannedFile; change: TailChange }>> {
    const out: Array<{ file: ScannedFile; change: TailChange }> = [];
    for (const file of this.files) {
      const part = this.parts.get(file.head.path)!;
      const change = await part.tail.poll();
      if (change.kind === 'reset') part.metrics = new EventFileMetrics(file.head);
      out.push({ file, change });
    }
    return out;
  }

  async read(now: number): Promise<void> {
    let records = 0;
    for (const part of this.parts.values()) {
      if (part.tail.pending) {
        try {
          await part.metrics.read({ growing: true });
        } catch (err) {
          // deleted since the poll (the reader says it cannot open it): the next poll says so
          if (await stat(part.tail.path).then(() => false, () => true)) continue;
          throw err;
        }
        // the reader keeps its own place (the end of the last complete record); the tail only watches the file
        part.tail.offset = part.tail.size;
      }
      records += part.metrics.contents.records;
    }
    if (records !== this.records) {
      this.records = records;
      this.lastRecordAt = now;
    }
  }

  log(): RunLog | null {
    const heads = eventFileGroup(this.files.map((f) => f.head));
    if (!heads.length) return null;
    return { files: this.files, log: eventFilesLog(heads.map((h) => this.parts.get(h.path)!.metrics)) };
  }

  get newestEpoch(): number | undefined {
    let newest: number | undefined;
    for (const { metrics } of this.parts.values()) {
      // Lightning logs its epoch with every logged step; Keras' epoch_* tags are stepped by epoch
      const epochs = metrics.series.get('epoch');
      const seen = epochs?.values.length ? Math.max(...epochs.values.map(Math.round)) : Math.max(-Infinity, ...[...metrics.series.values()].flatMap((s) => s.steps));
      if (Number.isFinite(seen) && (newest === undefined || seen > newest)) newest = seen;
    }
    return newest;
  }

  caughtUp(): boolean {
    return [...this.parts.values()].every((p) => !p.tail.pending);
  }
}

class DocumentFollower implements MetricFollower {
  readonly files: ScannedFile[];
  private readonly tail: FileTail;
  private current: MetricLog | null = null;
  private changed = false;
  lastRecordAt = -Infinity;

  constructor(
    private readonly file: ScannedFile,
    private readonly spec: MetricFormatSpec,
  ) {
    this.files = [file];
    this.tail = new FileTail(file.head.path);
  }

  async poll(): Promise<Array<{ file: ScannedFile; change: TailChange }>> {
    const change = await this.tail.poll();
    if (change.kind !== 'same' && change.kind !== 'gone') this.changed = true;
    return [{ file: this.file, change }];
  }

  async read(now: number): Promise<void> {
    if (!this.changed) return;
    this.changed = false;
    this.tail.offset = this.tail.size;
    let log: MetricLog;
    try {
      log = await this.spec.read(await readHead(this.file.head.path, this.file.head.name), {});
    } catch (err) {
      // half written (invalid JSON, a report cut short): the next change completes it
      if (isInputError(err)) return;
      throw err;
    }
    const epochsOf = (l: MetricLog | null) => (l ? l.epochs.map((e) => e.epoch).join(',') : '');
    if (epochsOf(log) !== epochsOf(this.current)) this.lastRecordAt = now;
    this.current = log;
  }

  log(): RunLog | null {
    return this.current ? { files: this.files, log: this.current } : null;
  }

  get newestEpoch(): number | undefined {
    const epochs = this.current?.epochs ?? [];
    return epochs.length ? epochs[epochs.length - 1]!.epoch : undefined;
  }

  caughtUp(): boolean {
    return !this.changed;
  }

  add(): void {
    throw new Error('a document log is one file');
  }
}

/**
 * A log cut to its complete epochs: those before the newest epoch any record had, and all of them
 * once the follower is caught up and no record has come for `settleMs`.
 */
export function completeLog(l: RunLog, follower: MetricFollower, now: number, settleMs: number): RunLog {
  const quiet = follower.caughtUp() && now - follower.lastRecordAt >= settleMs;
  const newest = follower.newestEpoch;
  return logThrough(l, (e) => quiet || (newest !== undefined && e < newest));
}

/** A log cut to the epochs `keep` accepts (its PR curves too). */
export function logThrough({ files, log }: RunLog, keep: (epoch: number) => boolean): RunLog {
  const cut: MetricLog = { ...log, epochs: log.epochs.filter((e) => keep(e.epoch)) };
  if (log.prCurves) cut.prCurves = log.prCurves.map((c) => ({ ...c, points: c.points.filter((p) => keep(p.epoch)) }));
  return { files, log: cut };
}
