/**
 * The verdict of a run that logged metrics only: the same collapsed / drifting / healthy rules as
 * for recomputed epochs (analysis/verdict.ts), on what the log shows (recall, predicted / true
 * share), with every statement naming the metric key and the file it came from. Whether alpha
 * drove it can only be read off the decision rule here (no probabilities, no counterfactual).
 */
import { checkCollapse, epochStatuses, ruleSentence, type ClassShares, type EpochStatus, type VerdictContext, type VerdictThresholds } from '../analysis/verdict';
import { proseNumber, prosePercent } from '../format/numbers';
import type { AlphaConvention, LossKind, Verdict } from '../report';
import { metricKeyId, type MetricLog, type MetricName } from '../readers/metrics/types';
import type { ObservedSeries, RunClasses } from './observed';

export interface MetricLossSettings {
  kind: LossKind;
  /** The weight of each class under the run's alpha, or null when alpha is unknown. */
  classWeight: ((cls: string) => number | null) | null;
  alpha: number | null;
  alphaVector: number[] | null;
  gamma: number | null;
  convention: AlphaConvention;
  alphaKnown: boolean;
}

function keyOf(log: MetricLog, metric: MetricName, cls: string, classes: RunClasses): string | undefined {
  const logName = classes.logName.get(cls);
  return log.keys.get(metricKeyId(metric, logName === '' || logName === undefined ? null : logName)) ?? log.keys.get(metricKeyId(metric, null));
}

function epochWord(log: MetricLog): string {
  return log.epochKey === 'iteration' ? 'iteration' : log.epochKey === 'step' ? 'step' : 'epoch';
}

/** The evidence for a status at the last evaluation, in words naming keys and the file. */
function evidenceOf(log: MetricLog, series: ObservedSeries, statuses: EpochStatus[], classes: RunClasses, th: VerdictThresholds): string[] {
  const out: string[] = [];
  const last = series.shares[series.shares.length - 1]!;
  const word = epochWord(log);
  const lastStatus = statuses[statuses.length - 1]!;
  for (const c of last) {
    if (c.implicit) continue;
    const recallKey = keyOf(log, 'recall', c.class, classes) ?? keyOf(log, 'accuracy', c.class, classes);
    if (c.recall <= th.vanishRecall && recallKey) {
      let since = series.shares.length - 1;
      while (since > 0 && (series.shares[since - 1]!.find((x) => x.class === c.class)?.recall ?? 1) <= th.vanishRecall) since--;
      out.push(`recall of '${c.class}' has been ${proseNumber(c.recall)} since ${word} ${series.epochs[since]} (${recallKey} in ${log.file})`);
    }
    if (c.predShare >= th.dominantShare && c.trueShare <= th.dominantMaxTrueShare) {
      out.push(`'${c.class}' takes ${prosePercent(c.predShare)} of predictions against a true share of ${prosePercent(c.trueShare)} (${log.file})`);
    }
  }
  if (lastStatus.status === 'drifting') {
    const cls = last.find((c) => lastStatus.reason.startsWith(`'${c.class}'`));
    if (cls) {
      const r = cls.ratio ?? cls.predShare / cls.trueShare;
      const rk = keyOf(log, 'recall', cls.class, classes);
      const pk = keyOf(log, 'precision', cls.class, classes);
      const from = statuses.length >= 3 ? series.shares[series.shares.length - 3]!.find((x) => x.class === cls.class) : undefined;
      const rFrom = from ? (from.ratio ?? from.predShare / from.trueShare) : NaN;
      const how = rk && pk ? ` (${rk} / ${pk} in ${log.file})` : ` (${log.file})`;
      out.push(`'${cls.class}' is predicted ${times(r)} at ${word} ${series.epochs[series.epochs.length - 1]}${how}${Number.isFinite(rFrom) ? `; ${times(rFrom).replace(/ as often as it occurs| less often than it occurs/, '')} at ${word} ${series.epochs[series.epochs.length - 3]}` : ''}`);
    }
  }
  if (classes.binary) {
    const pos = last.find((c) => c.class === classes.binary!.positive);
    const rateKey = log.keys.get(metricKeyId('predPositiveRate', null));
    if (pos && Number.isFinite(pos.predShare) && Number.isFinite(pos.trueShare)) {
      out.push(`predicted-positive rate ${prosePercent(pos.predShare)} against a prevalence of ${prosePercent(pos.trueShare)} (${rateKey ? `${rateKey} in ${log.file}` : `derived from recall and precision in ${log.file}`})`);
    }
  }
  return out;
}

function times(r: number): string {
  if (!Number.isFinite(r)) return 'at an unknown rate';
  if (r === 0) return 'never';
  const x = (v: number) => (v >= 10 ? Math.round(v) : Math.round(v * 10) / 10);
  return r >= 1 ? `${x(r)}x as often as it occurs` : `${x(1 / r)}x less often than it occurs`;
}

/**
 * The class alpha favours, by the decision rule: sigmoid heads a class needs a local share above
 * 1 - a (a > 0.5 favours the class, a < 0.5 its negatives); softmax the class with the largest alpha_c.
 */
function favouredBy(settings: MetricLossSettings, classes: RunClasses, shares: ClassShares[]): string | null {
  const w = settings.classWeight;
  if (!w || !settings.alphaKnown) return null;
  if (settings.kind === 'softmax') {
    let best: string | null = null;
    let bestW = -Infinity;
    let tie = false;
    for (const c of shares) {
      const a = w(c.class);
      if (a === null) continue;
      if (a > bestW + 1e-12) {
        best = c.class;
        bestW = a;
        tie = false;
      } else if (Math.abs(a - bestW) <= 1e-12) tie = true;
    }
    return tie ? null : best;
  }
  // sigmoid: the positive class(es) against the negatives / background
  const named = shares.filter((c) => !c.implicit && c.class !== classes.binary?.negative);
  const weights = named.map((c) => w(c.class)).filter((a): a is number => a !== null);
  if (weights.length === 0) return null;
  if (weights.every((a) => a < 0.5 - 1e-9)) return classes.binary?.negative ?? classes.implicit;
  if (weights.every((a) => a > 0.5 + 1e-9)) return named.length === 1 ? named[0]!.class : null;
  return null;
}

export interface MetricVerdict extends Verdict {
  perEpoch: Array<{ epoch: number; status: Verdict['status']; class: string | null }>;
}

export function metricVerdict(log: MetricLog, series: ObservedSeries, classes: RunClasses, settings: MetricLossSettings, th: VerdictThresholds): MetricVerdict {
  const word = epochWord(log);
  if (series.epochs.length === 0) {
    return { status: 'healthy', class: null, onsetEpoch: null, alphaDriven: false, message: `${log.file} has no evaluation with per-class metrics to judge.`, evidence: [], perEpoch: [] };
  }
  const statuses = epochStatuses(series.shares, series.epochs, series.epochs.map(() => NaN), th);
  const perEpoch = statuses.map((s) => ({ epoch: s.epoch, status: s.status, class: s.onto }));
  const last = statuses[statuses.length - 1]!;
  const lastShares = series.shares[series.shares.length - 1]!;
  const evidence = evidenceOf(log, series, statuses, classes, th);
  const ctx = ruleContext(settings, classes);
  const named = lastShares.filter((c) => !c.implicit);
  const knownPrevalence = named.every((c) => Number.isFinite(c.trueShare));
  // the rule speaks of a named class: the one the model collapsed onto, else (background) the rarest
  const ruleClass = last.onto !== null && last.onto !== classes.implicit ? last.onto : null;
  const rule = !ctx ? '' : knownPrevalence ? ruleSentence(ctx, classes.binary ? lastShares : named, ruleClass) : ruleWithoutPrevalence(settings, named, ruleClass);
  const judged = `Judged from ${log.file} (${log.split} metrics, ${series.epochs.length} evaluations; no per-sample probabilities, so nothing was recomputed).`;
  if (last.status === 'healthy') {
    return {
      status: 'healthy',
      class: null,
      onsetEpoch: null,
      alphaDriven: false,
      message: `Healthy at ${word} ${last.epoch}: no class vanished and no class's predicted share drifts ${th.driftRatio}x away from its true share. ${rule} ${judged}`.replace(/\s+/g, ' ').trim(),
      evidence,
      perEpoch,
    };
  }
  let onsetIdx = statuses.length - 1;
  while (onsetIdx > 0 && statuses[onsetIdx - 1]!.status === last.status && statuses[onsetIdx - 1]!.onto === last.onto) onsetIdx--;
  const onto = last.onto;
  const favoured = favouredBy(settings, classes, lastShares);
  const neutral = settings.alphaKnown && ctx ? isNeutral(settings) : false;
  const alphaDriven = !neutral && favoured !== null && favoured === onto;
  const parts = [`${last.status === 'collapsed' ? 'Collapsed' : 'Drifting'} onto '${onto}' since ${word} ${statuses[onsetIdx]!.epoch} (${last.reason}).`];
  if (alphaDriven) {
    parts.push(`Alpha pulls this way: ${rule || `${describeAlpha(settings)} favours '${onto}'`}`);
    parts.push('Without per-sample probabilities this is read off the decision rule alone; a prediction dump (or a retrain at a neutral alpha) would show how much of it alpha explains.');
  } else if (!settings.alphaKnown) {
    parts.push(`The run does not record alpha, so whether alpha drives it cannot be said: give alpha (and gamma) to see the decision rule.`);
  } else if (rule) parts.push(rule);
  parts.push(judged);
  const collapseCheck = last.status === 'collapsed' ? checkCollapse(lastShares, th) : null;
  return {
    status: last.status,
    class: onto,
    onsetEpoch: statuses[onsetIdx]!.epoch,
    alphaDriven,
    ...(alphaDriven ? { alphaDrivenBy: 'decision-rule' as const } : {}),
    message: parts.join(' ') + (collapseCheck && collapseCheck.reason && !last.reason.includes(collapseCheck.reason) ? ` ${collapseCheck.reason}.` : ''),
    evidence,
    perEpoch,
  };
}

/** Section 4's rule when the log does not give the classes' shares. */
function ruleWithoutPrevalence(s: MetricLossSettings, named: ClassShares[], cls: string | null): string {
  const w = s.classWeight;
  if (!w) return '';
  if (s.kind === 'softmax') {
    const weights = named.map((c) => ({ c: c.class, a: w(c.class) ?? 0 }));
    const top = weights.reduce((a, b) => (b.a > a.a ? b : a), weights[0]!);
    const others = weights.filter((x) => x !== top && x.a > 0);
    const conv = s.convention === 'vector' ? `alpha [${weights.map((x) => proseNumber(x.a)).join(', ')}]` : `alpha ${proseNumber(s.alpha ?? 0)} (${s.convention}: [${weights.map((x) => proseNumber(x.a)).join(', ')}])`;
    const need = others.length ? ` '${top.c}' wins wherever its local share is at least ${proseNumber(Math.min(...others.map((x) => x.a)) / top.a)} to ${proseNumber(Math.max(...others.map((x) => x.a)) / top.a)} times that of each other class` : '';
    return `${conv} makes the model predict the class with the largest alpha_c x (local share of c):${need}.`;
  }
  const target = named.find((c) => c.class === cls) ?? named.find((c) => Number.isFinite(c.recall) && c.recall <= 0.02) ?? named[0];
  if (!target) return '';
  const a = w(target.class);
  if (a === null) return '';
  return `alpha ${proseNumber(a)} for '${target.class}' (${s.convention} convention) makes the model say '${target.class}' only where at least ${prosePercent(1 - a)} of similar samples are '${target.class}'${a < 0.5 ? ': every class the features do not separate cleanly loses to the background' : ''}.`;
}

function isNeutral(s: MetricLossSettings): boolean {
  if (s.alphaVector) return s.alphaVector.every((a) => Math.abs(a - s.alphaVector![0]!) < 1e-9);
  if (s.alpha === null || s.convention === 'uniform') return true;
  return s.kind === 'sigmoid' && Math.abs(s.alpha - 0.5) < 1e-9;
}

function describeAlpha(s: MetricLossSettings): string {
  return s.alphaVector ? `alpha [${s.alphaVector.map(proseNumber).join(', ')}]` : `alpha ${s.alpha === null ? 'off' : proseNumber(s.alpha)} (${s.convention})`;
}

/** The verdict module's rule-sentence context for a metrics-only run (no counterfactual). */
function ruleContext(s: MetricLossSettings, classes: RunClasses): VerdictContext | null {
  if (!s.alphaKnown || !s.classWeight) return null;
  const w = s.classWeight;
  const layout = classes.binary ? 'binary' : s.kind === 'softmax' ? 'softmax' : 'multilabel';
  return {
    kind: s.kind,
    layout,
    alpha: s.alpha,
    alphaVector: s.kind === 'softmax' ? classes.names.map((c) => w(c) ?? 0) : s.alphaVector,
    gamma: s.gamma ?? 2,
    convention: s.convention,
    threshold: 0.5,
    neutral: null,
    neutralAlpha: null,
    classAlpha: (cls) => w(cls),
    // at threshold 0.5 the rule q > 1 - a does not depend on gamma (focal-math section 4)
    minShare: (cls) => {
      const a = w(cls);
      return a === null ? null : 1 - a;
    },
  };
}
