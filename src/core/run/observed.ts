/**
 * What a metric log shows of each class per evaluation, as the verdict judges it: recall, and the
 * predicted / true share ratio (= recall / precision, since both count the same true positives),
 * with the shares themselves where the log lets them be derived:
 * - supports (sklearn) give true shares directly;
 * - a binary head with recall and precision of both classes gives the prevalence
 *   pi = p+ (1 - r-) / (r+ (1 - p+) + p+ (1 - r-))  (from p+ = r+ pi / (r+ pi + (1 - r-)(1 - pi)));
 * - a logged predicted-positive rate gives the positive class's predicted share.
 * Derivations are named in `derived` so the report can say which number came from where.
 */
import type { ClassShares } from '../analysis/verdict';
import type { ObservedClass, ObservedEpoch } from '../report';
import type { ClassMetrics, MetricLog } from '../readers/metrics/types';

export interface RunClasses {
  /** Classes in report order (named ones, then an implicit one). */
  names: string[];
  /** The class the log never names (detection background, the negatives of a binary log naming the positive only). */
  implicit: string | null;
  /** Binary head: [negative, positive]. */
  binary: { negative: string; positive: string } | null;
  /** The log's own name of each class (index names "0", "1" mapped to config names). */
  logName: Map<string, string>;
}

const POSITIVE_NAME = /^(pos|positive|1|true|yes|fg|foreground|defect|anomaly)$/i;
const NEGATIVE_NAME = /^(neg|negative|0|false|no|bg|background|normal)$/i;
const DETECTION_FORMATS = new Set(['mmengine-scalars', 'mmdet2-log', 'detectron2-metrics', 'ultralytics-csv']);

/** Class names of a run from its metric log and the config's names (config order wins). */
export function runClasses(log: MetricLog, configNames: string[] | null): RunClasses {
  const logName = new Map<string, string>();
  let named = log.classes.slice();
  if (configNames && configNames.length) {
    // index names ("0", "1") from vector metrics or torchmetrics take the config's names
    const mapped = named.map((n) => (/^\d+$/.test(n) && configNames[Number(n)] !== undefined ? configNames[Number(n)]! : n));
    named.forEach((n, i) => logName.set(mapped[i]!, n));
    named = [...configNames.filter((n) => mapped.includes(n)), ...mapped.filter((n) => !configNames.includes(n))];
  } else for (const n of named) logName.set(n, n);
  const hasMean = log.epochs.some((e) => e.mean && Object.keys(e.mean).length > 0);
  if (named.length === 0 && hasMean) {
    const meanOverClasses = log.epochs.some((e) => e.meanOverClasses);
    // one metric for the whole head: Keras' binary precision/recall (the positive class), or
    // Ultralytics' means over the detection classes
    const name = meanOverClasses ? (configNames?.length === 1 ? configNames[0]! : 'foreground') : (configNames?.[1] ?? 'positive');
    logName.set(name, '');
    const implicit = meanOverClasses ? 'background' : (configNames?.[0] ?? 'negative');
    return { names: [name, implicit], implicit, binary: meanOverClasses ? null : { negative: implicit, positive: name }, logName };
  }
  if (DETECTION_FORMATS.has(log.format)) return { names: [...named, 'background'], implicit: 'background', binary: null, logName };
  if (named.length === 2) {
    const [a, b] = named as [string, string];
    const positive = POSITIVE_NAME.test(b) || NEGATIVE_NAME.test(a) ? b : POSITIVE_NAME.test(a) || NEGATIVE_NAME.test(b) ? a : b;
    const negative = positive === a ? b : a;
    return { names: [negative, positive], implicit: null, binary: { negative, positive }, logName };
  }
  return { names: named, implicit: null, binary: null, logName };
}

export interface ObservedSeries {
  epochs: number[];
  shares: ClassShares[][];
  observed: ObservedEpoch[];
  /** How shares were derived, in words, once each. */
  derived: string[];
}

function metricsOf(e: MetricLog['epochs'][number], cls: string, classes: RunClasses): ClassMetrics | undefined {
  const logName = classes.logName.get(cls);
  if (logName === '') return e.mean;
  return logName !== undefined ? e.perClass.get(logName) : undefined;
}

/** Binary prevalence from recall and precision of both classes (NaN when they do not pin it). */
export function binaryPrevalence(pos: ClassMetrics, neg: ClassMetrics): number {
  const rp = pos.recall;
  const pp = pos.precision;
  const rn = neg.recall;
  const pn = neg.precision;
  if (rp !== undefined && pp !== undefined && rn !== undefined && pp > 0) {
    const den = rp * (1 - pp) + pp * (1 - rn);
    if (den > 0) return (pp * (1 - rn)) / den;
  }
  if (rn !== undefined && pn !== undefined && rp !== undefined && pn > 0) {
    const den = pn * (1 - rp) + rn * (1 - pn);
    if (den > 0) return (rn * (1 - pn)) / den;
  }
  return NaN;
}

export function observedSeries(log: MetricLog, classes: RunClasses): ObservedSeries {
  const derived = new Set<string>();
  const epochs: number[] = [];
  const shares: ClassShares[][] = [];
  const observed: ObservedEpoch[] = [];
  for (const e of log.epochs) {
    const per = new Map<string, ClassMetrics>();
    for (const cls of classes.names) {
      const m = cls === classes.implicit ? undefined : metricsOf(e, cls, classes);
      per.set(cls, { ...(m ?? {}) });
    }
    // true shares: supports, else the binary derivation
    const supports = [...per.entries()].filter(([c]) => c !== classes.implicit).map(([, m]) => m.support);
    if (supports.length && supports.every((s) => s !== undefined && s >= 0)) {
      const total = supports.reduce((a: number, b) => a + b!, 0);
      if (total > 0) for (const [c, m] of per) if (c !== classes.implicit) m.trueShare = m.support! / total;
    } else if (classes.binary) {
      const pos = per.get(classes.binary.positive)!;
      const neg = per.get(classes.binary.negative)!;
      let pi = NaN;
      if (e.predPositiveRate !== undefined && pos.recall !== undefined && pos.recall > 0 && pos.precision !== undefined) {
        pi = (e.predPositiveRate * pos.precision) / pos.recall;
        derived.add('prevalence = predicted-positive rate x precision / recall of the positive class');
      } else if (classes.implicit === null) {
        pi = binaryPrevalence(pos, neg);
        if (Number.isFinite(pi)) derived.add('prevalence from the recall and precision of both classes');
      }
      if (Number.isFinite(pi) && pi > 0 && pi < 1) {
        pos.trueShare = pi;
        neg.trueShare = 1 - pi;
      }
      if (e.predPositiveRate !== undefined) {
        pos.predShare = e.predPositiveRate;
        neg.predShare = 1 - e.predPositiveRate;
      }
    }
    const row: ClassShares[] = [];
    const obsRow: ObservedClass[] = [];
    for (const [cls, m] of per) {
      const recall = m.recall ?? m.accuracy;
      let r: number | undefined;
      if (m.recall !== undefined && m.precision !== undefined) r = m.precision > 0 ? m.recall / m.precision : m.recall === 0 ? 0 : undefined;
      if (m.trueShare !== undefined && m.predShare === undefined && r !== undefined) m.predShare = m.trueShare * r;
      if (r === undefined && m.trueShare !== undefined && m.predShare !== undefined && m.trueShare > 0) r = m.predShare / m.trueShare;
      const implicit = cls === classes.implicit;
      row.push({
        class: cls,
        count: m.support ?? NaN,
        trueShare: m.trueShare ?? NaN,
        predShare: m.predShare ?? NaN,
        recall: recall ?? NaN,
        ...(r !== undefined && !(m.trueShare !== undefined && m.predShare !== undefined) ? { ratio: r } : {}),
        ...(implicit ? { implicit: true } : {}),
      });
      const o: ObservedClass = { class: cls };
      for (const k of ['recall', 'precision', 'f1', 'ap', 'support', 'predShare', 'trueShare'] as const) if (m[k] !== undefined) o[k] = m[k];
      if (recall !== undefined && o.recall === undefined) o.recall = recall;
      if (r !== undefined) o.ratio = r;
      if (implicit) o.implicit = true;
      obsRow.push(o);
    }
    epochs.push(e.epoch);
    shares.push(row);
    observed.push({ epoch: e.epoch, ...(e.step !== undefined ? { step: e.step } : {}), perClass: obsRow });
  }
  return { epochs, shares, observed, derived: [...derived] };
}
