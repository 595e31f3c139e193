/**
 * The verdict (docs/method.md, "Verdict", "Attribution", "Classes at risk"): collapsed / drifting /
 * healthy, the class the model collapsed (or drifts) onto, the onset epoch, whether alpha drives
 * it (the counterfactual at a neutral alpha', checked against the labels), the classes at risk,
 * and a plain-language message stating the decision rule of section 4.
 */
import type { AlphaConvention, Attribution, ClassAtRisk, EpochReport, LossKind, NeutralEstimate, Verdict, VerdictStatus, WhatIfRow } from '../report';
import { CONVENTION_INFO } from '../conventions';
import { binomialTail } from './calibration';
import { proseNumber, prosePercent, proseTimes } from '../format/numbers';

export interface VerdictThresholds {
  /** A class with at least this many samples and recall <= vanishRecall has vanished. Default 10. */
  minClassCount: number;
  /** Default 0.02. */
  vanishRecall: number;
  /** One class taking at least this share of predictions... Default 0.98. */
  dominantShare: number;
  /** ...while its true share is at most this. Default 0.9. */
  dominantMaxTrueShare: number;
  /** Drifting: predicted / true share at least this (or at most its inverse). Default 3. */
  driftRatio: number;
  /**
   * Drifting: over this many epochs ending at the judged one, the deviation |ln(pred/true)| never
   * shrank and ended larger than it started (getting worse). Default 3.
   */
  driftWindow: number;
  /**
   * ...or the deviation stayed at least this far (ratio, e.g. 10x) over the whole window without
   * clearly recovering: a plateau ten times off is not healthy because it stopped getting worse.
   * Default 10.
   */
  severeRatio: number;
  /**
   * "Clearly recovering" for the severe rule: the last deviation below (1 - driftTolerance) x the
   * window's first. Default 0.25.
   */
  driftTolerance: number;
  /**
   * Attribution: the label-calibrated estimate overrides the loss-minimum one (making the
   * attribution 'uncertain') only when the labels contradict the latter at this significance
   * (one-sided binomial test on the samples where they disagree). Default 0.05.
   */
  significance: number;
  /** A class's G+/G- beyond [1/x, x] means the run is far from its loss minimum (wording only). Default 4. */
  minimumBand: number;
  /** At risk: a class with at least minClassCount samples and recall below this. Default 0.5 (misses most of it). */
  riskRecall: number;
  /** At risk (under-served): the suggestion raises the class's recall by at least this. Default 0.1. */
  riskGain: number;
}

export const DEFAULT_THRESHOLDS: VerdictThresholds = {
  minClassCount: 10,
  vanishRecall: 0.02,
  dominantShare: 0.98,
  dominantMaxTrueShare: 0.9,
  driftRatio: 3,
  driftWindow: 3,
  severeRatio: 10,
  driftTolerance: 0.25,
  significance: 0.05,
  minimumBand: 4,
  riskRecall: 0.5,
  riskGain: 0.1,
};

/**
 * Shares of one class at one epoch (or under one counterfactual alpha). From metric logs some are
 * unknown (NaN): a log with recall and precision but no supports knows only their ratio.
 */
export interface ClassShares {
  class: string;
  /** NaN when unknown (the vanish rule then does not wait for 10 samples). */
  count: number;
  trueShare: number;
  predShare: number;
  recall: number;
  /** Predicted / true share when the shares themselves are unknown (recall / precision). */
  ratio?: number;
  /** A class the log never names (detection background, a binary log's negatives). */
  implicit?: boolean;
}

/**
 * The classes to judge in an epoch. A binary head reported with one class (the positive) gets its
 * complement, so a collapse onto negatives has a class to name.
 */
export function epochShares(report: EpochReport, binaryNames?: [string, string]): ClassShares[] {
  const rows: ClassShares[] = report.perClass.map((c) => ({
    class: c.class,
    count: c.count,
    trueShare: c.trueShare,
    predShare: c.predShare,
    recall: c.recall,
  }));
  if (binaryNames && rows.length === 1) {
    const pos = rows[0]!;
    const n = report.samples;
    const nPos = pos.count;
    const nNeg = n - nPos;
    const tp = pos.recall * nPos;
    const fp = pos.predShare * n - tp;
    const tn = nNeg - fp;
    rows.unshift({
      class: binaryNames[0] === pos.class ? binaryNames[1] : binaryNames[0],
      count: nNeg,
      trueShare: 1 - pos.trueShare,
      predShare: 1 - pos.predShare,
      recall: nNeg > 0 ? tn / nNeg : 0,
    });
  }
  return rows;
}

/** Shares of a counterfactual row (the row has no counts: they come from the epoch's shares). */
export function rowShares(row: WhatIfRow, reference: ClassShares[]): ClassShares[] {
  return row.perClass.map((c) => {
    const ref = reference.find((r) => r.class === c.class);
    return { class: c.class, count: ref?.count ?? 0, trueShare: ref?.trueShare ?? 0, predShare: c.predShare, recall: c.recall };
  });
}

export interface CollapseCheck {
  collapsed: boolean;
  /** The class with the largest predicted / true share. */
  onto: string | null;
  /** Why, in words (empty when not collapsed). */
  reason: string;
}

function ratio(c: ClassShares, eps: number): number {
  if (c.ratio !== undefined) return c.ratio;
  return (c.predShare + eps) / (c.trueShare + eps);
}

/**
 * The over-predicted class: largest s^_c / s_c among classes present; a class the log does not
 * name (background) when every named one is under-predicted.
 */
export function overPredicted(shares: ClassShares[]): ClassShares | null {
  let best: ClassShares | null = null;
  let bestR = -Infinity;
  for (const c of shares) {
    if (c.implicit || (c.trueShare <= 0 && c.predShare <= 0)) continue;
    const r = ratio(c, 1e-6);
    if (r > bestR) {
      bestR = r;
      best = c;
    }
  }
  const implicit = shares.find((c) => c.implicit);
  if (implicit && (!best || bestR < 1)) return implicit;
  return best;
}

export function checkCollapse(shares: ClassShares[], th: VerdictThresholds = DEFAULT_THRESHOLDS): CollapseCheck {
  const reasons: string[] = [];
  for (const c of shares) {
    if ((c.count >= th.minClassCount || Number.isNaN(c.count)) && c.recall <= th.vanishRecall) {
      reasons.push(Number.isNaN(c.count) ? `'${c.class}' vanished (recall ${proseNumber(c.recall)})` : `'${c.class}' vanished (recall ${prosePercent(c.recall)} of ${c.count} samples)`);
    }
  }
  for (const c of shares) {
    // NaN shares (unknown) never satisfy these comparisons
    if (c.predShare >= th.dominantShare && c.trueShare <= th.dominantMaxTrueShare) {
      reasons.push(`'${c.class}' takes ${prosePercent(c.predShare)} of predictions (true share ${prosePercent(c.trueShare)})`);
    }
  }
  const collapsed = reasons.length > 0;
  return { collapsed, onto: collapsed ? (overPredicted(shares)?.class ?? null) : null, reason: reasons.join('; ') };
}

/**
 * The status one set of shares has on its own (a counterfactual row has no history): collapsed as
 * in checkCollapse, drifting when a class is predicted driftRatio times too often or too rarely.
 */
export function staticStatus(shares: ClassShares[], th: VerdictThresholds = DEFAULT_THRESHOLDS): { status: VerdictStatus; reason: string } {
  const col = checkCollapse(shares, th);
  if (col.collapsed) return { status: 'collapsed', reason: col.reason };
  for (const c of shares) {
    if (c.trueShare <= 0) continue;
    const r = ratio(c, 1e-9);
    if (r >= th.driftRatio || r <= 1 / th.driftRatio) return { status: 'drifting', reason: `'${c.class}' predicted for ${prosePercent(c.predShare)} (true share ${prosePercent(c.trueShare)})` };
  }
  return { status: 'healthy', reason: '' };
}

function deviation(c: ClassShares, eps: number): number {
  return Math.abs(Math.log(ratio(c, eps)));
}

export interface EpochStatus {
  epoch: number;
  status: VerdictStatus;
  /** The class collapsed or drifting onto (the largest predicted / true share), null when healthy. */
  onto: string | null;
  reason: string;
}

/**
 * Status of every epoch. Drifting looks back over the window ending at that epoch (it needs a full
 * window): the class's deviation, signed in the direction of its current mismatch (a class that
 * went from under- to over-predicted got worse, not better), never shrank and ended larger than it
 * started; or it stayed at least severeRatio off over the whole window without clearly recovering.
 * `samples` (per epoch; NaN when unknown) sets the smoothing of empty shares.
 */
export function epochStatuses(shares: ClassShares[][], epochs: number[], samples: number[], th: VerdictThresholds = DEFAULT_THRESHOLDS): EpochStatus[] {
  const out: EpochStatus[] = [];
  const limit = Math.log(th.driftRatio);
  const severe = Math.log(th.severeRatio);
  for (let e = 0; e < shares.length; e++) {
    const cur = shares[e]!;
    const col = checkCollapse(cur, th);
    if (col.collapsed) {
      out.push({ epoch: epochs[e]!, status: 'collapsed', onto: col.onto, reason: col.reason });
      continue;
    }
    const start = e - th.driftWindow + 1;
    let worst: { c: ClassShares; dev: number } | null = null;
    for (const c of start >= 0 ? cur : []) {
      if (c.implicit || c.trueShare <= 0) continue;
      const eps = 0.5 / Math.max(1, Number.isFinite(samples[e]!) ? samples[e]! : 1e6);
      const dev = deviation(c, eps);
      if (!(dev >= limit - 1e-12)) continue;
      const sign = Math.log(ratio(c, eps)) >= 0 ? 1 : -1;
      // signed deviations over the window, oldest first (a class missing from an epoch breaks the window)
      const devs: number[] = [];
      for (let k = start; k <= e; k++) {
        const x = shares[k]!.find((y) => y.class === c.class);
        if (!x) break;
        const epsK = 0.5 / Math.max(1, Number.isFinite(samples[k]!) ? samples[k]! : 1e6);
        devs.push(sign * Math.log(ratio(x, epsK)));
      }
      if (devs.length !== th.driftWindow) continue;
      const worsening = devs.every((d, i) => i === 0 || d >= devs[i - 1]!) && devs[devs.length - 1]! > devs[0]!;
      const sustained = devs.every((d) => d >= severe) && devs[devs.length - 1]! >= devs[0]! * (1 - th.driftTolerance);
      if ((worsening || sustained) && (!worst || dev > worst.dev)) worst = { c, dev };
    }
    if (worst) {
      const r = ratio(worst.c, 0.5 / Math.max(1, Number.isFinite(samples[e]!) ? samples[e]! : 1e6));
      const onto = overPredicted(cur)?.class ?? worst.c.class;
      out.push({
        epoch: epochs[e]!,
        status: 'drifting',
        onto,
        reason: `'${worst.c.class}' is predicted ${r >= 1 ? `${proseTimes(r)} as often as it occurs` : `${proseTimes(1 / r)} less often than it occurs`} (${Number.isFinite(worst.c.predShare) ? `${prosePercent(worst.c.predShare)} vs ${prosePercent(worst.c.trueShare)}` : 'recall / precision'})`,
      });
      continue;
    }
    out.push({ epoch: epochs[e]!, status: 'healthy', onto: null, reason: '' });
  }
  return out;
}

/** Everything the message needs about the loss. */
export interface VerdictContext {
  kind: LossKind;
  /** binary single-logit head, one-vs-rest sigmoid, or softmax. */
  layout: 'binary' | 'multilabel' | 'softmax';
  alpha: number | null;
  alphaVector: number[] | null;
  gamma: number;
  convention: AlphaConvention;
  threshold: number;
  /** The counterfactual at the neutral alpha' (0.5 / all-equal), when probabilities were kept. */
  neutral: WhatIfRow | null;
  /** The neutral alpha' itself, for the message. */
  neutralAlpha: number | number[] | null;
  /** q*(alpha, t) for sigmoid heads: the least local positive share predicted positive (per class for vectors). */
  minShare?: (cls: string) => number | null;
  /** The effective alpha of a sigmoid class (positives' weight). */
  classAlpha?: (cls: string) => number | null;
  /** The label-calibrated estimate at the neutral alpha' (the same alpha as `neutral`). */
  neutralCalibrated?: WhatIfRow | null;
  /** The least local share that wins at the neutral alpha' (sigmoid q*(0.5, t); 0.5 for softmax): the test's threshold. */
  neutralShareThreshold?: number;
  /** The suggestion's alpha and counterfactual row: a class it serves clearly better is under-served now. */
  suggestion?: { alpha: number | number[]; row: WhatIfRow } | null;
}

export interface VerdictResult extends Omit<Verdict, 'perEpoch'> {
  perEpoch: EpochStatus[];
}


export function verdict(epochs: EpochReport[], ctx: VerdictContext, th: VerdictThresholds = DEFAULT_THRESHOLDS): VerdictResult {
  if (epochs.length === 0) {
    return { status: 'healthy', class: null, onsetEpoch: null, alphaDriven: false, message: 'No epochs to judge.', perEpoch: [] };
  }
  const names = binaryNamesOf(epochs[0]!, ctx);
  const shares = epochs.map((e) => epochShares(e, names));
  const statuses = epochStatuses(
    shares,
    epochs.map((e) => e.epoch),
    epochs.map((e) => e.samples),
    th,
  );
  const last = statuses[statuses.length - 1]!;
  const lastShares = shares[shares.length - 1]!;
  if (last.status === 'healthy') {
    const worst = lastShares
      .filter((c) => c.trueShare > 0)
      .map((c) => ({ c, r: ratio(c, 1e-9) }))
      .sort((a, b) => Math.abs(Math.log(b.r)) - Math.abs(Math.log(a.r)))[0];
    const detail = worst
      ? ` The largest mismatch: '${worst.c.class}' predicted for ${prosePercent(worst.c.predShare)} of samples (true share ${prosePercent(worst.c.trueShare)}).`
      : '';
    const atRisk = classesAtRisk(epochs[epochs.length - 1]!, ctx, th);
    return {
      status: 'healthy',
      class: null,
      onsetEpoch: null,
      alphaDriven: false,
      message: [
        `Healthy at epoch ${last.epoch}: no class vanished or took over the predictions, and no predicted share drifts ${th.driftRatio}x away from its true share.${detail}`,
        ...atRisk.map((r) => r.message),
        ruleSentence(ctx, lastShares, null),
      ].join(' ').trim(),
      perEpoch: statuses,
      attribution: null,
      atRisk,
    };
  }
  // onset: the first epoch of the final run of epochs with the verdict's status, onto the same class
  let onsetIdx = statuses.length - 1;
  while (onsetIdx > 0 && statuses[onsetIdx - 1]!.status === last.status && statuses[onsetIdx - 1]!.onto === last.onto) onsetIdx--;
  const onsetEpoch = statuses[onsetIdx]!.epoch;
  const onto = last.onto;
  const ontoShares = lastShares.find((c) => c.class === onto) ?? null;

  const alphaIsNeutral = isNeutralAlpha(ctx);
  const lastEpoch = epochs[epochs.length - 1]!;
  const attribution = ctx.neutral && ontoShares && !alphaIsNeutral ? attribute(last.status, ontoShares, lastShares, lastEpoch, ctx, th) : null;
  const alphaDriven = attribution?.state === 'alpha';

  const parts: string[] = [];
  const head = last.status === 'collapsed' ? `Collapsed onto '${onto}'` : `Drifting onto '${onto}'`;
  parts.push(`${head} (${last.reason}).`);
  if (alphaDriven) parts.push(`Alpha drives it: ${ruleSentence(ctx, lastShares, onto)}`);
  else parts.push(ruleSentence(ctx, lastShares, onto));
  if (ontoShares) {
    parts.push(`From epoch ${onsetEpoch} the model predicts '${onto}' for ${prosePercent(ontoShares.predShare)} of samples (true share ${prosePercent(ontoShares.trueShare)}).`);
  }
  if (attribution) parts.push(attributionSentence(attribution));
  else if (ctx.neutral && ontoShares && ctx.neutralAlpha !== null) {
    const share = rowShares(ctx.neutral, lastShares).find((c) => c.class === onto)?.predShare;
    if (share !== undefined) parts.push(`Alpha is already neutral; at ${describeAlpha(ctx.neutralAlpha)} the counterfactual predicts '${onto}' for ${prosePercent(share)}: look at the features, the learning rate or gamma.`);
  } else if (!ctx.neutral) {
    parts.push('No per-sample probabilities of the last epoch were kept, so the counterfactual at a neutral alpha could not be computed.');
  }
  const vanished = new Set(last.status === 'collapsed' ? lastShares.filter((c) => c.count >= th.minClassCount && c.recall <= th.vanishRecall).map((c) => c.class) : []);
  // a class the collapse already names as vanished is not listed again
  const atRisk = classesAtRisk(lastEpoch, ctx, th).filter((r) => !vanished.has(r.class));
  for (const r of atRisk) parts.push(r.message);
  return {
    status: last.status,
    class: onto,
    onsetEpoch,
    alphaDriven,
    message: parts.join(' '),
    perEpoch: statuses,
    attribution,
    atRisk,
  };
}

/** One estimate of the neutral-alpha run judged like the verdict judges the real one. */
function neutralEstimate(row: WhatIfRow, status: VerdictStatus, onto: ClassShares, reference: ClassShares[], th: VerdictThresholds): NeutralEstimate {
  const shares = rowShares(row, reference);
  const at = shares.find((c) => c.class === onto.class);
  const predShare = at?.predShare ?? 0;
  const collapsed = checkCollapse(shares, th).collapsed;
  // not collapsed where the run collapsed, or the over-predicted class at least halfway back to its true share
  const halfway = Math.abs(predShare - onto.trueShare) <= 0.5 * Math.abs(onto.predShare - onto.trueShare);
  const counted = shares.filter((c) => c.count >= th.minClassCount);
  return {
    predShare,
    minRecall: counted.length ? Math.min(...counted.map((c) => c.recall)) : 0,
    collapsed,
    alphaDriven: (status === 'collapsed' && !collapsed) || halfway,
  };
}

/**
 * Attribution (docs/method.md, "Attribution"): the loss-minimum counterfactual at the neutral alpha
 * decides, unless the labels significantly contradict it on the samples where the label-calibrated
 * estimate decides otherwise: then only retraining can tell, and the state is 'uncertain'.
 */
function attribute(status: VerdictStatus, onto: ClassShares, reference: ClassShares[], epoch: EpochReport, ctx: VerdictContext, th: VerdictThresholds): Attribution {
  const lossMinimum = neutralEstimate(ctx.neutral!, status, onto, reference, th);
  const calibrated = ctx.neutralCalibrated ? neutralEstimate(ctx.neutralCalibrated, status, onto, reference, th) : lossMinimum;
  const disagreementP =
    lossMinimum.alphaDriven !== calibrated.alphaDriven && ctx.neutralCalibrated
      ? disagreementPValue(ctx.neutral!, ctx.neutralCalibrated, reference, epoch.samples, ctx.neutralShareThreshold ?? 0.5, ctx.layout === 'binary')
      : null;
  const uncertain = disagreementP !== null && disagreementP < th.significance;
  const balance = decidingBalance(epoch, onto, reference, ctx);
  const nearMinimum = balance > 0 && balance <= th.minimumBand && balance >= 1 / th.minimumBand;
  const out: Attribution = {
    state: uncertain ? 'uncertain' : lossMinimum.alphaDriven ? 'alpha' : 'not-alpha',
    neutralAlpha: ctx.neutralAlpha ?? 0.5,
    class: onto.class,
    lossMinimum,
    calibrated,
    disagreementP,
    balance,
    nearMinimum,
  };
  if (uncertain) {
    out.settle = `retrain at ${describeAlpha(out.neutralAlpha)}${nearMinimum ? '' : ', and for longer or with a larger learning rate (this run has not reached its loss minimum)'}`;
  }
  return out;
}

/**
 * The G+/G- that tells whether the run sits at its loss minimum for the decision at stake: the class
 * that vanished (collapse) or the class over-predicted (drift).
 */
function decidingBalance(epoch: EpochReport, onto: ClassShares, reference: ClassShares[], ctx: VerdictContext): number {
  const vanished = [...reference].filter((c) => c.class !== onto.class).sort((a, b) => a.recall - b.recall)[0];
  const cls = ctx.layout === 'binary' ? reference[reference.length - 1]!.class : (vanished && vanished.recall <= onto.recall ? vanished.class : onto.class);
  return epoch.perClass.find((c) => c.class === cls)?.balance ?? 1;
}

/**
 * p-value of the labels contradicting the loss-minimum row where the calibrated row decides
 * differently. The two estimators' predicted sets of a class are nested (both are top ranges of the
 * same score for sigmoid; nearly so for softmax), so the samples in between are the count
 * differences, and the calibrated row claims their share of the class is above (more predicted) or
 * below (fewer) the winning share at the neutral alpha. Bonferroni over the classes tested.
 */
export function disagreementPValue(lossMinimum: WhatIfRow, calibrated: WhatIfRow, reference: ClassShares[], samples: number, share: number, binary: boolean): number {
  const tested = binary ? [reference.length - 1] : reference.map((_, i) => i);
  let best = 1;
  for (const i of tested) {
    const ref = reference[i]!;
    const a = lossMinimum.perClass.find((c) => c.class === ref.class);
    const b = calibrated.perClass.find((c) => c.class === ref.class);
    if (!a || !b) continue;
    const dn = Math.round((b.predShare - a.predShare) * samples);
    if (dn === 0) continue;
    const dk = Math.min(Math.abs(dn), Math.max(0, Math.abs(Math.round((b.recall - a.recall) * ref.count))));
    const p = dn > 0 ? binomialTail(dk, dn, share, 'upper') : binomialTail(dk, -dn, share, 'lower');
    best = Math.min(best, p * tested.length);
  }
  return best;
}

function attributionSentence(a: Attribution): string {
  const at = describeAlpha(a.neutralAlpha);
  const both = `'${a.class}' for ${prosePercent(a.lossMinimum.predShare)} (label-calibrated: ${prosePercent(a.calibrated.predShare)})`;
  if (a.state === 'alpha') {
    return a.lossMinimum.collapsed
      ? `At ${at} the counterfactual predicts ${both}: the over-prediction goes, but the run collapses the other way there; alpha moves the errors between the classes rather than removing them.`
      : `At ${at} the counterfactual predicts ${both}.`;
  }
  if (a.state === 'not-alpha') return `At ${at} the counterfactual predicts ${both}: alpha alone does not explain it (look at the features, the learning rate or gamma).`;
  const far = a.nearMinimum ? '' : ` This run is far from its loss minimum (G+/G- ${proseNumber(a.balance >= 10 ? Math.round(a.balance) : a.balance)}), where extrapolating from its probabilities fails.`;
  return (
    `Whether alpha drives it is uncertain: at ${at} the counterfactual from the probabilities predicts '${a.class}' for ${prosePercent(a.lossMinimum.predShare)} ` +
    `(lowest class recall ${proseNumber(a.lossMinimum.minRecall)}); read from the labels, ${prosePercent(a.calibrated.predShare)} (lowest recall ${proseNumber(a.calibrated.minRecall)}); ` +
    `the labels contradict the first (p ${fmtP(a.disagreementP ?? 1)}).${far} To settle it, ${a.settle ?? `retrain at ${at}`}.`
  );
}

/**
 * Classes at risk (docs/method.md, "Classes at risk"): the model misses most of a class
 * (recall below riskRecall), or the suggestion would find clearly more of it (under-served).
 */
export function classesAtRisk(epoch: EpochReport, ctx: Pick<VerdictContext, 'suggestion'>, th: VerdictThresholds = DEFAULT_THRESHOLDS): ClassAtRisk[] {
  const out: ClassAtRisk[] = [];
  for (const c of epoch.perClass) {
    if (c.count < th.minClassCount) continue;
    const reasons: ClassAtRisk['reasons'] = [];
    if (c.recall < th.riskRecall) reasons.push('low-recall');
    const better = ctx.suggestion?.row.perClass.find((x) => x.class === c.class);
    const underServed = better !== undefined && better.recall >= c.recall + th.riskGain;
    if (underServed) reasons.push('under-served');
    if (!reasons.length) continue;
    let message = `'${c.class}' is at risk: the model finds ${prosePercent(c.recall)} of its ${c.count} samples (F1 ${proseNumber(c.f1)})`;
    if (underServed) message += `; ${describeAlpha(ctx.suggestion!.alpha)} would find ${prosePercent(better.recall)} (counterfactual)`;
    const risk: ClassAtRisk = { class: c.class, reasons, recall: c.recall, f1: c.f1, message: `${message}.` };
    if (underServed) {
      risk.betterAlpha = Array.isArray(ctx.suggestion!.alpha) ? ctx.suggestion!.alpha.slice() : ctx.suggestion!.alpha;
      risk.betterRecall = better.recall;
    }
    out.push(risk);
  }
  return out;
}

function fmtP(p: number): string {
  return p < 0.001 ? '< 0.001' : `= ${proseNumber(p)}`;
}

function isNeutralAlpha(ctx: VerdictContext): boolean {
  if (ctx.kind === 'sigmoid') {
    if (ctx.alphaVector) return ctx.alphaVector.every((a) => Math.abs(a - 0.5) < 1e-9);
    return ctx.alpha === null || ctx.alpha < 0 || Math.abs(ctx.alpha - 0.5) < 1e-9 || ctx.convention === 'uniform';
  }
  const v = ctx.alphaVector;
  if (!v || v.length === 0) return ctx.convention === 'uniform' || ctx.alpha === null;
  return v.every((a) => Math.abs(a - v[0]!) < 1e-9);
}

function binaryNamesOf(e: EpochReport, ctx: VerdictContext): [string, string] | undefined {
  if (ctx.layout !== 'binary' || e.perClass.length !== 1) return undefined;
  const pos = e.perClass[0]!.class;
  return [pos === 'positive' ? 'negative' : `not ${pos}`, pos];
}

function describeAlpha(a: number | number[]): string {
  return Array.isArray(a) ? `alpha [${a.map((v) => proseNumber(v)).join(', ')}]` : `alpha ${proseNumber(a)}`;
}

/** The decision rule of section 4 in words, for this alpha and prevalence. */
export function ruleSentence(ctx: VerdictContext, shares: ClassShares[], onto: string | null): string {
  if (ctx.kind === 'sigmoid') {
    // the positive class of interest: the collapsed-onto class, or the binary positive, or the rarest
    let cls: ClassShares | undefined;
    if (ctx.layout === 'binary') cls = shares[shares.length - 1];
    else cls = shares.find((c) => c.class === onto) ?? [...shares].sort((a, b) => a.trueShare - b.trueShare)[0];
    if (!cls) return '';
    const a = ctx.classAlpha?.(cls.class) ?? (ctx.alpha ?? 0.5);
    const q = ctx.minShare?.(cls.class) ?? 1 - a;
    const prev = cls.trueShare;
    const pos = cls.class;
    // a is the positives' weight; the user's scalar differs from it only in the 'negative' convention
    const written = ctx.convention === 'negative' && ctx.alpha !== null ? ctx.alpha : a;
    const conv = ctx.alphaVector ? `alpha for '${pos}' ${proseNumber(a)}` : `alpha ${proseNumber(written)} (${CONVENTION_INFO[ctx.convention].words}: positives x${proseNumber(a)}, negatives x${proseNumber(1 - a)})`;
    let s = `${conv} makes the model say '${pos}' wherever at least ${prosePercent(q)} of similar samples are '${pos}'`;
    if (ctx.threshold !== 0.5) s += ` (at threshold ${proseNumber(ctx.threshold)})`;
    s += `; the prevalence is ${prosePercent(prev)}, so `;
    if (prev > q) s += `samples the features cannot separate are all predicted '${pos}'.`;
    else if (q > 0.5) s += `'${pos}' samples that overlap the others are predicted negative: they must be the majority of their neighbourhood to be found.`;
    else if (q < 2 * prev) s += `samples the features cannot separate sit just below the rule and any region where '${pos}' is even slightly over-represented is predicted '${pos}'.`;
    else s += `samples the features cannot separate are predicted negative, and '${pos}' is predicted only where it is at least ${proseTimes(q / Math.max(prev, 1e-9))} as frequent as overall.`;
    if (Math.abs(a - 0.5) > 1e-9) s += ` (alpha 0.5 is the accuracy rule: more than 50%; alpha ${proseNumber(1 - prev)} = 1 - prevalence is the balanced-accuracy rule.)`;
    return s;
  }
  const v = ctx.alphaVector;
  if (!v || v.length === 0) return 'Alpha weights every class equally: the model predicts the locally most frequent class.';
  const names = shares.map((c) => c.class);
  const target = onto ?? names[v.indexOf(Math.max(...v))] ?? names[0]!;
  const ti = names.indexOf(target);
  const at = v[ti] ?? 1;
  const others = v.filter((_, i) => i !== ti);
  const maxOther = others.length ? Math.max(...others) : at;
  const minOther = others.length ? Math.min(...others) : at;
  const conv = ctx.convention === 'vector' ? `alpha [${v.map(proseNumber).join(', ')}]` : `alpha ${proseNumber(ctx.alpha ?? 0)} (${CONVENTION_INFO[ctx.convention].words}: [${v.map(proseNumber).join(', ')}])`;
  const share = shares[ti]?.trueShare ?? 0;
  return `${conv} makes the model predict the class c with the largest alpha_c x (local share of c): '${target}' (alpha ${proseNumber(at)}) wins wherever its local share is at least ${proseNumber(minOther / at)} to ${proseNumber(maxOther / at)} times that of each other class; its overall share is ${prosePercent(share)}.`;
}
