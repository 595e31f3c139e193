/**
 * TensorBoard event files (`events.out.tfevents.*`, written by torch.utils.tensorboard,
 * tensorboardX, TF1 FileWriter and TF2 tf.summary): scalar series, PR curves and the hparams of the
 * session-start summary. A metric log, not a prediction dump: see ../../analysis/binned.ts for what
 * the PR curves give.
 *
 * Framing and damage handling are in records.ts; the records are Event protos decoded by protobufjs
 * from our own schema (schema.ts), loaded on the first read so that start-up does not pay for it.
 */
import { basename } from 'node:path';
import type { Reader, Type } from 'protobufjs';
import { MAX_KEPT_ISSUES, type IssueLog } from '../errors';
import type { InputIssue } from '../../report';
import { headerVerifies, scanRecords } from './records';
import { EVENT_PROTO, type EventMessage, type HParamsPluginDataMessage, type PrCurvePluginDataMessage, type SummaryValueMessage } from './schema';
import { int64ToNumber, tensorDims, tensorValues } from './tensor';

export { EMPTY_MESSAGE, MAX_RECORD_BYTES, MAX_RESYNC_BYTES, TRUNCATED_MESSAGE, frameRecord, maskedCrc32c } from './records';

export interface ScalarPoint {
  step: number;
  wallTime: number;
  value: number;
}

/** One PR-curve summary: counts at T thresholds i / (T - 1), i = 0..T-1, of "p >= threshold". */
export interface PrCurvePoint {
  step: number;
  wallTime: number;
  numThresholds: number;
  tp: Float64Array;
  fp: Float64Array;
  tn: Float64Array;
  fn: Float64Array;
  precision: Float64Array;
  recall: Float64Array;
}

export interface EventFileContents {
  /** Display name as given. */
  file: string;
  /** tag -> points in file order. */
  scalars: Map<string, ScalarPoint[]>;
  prCurves: Map<string, PrCurvePoint[]>;
  /** hparams of the hparams plugin's session-start summary, when the file has one. */
  hparams?: Record<string, number | string | boolean>;
  /** Records whose checksums verified. */
  records: number;
  /** Damaged places skipped (see records.ts) and records that do not decode as an Event. */
  skippedRecords: number;
  /** The first reasons (up to MAX_KEPT_ISSUES), with byte offsets. */
  issues: InputIssue[];
}

export interface ReadEventFileOptions {
  displayName: string;
  signal?: AbortSignal;
  /** Bytes read since the previous call. */
  onBytes?(n: number): void;
  /**
   * Receive each scalar instead of keeping it in `scalars` (which then stays empty): a caller that
   * keeps them compactly reads a file of millions of points in a fraction of the memory.
   */
  onScalar?(tag: string, step: number, value: number): void;
}

const EVENT_FILE_NAME = /^events\.out\.tfevents\../;

/** `events.out.tfevents.<anything>` (e.g. `.1796150045.host.123.0`, `.v2`), by base name. */
export function isEventFileName(name: string): boolean {
  return EVENT_FILE_NAME.test(basename(name.replace(/\\/g, '/')));
}

/** The first bytes of a file start a TFRecord whose length checksum verifies. */
export function looksLikeEventFile(head: Uint8Array): boolean {
  return headerVerifies(head, 0);
}

/**
 * Read an event file. Damaged or truncated records are reported in `issues` and skipped.
 * @throws InputError (file, byteOffset) when the file is unreadable or not a TFRecord file;
 *   an Error named AbortError when `opts.signal` aborts.
 */
export async function readEventFile(path: string, opts: ReadEventFileOptions): Promise<EventFileContents> {
  const reader = new EventFileReader(opts);
  await reader.read(path, opts);
  return reader.contents;
}

/**
 * An event file read in parts as it grows (the watch): each `read` goes on from the end of the last
 * complete record, and what the records said so far (each tag's plugin, sent with its first value
 * only) carries over. With `growing`, a record cut short at the end waits for the next read.
 */
export class EventFileReader {
  readonly contents: EventFileContents;
  private collector: SummaryCollector | undefined;
  private offset = 0;

  constructor(private readonly opts: Pick<ReadEventFileOptions, 'displayName' | 'onScalar'>) {
    this.contents = { file: opts.displayName, scalars: new Map(), prCurves: new Map(), records: 0, skippedRecords: 0, issues: [] };
  }

  async read(path: string, opts: Pick<ReadEventFileOptions, 'signal' | 'onBytes'> & { growing?: boolean } = {}): Promise<void> {
    const contents = this.contents;
    const collector = (this.collector ??= new SummaryCollector(contents, await loadCodec(), this.opts.onScalar ?? ((tag, step, value, wallTime) => push(contents.scalars, tag, { step, wallTime, value }))));
    const result = await scanRecords(path, { ...opts, displayName: this.opts.displayName, from: this.offset }, (buf, start, end, offset, issues) => collector.record(buf, start, end, offset, issues));
    this.offset = result.end;
    contents.records += result.records;
    contents.skippedRecords += result.skippedRecords;
    contents.issues.push(...result.issues.slice(0, Math.max(0, MAX_KEPT_ISSUES - contents.issues.length)));
  }
}

interface Codec {
  event: Type;
  prCurvePluginData: Type;
  hparamsPluginData: Type;
  reader(buf: Uint8Array): Reader;
}

let codec: Promise<Codec> | undefined;

function loadCodec(): Promise<Codec> {
  codec ??= import('protobufjs').then((mod) => {
    const pb = mod.default;
    const root = pb.parse(EVENT_PROTO).root;
    const type = (name: string) => root.lookupType(`focallens.tensorboard.${name}`);
    return {
      event: type('Event'),
      prCurvePluginData: type('PrCurvePluginData'),
      hparamsPluginData: type('HParamsPluginData'),
      reader: (buf: Uint8Array) => pb.Reader.create(buf),
    };
  });
  return codec;
}

function decode<T>(codec: Codec, type: Type, bytes: Uint8Array): T {
  return type.decode(codec.reader(bytes), bytes.length) as unknown as T;
}

const PR_ROWS = 6;

/** What a tag's plugin metadata said (writers send it with the tag's first value only). */
interface TagPlugin {
  name: string;
  /** pr_curves: from PrCurvePluginData, 0 when absent. */
  numThresholds: number;
}

class SummaryCollector {
  private readonly plugins = new Map<string, TagPlugin>();
  private reader: Reader | undefined;

  constructor(
    private readonly contents: EventFileContents,
    private readonly codec: Codec,
    private readonly scalar: (tag: string, step: number, value: number, wallTime: number) => void,
  ) {}

  record(buf: Buffer, start: number, end: number, offset: number, issues: IssueLog): void {
    if (this.reader?.buf !== buf) this.reader = this.codec.reader(buf);
    const reader = this.reader;
    reader.pos = start;
    reader.len = end;
    let event: EventMessage;
    try {
      event = this.codec.event.decode(reader, end - start) as unknown as EventMessage;
    } catch (err) {
      issues.add({ file: this.contents.file, byteOffset: offset, message: `record does not decode as a TensorBoard Event (${(err as Error).message}); skipped` });
      return;
    }
    const values = event.summary?.value;
    if (!values) return;
    const step = int64ToNumber(event.step);
    for (let i = 0; i < values.length; i++) {
      const value = values[i]!;
      // the common case first: a torch / TF1 scalar of a tag whose plugin is known
      if (value.metadata === null && hasOwn(value, 'simpleValue')) {
        this.scalar(value.tag, step, value.simpleValue!, event.wallTime);
        continue;
      }
      let problem: string | undefined;
      try {
        problem = this.value(value, step, event.wallTime);
      } catch (err) {
        // plugin content is a nested message of its own: it can be damaged while the Event decodes
        problem = `plugin data does not decode (${(err as Error).message})`;
      }
      if (problem) issues.add({ file: this.contents.file, byteOffset: offset, message: `tag "${value.tag}" at step ${step}: ${problem}; value skipped` }, 0);
    }
  }

  /** Keep one summary value; returns a reason when it is malformed. */
  private value(v: SummaryValueMessage, step: number, wallTime: number): string | undefined {
    const pluginData = v.metadata?.pluginData;
    if (pluginData) {
      const plugin: TagPlugin = { name: pluginData.pluginName, numThresholds: 0 };
      if (plugin.name === 'pr_curves' && pluginData.content.length > 0) {
        plugin.numThresholds = decode<PrCurvePluginDataMessage>(this.codec, this.codec.prCurvePluginData, pluginData.content).numThresholds;
      }
      if (plugin.name === 'hparams' && pluginData.content.length > 0) this.hparams(pluginData.content);
      this.plugins.set(v.tag, plugin);
    }
    if (hasOwn(v, 'simpleValue')) {
      this.scalar(v.tag, step, v.simpleValue!, wallTime);
      return undefined;
    }
    if (!v.tensor) return undefined;
    const plugin = this.plugins.get(v.tag)?.name ?? '';
    if (plugin === 'pr_curves') return this.prCurve(v, step, wallTime);
    if (plugin !== 'scalars' && plugin !== '') return undefined;
    const values = tensorValues(v.tensor!);
    if (typeof values === 'string') return plugin === 'scalars' ? values : undefined;
    if (values.length !== 1) return plugin === 'scalars' ? `a scalars-plugin tensor of shape [${tensorDims(v.tensor!).join(', ')}] is not a scalar` : undefined;
    this.scalar(v.tag, step, values[0]!, wallTime);
    return undefined;
  }

  private prCurve(v: SummaryValueMessage, step: number, wallTime: number): string | undefined {
    const dims = tensorDims(v.tensor!);
    const T = dims[1] ?? 0;
    if (dims.length !== 2 || dims[0] !== PR_ROWS || T < 2) return `a PR curve must be a [6, T] tensor (T >= 2), got [${dims.join(', ')}]`;
    const declared = this.plugins.get(v.tag)!.numThresholds;
    if (declared !== 0 && declared !== T) return `the PR curve has ${T} thresholds but its plugin data says ${declared}`;
    const values = tensorValues(v.tensor!, false);
    if (typeof values === 'string') return values;
    const row = (r: number) => values.slice(r * T, (r + 1) * T);
    const notCounts = countsProblem(values, 0, T, 'TP') ?? countsProblem(values, T, T, 'FP');
    if (notCounts) return notCounts;
    push(this.contents.prCurves, v.tag, { step, wallTime, numThresholds: T, tp: row(0), fp: row(1), tn: row(2), fn: row(3), precision: row(4), recall: row(5) });
    return undefined;
  }

  private hparams(content: Uint8Array): void {
    const hparams = decode<HParamsPluginDataMessage>(this.codec, this.codec.hparamsPluginData, content).sessionStartInfo?.hparams;
    if (!hparams) return;
    const out = (this.contents.hparams ??= {});
    for (const [name, value] of Object.entries(hparams)) {
      const kind = (value as { kind?: 'numberValue' | 'stringValue' | 'boolValue' | 'nullValue' }).kind;
      if (kind && kind !== 'nullValue') out[name] = value[kind]!;
    }
  }
}

/**
 * Why a row of a PR curve is not counts of "p >= threshold" (finite, not negative, not growing
 * with the threshold; float32 sums of weighted counts may wobble in the last bits), or undefined.
 */
function countsProblem(values: Float64Array, from: number, T: number, name: string): string | undefined {
  const tolerance = 1e-6 * Math.max(1, values[from]!);
  for (let i = 0; i < T; i++) {
    const c = values[from + i]!;
    if (!(Number.isFinite(c) && c >= 0)) return `${name} at threshold ${i} is ${c}: not a count`;
    if (i + 1 < T && values[from + i + 1]! - c > tolerance) return `${name} at threshold ${i} is smaller than at threshold ${i + 1}: not counts of p >= threshold`;
  }
  return undefined;
}

/** Decoded messages carry defaults on their prototype: a field on the wire is an own property. */
function hasOwn(message: object, field: string): boolean {
  return Object.prototype.hasOwnProperty.call(message, field);
}

function push<T>(map: Map<string, T[]>, tag: string, point: T): void {
  const series = map.get(tag);
  if (series) series.push(point);
  else map.set(tag, [point]);
}
