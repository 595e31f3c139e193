/**
 * Builds a MetricLog from key/value records, whatever the file layout: every metric reader turns
 * its rows (CSV rows, JSON lines, history lists, event scalars) into `record()` calls, and the
 * builder merges them by epoch, sorts out per-class metrics with the key parser, and picks the
 * split to judge (validation when the log has one).
 */
import type { InputIssue } from '../../report';
import { InputError, quoted } from '../errors';
import { MAX_CLASSES } from '../limits';
import type { FoundSetting } from '../../run/settings';
import type { TrainingFramework } from '../../run/frameworks';
import { parseMetricKey, type ParsedKey } from './keys';
import { metricKeyId, type ClassMetrics, type MetricEpoch, type MetricLog, type MetricName } from './types';

/** Splits in the order the verdict prefers them. */
const SPLIT_PREFERENCE = ['val', 'test', '', 'train'];

export interface RecordOptions {
  /** 1-based line of the record. */
  line?: number;
  step?: number;
  /** The record's own split (MMDetection's `mode`, a TensorBoard `validation/` folder); keys' prefixes win. */
  split?: string;
}

type SplitEpochs = Map<number, MetricEpoch>;

export class MetricLogBuilder {
  private readonly bySplit = new Map<string, SplitEpochs>();
  private readonly parsed = new Map<string, ParsedKey | null>();
  private readonly keys = new Map<string, Map<string, string>>();
  /** Classes of each split in the order the log first names them. */
  private readonly classOrder = new Map<string, Set<string>>();
  readonly settings: FoundSetting[] = [];
  readonly issues: InputIssue[] = [];
  skipped = 0;
  readonly notes: string[] = [];

  constructor(
    readonly format: string,
    readonly file: string,
    readonly framework: TrainingFramework,
    public epochKey: MetricLog['epochKey'] = 'epoch',
  ) {}

  /** Bad record: counted and kept (the rest of the log is still judged). */
  skip(issue: InputIssue): void {
    this.skipped++;
    if (this.issues.length < 20) this.issues.push(issue);
  }

  /** The largest epoch any record had (also one of no metric): a live run has finished the epochs before it. */
  newestEpoch: number | undefined;
  /** Records so far (a live log's follower sees whether any came). */
  records = 0;

  record(epoch: number, entries: Iterable<[string, unknown]>, opts: RecordOptions = {}): void {
    this.saw(epoch);
    for (const [key, raw] of entries) this.one(epoch, key, raw, opts);
  }

  /** A table row: cells under their header's names; the columns in `skip` (epoch, step) and empty cells are passed over. */
  recordRow(epoch: number, header: readonly string[], cells: readonly string[], skip: readonly number[], opts: RecordOptions = {}): void {
    this.saw(epoch);
    for (let i = 0; i < cells.length; i++) {
      const raw = cells[i]!;
      if (raw !== '' && !skip.includes(i)) this.one(epoch, header[i]!, raw, opts);
    }
  }

  private saw(epoch: number): void {
    this.records++;
    if (this.newestEpoch === undefined || epoch > this.newestEpoch) this.newestEpoch = epoch;
  }

  private one(epoch: number, key: string, raw: unknown, opts: RecordOptions): void {
    const value = toValue(raw);
    if (value === undefined) return;
    let pk = this.parsed.get(key);
    if (pk === undefined) {
      pk = parseMetricKey(key);
      this.parsed.set(key, pk);
    }
    const split = pk?.split ?? opts.split ?? '';
    const e = this.epoch(split, epoch, opts);
    if (!pk || (pk.cls === null && pk.metric === 'accuracy')) {
      // losses, learning rates, mAP, overall accuracy: context, not per-class evidence
      if (typeof value === 'number') e.scalars[key] = value;
      return;
    }
    if (pk.metric === 'predPositiveRate') {
      if (typeof value === 'number') e.predPositiveRate = value;
      this.key(split, metricKeyId('predPositiveRate', null), key);
      return;
    }
    const metric = pk.metric;
    if (Array.isArray(value)) {
      // a vector metric (Keras F1Score(average=None)): one value per class index; one value is the head's
      if (value.length === 1) this.put(split, e, null, metric, value[0]!, key, pk.mean, opts.line);
      else value.forEach((v, i) => this.put(split, e, String(i), metric, v, `${key}[${i}]`, false, opts.line));
    } else this.put(split, e, pk.cls, metric, value, key, pk.mean, opts.line);
  }

  private epoch(split: string, epoch: number, opts: RecordOptions): MetricEpoch {
    let m = this.bySplit.get(split);
    if (!m) {
      m = new Map();
      this.bySplit.set(split, m);
    }
    let e = m.get(epoch);
    if (!e) {
      e = { epoch, perClass: new Map(), scalars: {} };
      m.set(epoch, e);
    }
    if (opts.step !== undefined) e.step = opts.step;
    if (opts.line !== undefined && e.line === undefined) e.line = opts.line;
    return e;
  }

  private put(split: string, e: MetricEpoch, cls: string | null, metric: Exclude<MetricName, 'predPositiveRate'>, v: number, key: string, mean: boolean, line: number | undefined): void {
    let target: ClassMetrics;
    if (cls === null) {
      target = e.mean ??= {};
      if (mean) e.meanOverClasses = true;
    } else {
      let order = this.classOrder.get(split);
      if (!order) this.classOrder.set(split, (order = new Set()));
      if (!order.has(cls)) {
        // thousands of metric columns or a vector metric of a corrupt length: no run has that many classes
        if (order.size >= MAX_CLASSES) throw new InputError({ file: this.file, ...(line !== undefined ? { line } : {}) }, `expected at most ${MAX_CLASSES} classes in the log's per-class metrics, got more (the next at ${quoted(key)})`);
        order.add(cls);
      }
      target = e.perClass.get(cls) ?? {};
      if (!e.perClass.has(cls)) e.perClass.set(cls, target);
    }
    target[metric] = v;
    this.key(split, metricKeyId(metric, cls), key);
  }

  private key(split: string, id: string, key: string): void {
    let m = this.keys.get(split);
    if (!m) {
      m = new Map();
      this.keys.set(split, m);
    }
    if (!m.has(id)) m.set(id, key);
  }

  /** The log of what was recorded so far; building again after more records gives the longer log. */
  build(): MetricLog {
    const split = SPLIT_PREFERENCE.find((s) => hasMetrics(this.bySplit.get(s))) ?? '';
    const recorded = [...(this.bySplit.get(split)?.values() ?? [])].filter((e) => e.perClass.size > 0 || e.mean || e.predPositiveRate !== undefined);
    recorded.sort((a, b) => a.epoch - b.epoch);
    const epochs = percentApAsFraction(recorded);
    const notes = split === 'train' ? [...this.notes, `${this.file} has no validation metrics: the verdict judges training metrics.`] : this.notes.slice();
    return {
      format: this.format,
      file: this.file,
      framework: this.framework,
      epochKey: this.epochKey,
      split: split || 'val',
      classes: [...(this.classOrder.get(split) ?? [])],
      epochs,
      keys: this.keys.get(split) ?? new Map(),
      settings: this.settings,
      issues: this.issues,
      skipped: this.skipped,
      notes,
    };
  }
}

function hasMetrics(m: SplitEpochs | undefined): boolean {
  if (!m) return false;
  for (const e of m.values()) if (e.perClass.size > 0 || e.mean || e.predPositiveRate !== undefined) return true;
  return false;
}

/**
 * Detectron2 and COCO-style evaluators log AP x100: brought to a fraction like the other metrics,
 * in copies (the recorded epochs stay as logged, so the log can be built again).
 */
function percentApAsFraction(epochs: MetricEpoch[]): MetricEpoch[] {
  let percent = false;
  for (const e of epochs) {
    for (const c of e.perClass.values()) if ((c.ap ?? 0) > 1) percent = true;
    if ((e.mean?.ap ?? 0) > 1) percent = true;
  }
  if (!percent) return epochs;
  const fraction = (m: ClassMetrics): ClassMetrics => (m.ap !== undefined ? { ...m, ap: m.ap / 100 } : m);
  return epochs.map((e) => ({
    ...e,
    perClass: new Map([...e.perClass].map(([cls, m]) => [cls, fraction(m)])),
    ...(e.mean ? { mean: fraction(e.mean) } : {}),
  }));
}

/**
 * A metric value as logs write it: a number, a numeric string, `NA` / empty (missing), or a vector
 * as a list or as Keras CSVLogger's quoted text `"[0.5, 0.0, 0.8]"`.
 */
export function toValue(raw: unknown): number | number[] | undefined {
  if (typeof raw === 'number') return Number.isFinite(raw) ? raw : undefined;
  if (Array.isArray(raw)) {
    const flat = raw.flat(2);
    return flat.length > 0 && flat.every((v) => typeof v === 'number' && Number.isFinite(v)) ? (flat as number[]) : undefined;
  }
  if (typeof raw !== 'string') return undefined;
  // the common case first: a plain number
  const n0 = raw === '' ? NaN : Number(raw);
  if (Number.isFinite(n0)) return n0;
  const s = raw.trim().replace(/^"+|"+$/g, '');
  if (s === '' || /^(na|nan|none|null|inf|-inf)$/i.test(s)) return undefined;
  if (s.startsWith('[')) {
    const items = s.replace(/^\[|\]$/g, '').split(/[\s,]+/).filter(Boolean).map(Number);
    return items.length > 0 && items.every(Number.isFinite) ? items : undefined;
  }
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
}
