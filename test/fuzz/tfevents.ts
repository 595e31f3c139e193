// TensorBoard event files for the fuzzers: the real files of test/fixtures (Lightning scalars and
// 127-threshold PR curves, Keras TF2 tensor scalars, the python3-protobuf synthetic file) and small
// runs built here, split into their TFRecord records; then damage aimed at the reader's failure
// classes: checksums that fail (a record skipped, the rest read), lengths that lie or ask for
// gigabytes, records cut short, protobuf with wrong wire types and overlong varints (re-framed so
// that their checksums verify and the decoder is what is tested), PR-curve tensors of the wrong
// shape or of absurd sizes, NaN and Inf, millions of steps.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { frameRecord, maskedCrc32c } from '../../src/core/readers/tensorboard/index';
import { EVENT_PROTO } from '../../src/core/readers/tensorboard/schema';
import { concat, enc } from './builders';
import { byteMutations, mutateBytes, tag, type FuzzCase } from './cases';
import { counts, type FuzzScale } from './log-cases';

const root = protobuf.parse(EVENT_PROTO).root;
const EventType = root.lookupType('focallens.tensorboard.Event');
const PrCurvePluginData = root.lookupType('focallens.tensorboard.PrCurvePluginData');

/** An Event as protobufjs's fromObject takes it (and toObject gives it, with longs as numbers). */
export type EventObject = Record<string, unknown> & { step?: number; wallTime?: number; summary?: { value: SummaryValueObject[] } };
export interface SummaryValueObject {
  tag: string;
  metadata?: { pluginData?: { pluginName: string; content?: Uint8Array } };
  simpleValue?: number;
  tensor?: { dtype: number; tensorShape?: { dim: Array<{ size: number }> }; floatVal?: number[]; doubleVal?: number[]; tensorContent?: Uint8Array };
}

export const encodeEvent = (e: EventObject): Uint8Array => EventType.encode(EventType.fromObject(e)).finish();
export const decodeEvent = (payload: Uint8Array): EventObject => EventType.toObject(EventType.decode(payload), { longs: Number }) as EventObject;
export const prCurveContent = (numThresholds: number): Uint8Array => PrCurvePluginData.encode({ version: 0, numThresholds }).finish();

/** The payloads of a well-formed TFRecord file. */
export function recordPayloads(bytes: Uint8Array): Uint8Array[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Uint8Array[] = [];
  for (let o = 0; o + 12 <= bytes.length; ) {
    const n = view.getUint32(o, true);
    out.push(bytes.slice(o + 12, o + 12 + n));
    o += 16 + n;
  }
  return out;
}

/** A record header declaring `length` (whose own checksum verifies), then `payload` and its checksum. */
export function frameWithLength(payload: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(12 + payload.length + 4);
  const view = new DataView(out.buffer);
  view.setUint32(0, length % 2 ** 32, true);
  view.setUint32(4, Math.floor(length / 2 ** 32) % 2 ** 32, true);
  view.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(payload, 12);
  view.setUint32(12 + payload.length, maskedCrc32c(payload), true);
  return out;
}

// ------------------------------------------------------------- builders

function varint(n: number, out: number[]): void {
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
}

function lengthDelimited(field: number, body: ArrayLike<number>, out: number[]): void {
  out.push((field << 3) | 2);
  varint(body.length, out);
  for (let i = 0; i < body.length; i++) out.push(body[i]!);
}

const f64 = (v: number) => new Uint8Array(Float64Array.of(v).buffer);
const f32 = (v: number) => new Uint8Array(Float32Array.of(v).buffer);

/**
 * One simple-value scalar Event, encoded by hand (the bytes protobufjs writes, ten times faster):
 * millions of steps are generated in a second.
 */
export function scalarEvent(tag: string, step: number, value: number, wallTime = 1.7e9 + step): Uint8Array {
  const v: number[] = [];
  lengthDelimited(1, enc(tag), v);
  v.push((2 << 3) | 5, ...f32(value));
  const summary: number[] = [];
  lengthDelimited(1, v, summary);
  const out: number[] = [(1 << 3) | 1, ...f64(wallTime), 2 << 3];
  varint(step, out);
  lengthDelimited(5, summary, out);
  return Uint8Array.from(out);
}

/** A PR curve as torch's add_pr_curve writes it: float_val of [6, T] (TP, FP, TN, FN, precision, recall). */
export function prCurveEvent(tag: string, step: number, tp: number[], fp: number[], withMetadata: boolean): Uint8Array {
  const T = tp.length;
  const tn = fp.map((v) => fp[0]! - v);
  const fn = tp.map((v) => tp[0]! - v);
  const precision = tp.map((v, i) => v / Math.max(1e-7, v + fp[i]!));
  const recall = tp.map((v) => v / Math.max(1e-7, tp[0]!));
  const value: SummaryValueObject = { tag, tensor: { dtype: 1, tensorShape: { dim: [{ size: 6 }, { size: T }] }, floatVal: [...tp, ...fp, ...tn, ...fn, ...precision, ...recall] } };
  if (withMetadata) value.metadata = { pluginData: { pluginName: 'pr_curves', content: prCurveContent(T) } };
  return encodeEvent({ wallTime: 1.7e9 + step, step, summary: { value: [value] } });
}

export interface BuiltRun {
  /** Event payloads, the file_version record first. */
  payloads: Uint8Array[];
  /** hparams.yaml beside the events (alpha and gamma), or null. */
  hparams: string | null;
}

/**
 * A small Lightning-like run: per epoch an `epoch` scalar, per-class recall / precision scalars
 * and one PR curve per class tag (a binary head: one tag) of T thresholds, counts made from a
 * seeded drift of the positives' scores.
 */
export function builtRun(o: { epochs: number; thresholds: number; classes: readonly string[]; hparams: boolean; seed: number }): BuiltRun {
  let s = o.seed >>> 0;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const payloads = [encodeEvent({ wallTime: 1.7e9, fileVersion: 'brain.Event:2' })];
  const T = o.thresholds;
  for (let e = 0; e < o.epochs; e++) {
    payloads.push(scalarEvent('epoch', e, e));
    for (const c of o.classes) {
      const tp = new Array<number>(T);
      const fp = new Array<number>(T);
      let t = 0;
      let f = 0;
      for (let i = T - 1; i >= 0; i--) {
        t += Math.floor(rand() * 6 * (1 + (i * e) / (T * o.epochs)));
        f += Math.floor(rand() * 60 * (1 - i / T));
        tp[i] = t;
        fp[i] = f;
      }
      const tag = o.classes.length === 1 ? 'val_pr_curve' : `pr_curve/${c}`;
      payloads.push(prCurveEvent(tag, e, tp, fp, e === 0));
      payloads.push(scalarEvent(`val_recall_${c}`, e, rand()), scalarEvent(`val_precision_${c}`, e, rand()));
      if (o.classes.length === 1) payloads.push(scalarEvent('val_recall_neg', e, rand()), scalarEvent('val_precision_neg', e, rand()));
    }
  }
  return { payloads, hparams: o.hparams ? 'alpha: 0.25\ngamma: 2.0\nloss: torchvision.ops.sigmoid_focal_loss\n' : null };
}

// ---------------------------------------------------------------- seeds

const FIXTURES = join(__dirname, '../fixtures');

/** A real event file with its run folder's other files, as paths relative to the case folder. */
export interface EventSeed {
  name: string;
  /** The event file to damage, relative to the case folder. */
  events: string;
  payloads: Uint8Array[];
  /** The other files of the run (hparams.yaml, a second event file). */
  others: Array<{ path: string; bytes: Uint8Array }>;
  /** The folder to analyse as a run. */
  folder: string;
}

function realSeed(name: string, dir: string, events: string, others: string[], folder: string): EventSeed {
  const read = (p: string) => new Uint8Array(readFileSync(join(FIXTURES, dir, p)));
  return { name, events, payloads: recordPayloads(read(events)), others: others.map((p) => ({ path: p, bytes: read(p) })), folder };
}

let realSeeds: EventSeed[] | undefined;
/** Loaded on first use (decoding them costs a few milliseconds). */
export function realEventSeeds(): EventSeed[] {
  realSeeds ??= [
    realSeed('lightning-a', 'real-logs/runs/a_lightning_binary_alpha097/tensorboard', 'version_0/events.out.tfevents.1796150045.vm.8957.0', ['version_0/hparams.yaml'], 'version_0'),
    realSeed('lightning-b', 'real-logs/runs/b_lightning_binary_alpha080_healthy/tensorboard', 'version_0/events.out.tfevents.1796150050.vm.8957.2', ['version_0/hparams.yaml'], 'version_0'),
    realSeed('keras-train', 'real-logs/runs/e_keras_binary_focal_alpha098/tensorboard_run', 'logs/train/events.out.tfevents.1796150071.vm.8957.0.v2', ['logs/validation/events.out.tfevents.1796150071.vm.8957.1.v2'], 'logs'),
    realSeed('keras-validation', 'real-logs/runs/e_keras_binary_focal_alpha098/tensorboard_run', 'logs/validation/events.out.tfevents.1796150071.vm.8957.1.v2', ['logs/train/events.out.tfevents.1796150071.vm.8957.0.v2'], 'logs'),
    realSeed('synthetic', 'tensorboard', 'events.out.tfevents.1700000000.synthetic.0.v2', [], '.'),
  ];
  return realSeeds;
}

export function builtSeed(o: Parameters<typeof builtRun>[0]): EventSeed {
  const run = builtRun(o);
  return {
    name: `built-${o.classes.length}x${o.epochs}x${o.thresholds}`,
    events: 'run/events.out.tfevents.1700000001.fuzz.0',
    payloads: run.payloads,
    others: run.hparams !== null ? [{ path: 'run/hparams.yaml', bytes: enc(run.hparams) }] : [],
    folder: 'run',
  };
}

// -------------------------------------------------------------- damage

/** Damage to an event file: record-level (framing) or message-level (re-framed, checksums valid). */
export const TB_OPS = [
  'crc-data',
  'crc-footer',
  'crc-length',
  'length-lie',
  'huge-length',
  'truncate-record',
  'junk-record',
  'empty-record',
  'drop-record',
  'duplicate-record',
  'shuffle-records',
  'wire-type',
  'varint-overlong',
  'length-beyond',
  'payload-bytes',
  'pr-shape',
  'pr-values',
  'pr-absurd',
  'pr-thresholds',
  'pr-plugin-garbage',
  'many-pr-curves',
  'scalar-value',
  'epoch-value',
  'step',
  'tag',
  'many-steps',
  'empty-file',
  'header-only',
] as const;
export type TbOp = (typeof TB_OPS)[number];

/** One damage: `pick` chooses the record, `at` a place inside it, `v` a variant, `n` a count. */
export interface TbMutation {
  op: TbOp;
  pick: number;
  at: number;
  v: number;
  n: number;
}

/** Damage a checksum can find: the oracle expects that record skipped and every other one read. */
export const CHECKSUM_DAMAGE: readonly TbOp[] = ['crc-data', 'crc-footer'];

const PR_SHAPES = [[6, 1], [5, 127], [6], [6, 127, 2], [6, 0], [7, 127], [6, 2 ** 40], [2 ** 31, 2 ** 31], [], [1, 6, 127], [6, -1], [-6, 127]];
const ABSURD_THRESHOLDS = [1 << 16, 1 << 20, 2_500_000, 2_796_202, 2_796_203, 1 << 22];
const HUGE_LENGTHS = [64 * 2 ** 20 + 1, 2 ** 31, 2 ** 32 + 5, 2 ** 40, 2 ** 53, 2 ** 64 - 1];
const WEIRD_NUMBERS = [NaN, Infinity, -Infinity, 1e300, -1, 2, 0, 1e-45, 3.4e38];
const WEIRD_STEPS = [-1, 2 ** 62, 2 ** 53 + 1, 0, 1e15, -(2 ** 62)];
const WEIRD_TAGS = ['', 'val_recall_<img src=x onerror=alert(1)>', 'val_recall_\u001b]8;;http://x\u0007a\u001b]8;;\u0007', 'val_recall_' + 'x'.repeat(1 << 16), 'val_recall_a\nb', 'epoch', 'val_pr_curve', 'pr_curve/a/b/c'];

interface Decoded {
  payload: Uint8Array;
  event: EventObject | null;
}

const isPr = (d: Decoded) => d.event?.summary?.value?.some((v) => v.tensor?.tensorShape?.dim?.length === 2 && v.tensor.tensorShape.dim[0]!.size === 6) ?? false;
const isScalar = (d: Decoded) => d.event?.summary?.value?.some((v) => v.simpleValue !== undefined || (v.tensor && !(v.tensor.tensorShape?.dim?.length))) ?? false;
const isEpoch = (d: Decoded) => d.event?.summary?.value?.some((v) => v.tag === 'epoch') ?? false;

function decodeAll(payloads: Uint8Array[]): Decoded[] {
  return payloads.map((payload) => {
    try {
      return { payload, event: decodeEvent(payload) };
    } catch {
      return { payload, event: null };
    }
  });
}

const choose = <T>(xs: readonly T[], u: number): T | undefined => xs[Math.floor(u * xs.length)];

/** The first PR-curve record of the file, or one made up (a Keras file has none). */
function somePrEvent(records: Decoded[], u: number): { index: number; event: EventObject } {
  const prs = records.map((r, i) => ({ r, i })).filter(({ r }) => isPr(r));
  const hit = choose(prs, u);
  if (hit) return { index: hit.i, event: structuredClone(hit.r.event!) };
  const T = 11;
  return { index: -1, event: decodeEvent(prCurveEvent('val_pr_curve', 0, Array.from({ length: T }, (_, i) => T - i), Array.from({ length: T }, (_, i) => 3 * (T - i)), true)) };
}

/** Put a re-encoded event back (or add it when it was made up, or its place was cut off). */
function putEvent(index: number, event: EventObject, chunks: Uint8Array[]): void {
  const framed = frameRecord(encodeEvent(event));
  if (index < 0 || index >= chunks.length) chunks.push(framed);
  else chunks[index] = framed;
}

/** The damaged file's bytes: `chunks[i]` is record i framed; damage replaces, adds or cuts chunks. */
export function damageEvents(payloads: Uint8Array[], muts: TbMutation[], maxBytes: number): Uint8Array {
  const records = decodeAll(payloads);
  let chunks = payloads.map((p) => frameRecord(p));
  const pickIndex = (u: number, filter?: (d: Decoded) => boolean) => {
    const ids = records.map((_, i) => i).filter((i) => !filter || filter(records[i]!));
    return choose(ids, u) ?? -1;
  };
  for (const m of muts) {
    const k = pickIndex(m.pick);
    if (k < 0 || k >= chunks.length) continue;
    const chunk = chunks[k]!;
    switch (m.op) {
      case 'crc-data': {
        const c = chunk.slice();
        const n = c.length - 16;
        if (n > 0) c[12 + Math.floor(m.at * n)] ^= 1 << m.v % 8;
        chunks[k] = c;
        break;
      }
      case 'crc-footer': {
        const c = chunk.slice();
        c[c.length - 4 + (m.v % 4)] ^= 0x5a;
        chunks[k] = c;
        break;
      }
      case 'crc-length': {
        const c = chunk.slice();
        c[8 + (m.v % 4)] ^= 1 << m.v % 8;
        chunks[k] = c;
        break;
      }
      case 'length-lie': {
        const n = records[k]!.payload.length;
        const lie = [0, n - 1, n + 1, n + 4, n + 16, n + 1000, Math.floor(m.at * 4 * n)][m.v % 7]!;
        chunks[k] = frameWithLength(records[k]!.payload, Math.max(0, lie));
        break;
      }
      case 'huge-length':
        chunks[k] = frameWithLength(records[k]!.payload, HUGE_LENGTHS[m.v % HUGE_LENGTHS.length]!);
        break;
      case 'truncate-record':
        chunks = chunks.slice(0, k);
        chunks.push(chunk.subarray(0, Math.floor(m.at * chunk.length)));
        break;
      case 'junk-record': {
        const junk = [Uint8Array.from([0x0f, 0xff, 0xff, 0xff, 0xff, 0xff]), enc('not a protobuf at all'), new Uint8Array(m.n % 4096).fill(m.v & 0xff), Uint8Array.from([0x2a, 0xff, 0xff, 0xff, 0xff, 0x0f])][m.v % 4]!;
        chunks.splice(k, 0, frameRecord(junk));
        break;
      }
      case 'empty-record':
        chunks.splice(k, 0, frameRecord(new Uint8Array(0)));
        break;
      case 'drop-record':
        chunks.splice(k, 1);
        break;
      case 'duplicate-record':
        chunks.splice(k, 0, ...Array.from({ length: Math.min(m.n, 200) }, () => chunk));
        break;
      case 'shuffle-records': {
        let s = Math.floor(m.at * 2 ** 31);
        const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
        for (let i = chunks.length - 1; i > 0; i--) {
          const j = Math.floor(rand() * (i + 1));
          [chunks[i], chunks[j]] = [chunks[j]!, chunks[i]!];
        }
        break;
      }
      case 'wire-type': {
        // a field key with another wire type (1 fixed64, 2 length, 3/4 groups, 5 fixed32, 6/7 invalid)
        const p = records[k]!.payload.slice();
        if (p.length) {
          const i = Math.floor(m.at * p.length);
          p[i] = (p[i]! & ~7) | ((p[i]! & 7) ^ (1 + (m.v % 7)));
        }
        chunks[k] = frameRecord(p);
        break;
      }
      case 'varint-overlong': {
        // the step as a varint of 11 bytes (10 is the most a 64-bit varint has)
        const p = records[k]!.payload;
        chunks[k] = frameRecord(concat([Uint8Array.from([0x10, ...new Array<number>(10).fill(0xff), 0x01]), p]));
        break;
      }
      case 'length-beyond': {
        // a length-delimited field (summary, tag, tensor) that declares more than the record holds
        const p = records[k]!.payload.slice();
        const keys = [...p.keys()].filter((i) => (p[i]! & 7) === 2 && i + 1 < p.length);
        const i = choose(keys, m.at);
        if (i !== undefined) p[i + 1] = 0x7f;
        chunks[k] = frameRecord(i !== undefined && m.v % 2 ? concat([p.subarray(0, i + 1), Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x0f]), p.subarray(i + 2)]) : p);
        break;
      }
      case 'payload-bytes': {
        const p = records[k]!.payload.slice();
        for (let t = 0; t < 1 + (m.n % 4) && p.length; t++) p[Math.floor(((m.at + t * 0.37) % 1) * p.length)] = (m.v * (t + 7)) & 0xff;
        chunks[k] = frameRecord(p);
        break;
      }
      case 'pr-shape': {
        const { index, event } = somePrEvent(records, m.pick);
        event.summary!.value[0]!.tensor!.tensorShape = { dim: PR_SHAPES[m.v % PR_SHAPES.length]!.map((size) => ({ size })) };
        putEvent(index, event, chunks);
        break;
      }
      case 'pr-values': {
        const { index, event } = somePrEvent(records, m.pick);
        const t = event.summary!.value[0]!.tensor!;
        const vals = t.floatVal ?? [];
        const i = Math.floor(m.at * vals.length);
        switch (m.v % 9) {
          case 0:
            vals[i] = NaN;
            break;
          case 1:
            vals[i] = Infinity;
            break;
          case 2:
            vals[i] = -5;
            break;
          case 3:
            // TP grows with the threshold: not counts of p >= threshold
            vals.splice(0, vals.length / 6, ...vals.slice(0, vals.length / 6).reverse());
            break;
          case 4:
            vals.length = Math.floor(vals.length / 2);
            break;
          case 5:
            vals.length = 1;
            break;
          case 6:
            t.floatVal = [];
            t.tensorContent = new Uint8Array(7);
            break;
          case 7:
            t.dtype = [7, 99, 0, 2, 9][m.n % 5]!;
            break;
          default:
            vals.fill(0);
        }
        putEvent(index, event, chunks);
        break;
      }
      case 'pr-absurd': {
        // a few bytes that declare a [6, T] curve of millions of thresholds, one value filling it
        const T = ABSURD_THRESHOLDS[m.v % ABSURD_THRESHOLDS.length]!;
        const value: SummaryValueObject = { tag: 'val_pr_curve', metadata: { pluginData: { pluginName: 'pr_curves', content: prCurveContent(T) } }, tensor: { dtype: 1, tensorShape: { dim: [{ size: 6 }, { size: T }] }, floatVal: [1] } };
        for (let e = 0; e < 1 + (m.n % 12); e++) chunks.push(frameRecord(encodeEvent({ wallTime: 1.7e9, step: e, summary: { value: [value] } })));
        break;
      }
      case 'pr-thresholds': {
        const { index, event } = somePrEvent(records, m.pick);
        const v = event.summary!.value[0]!;
        v.metadata = { pluginData: { pluginName: 'pr_curves', content: prCurveContent([0, 1, 2, 126, 128, 2 ** 32 - 1][m.v % 6]!) } };
        putEvent(index, event, chunks);
        break;
      }
      case 'pr-plugin-garbage': {
        const { index, event } = somePrEvent(records, m.pick);
        const v = event.summary!.value[0]!;
        const name = ['pr_curves', 'hparams', 'scalars', ''][m.v % 4]!;
        v.metadata = { pluginData: { pluginName: name, content: Uint8Array.from([0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x1a, 0x7f]) } };
        putEvent(index, event, chunks);
        break;
      }
      case 'many-pr-curves': {
        const { event } = somePrEvent(records, m.pick);
        const bytes = encodeEvent(event).length;
        const n = Math.min(m.n, Math.floor(maxBytes / (bytes + 16)));
        for (let e = 0; e < n; e++) chunks.push(frameRecord(encodeEvent({ ...event, step: 1000 + e })));
        break;
      }
      case 'scalar-value': {
        const j = pickIndex(m.at, isScalar);
        if (j < 0) break;
        const event = structuredClone(records[j]!.event!);
        const v = event.summary!.value.find((x) => x.simpleValue !== undefined || x.tensor)!;
        const w = WEIRD_NUMBERS[m.v % WEIRD_NUMBERS.length]!;
        if (v.simpleValue !== undefined) v.simpleValue = w;
        else v.tensor = { dtype: 1, tensorContent: f32(w) };
        putEvent(j, event, chunks);
        break;
      }
      case 'epoch-value': {
        const ids = records.map((_, i) => i).filter((i) => isEpoch(records[i]!));
        for (const j of ids.filter((_, x) => x % (1 + (m.n % 3)) === 0)) {
          const event = structuredClone(records[j]!.event!);
          event.summary!.value.find((x) => x.tag === 'epoch')!.simpleValue = WEIRD_NUMBERS[(m.v + j) % WEIRD_NUMBERS.length]!;
          putEvent(j, event, chunks);
        }
        break;
      }
      case 'step': {
        const j = pickIndex(m.at, (d) => d.event !== null);
        if (j < 0) break;
        const event = structuredClone(records[j]!.event!);
        event.step = WEIRD_STEPS[m.v % WEIRD_STEPS.length]!;
        event.wallTime = [NaN, -1, 1e308, 0][m.n % 4]!;
        putEvent(j, event, chunks);
        break;
      }
      case 'tag': {
        const j = pickIndex(m.at, (d) => (d.event?.summary?.value?.length ?? 0) > 0);
        if (j < 0) break;
        const event = structuredClone(records[j]!.event!);
        event.summary!.value[0]!.tag = WEIRD_TAGS[m.v % WEIRD_TAGS.length]!;
        putEvent(j, event, chunks);
        break;
      }
      case 'many-steps': {
        // a run logged at every step: n points of a per-class metric and of the epoch
        const n = Math.min(m.n, Math.floor(maxBytes / 64));
        const per = Math.max(1, Math.floor(n / 100));
        for (let step = 0; step < n; step++) {
          chunks.push(frameRecord(scalarEvent(step % 2 ? 'val_recall_pos' : 'epoch', step, step % 2 ? (step % 97) / 97 : Math.floor(step / per))));
        }
        break;
      }
      case 'empty-file':
        chunks = [];
        break;
      case 'header-only':
        // (after an 'empty-file' there is no first record to cut)
        chunks = chunks.slice(0, 1).map((c) => c.subarray(0, 12));
        break;
    }
  }
  return concat(chunks);
}

const tbMutation = (scale: FuzzScale): fc.Arbitrary<TbMutation> =>
  fc.record({ op: fc.constantFrom(...TB_OPS), pick: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), at: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), v: fc.nat({ max: 1000 }), n: counts(scale) });

const builtSeeds = fc
  .record({ epochs: fc.integer({ min: 1, max: 12 }), thresholds: fc.constantFrom(2, 3, 11, 127), classes: fc.constantFrom(['pos'], ['car', 'person', 'bike']), hparams: fc.boolean(), seed: fc.integer() })
  .map(builtSeed);

/**
 * Event files damaged 1 to 3 times (blind bytes on top in one case of three), analysed as the
 * file or as its run folder. A real file or a small built run, which analyses in milliseconds.
 */
export function tensorboardCases(scale: FuzzScale): fc.Arbitrary<FuzzCase> {
  return fc
    .record({
      seed: fc.oneof({ weight: 3, arbitrary: builtSeeds }, { weight: 2, arbitrary: fc.constantFrom(...realEventSeeds()) }),
      muts: fc.array(tbMutation(scale), { minLength: 1, maxLength: 3 }),
      bytes: byteMutations,
      folder: fc.boolean(),
      lenient: fc.boolean(),
      given: fc.boolean(),
    })
    .map(({ seed, muts, bytes, folder, lenient, given }) => {
      const events = mutateBytes(damageEvents(seed.payloads, muts, scale.bombMiB << 20), bytes);
      const c: FuzzCase = {
        files: [{ path: seed.events, bytes: events }, ...seed.others],
        target: folder ? seed.folder : seed.events,
        lenient,
        given,
        tags: [seed.name, ...muts.map((m) => `tb-${m.op}`), ...tag(bytes)],
      };
      // one checksum that fails: that record is skipped, every other one read
      if (muts.length === 1 && bytes.length === 0 && CHECKSUM_DAMAGE.includes(muts[0]!.op)) c.expectRecords = { file: seed.events, records: seed.payloads.length - 1 };
      return c;
    });
}

/**
 * The undamaged seeds: each must be read as TensorBoard events with no record skipped (not the
 * synthetic fixture: it holds two values made to be skipped, see test/unit/readers-tensorboard.test.ts).
 */
export function tensorboardSeeds(): FuzzCase[] {
  const seeds = [...realEventSeeds().filter((s) => s.name !== 'synthetic'), builtSeed({ epochs: 3, thresholds: 11, classes: ['pos'], hparams: true, seed: 1 }), builtSeed({ epochs: 3, thresholds: 11, classes: ['car', 'person', 'bike'], hparams: true, seed: 2 })];
  return seeds.map((s) => ({ files: [{ path: s.events, bytes: concat(s.payloads.map((p) => frameRecord(p))) }, ...s.others], target: dirname(s.events) === '.' ? s.events : s.folder, lenient: false, tags: [s.name] }));
}
