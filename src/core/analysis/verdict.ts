/**
 * The verdict of focal-math.md section 6: collapsed / drifting / healthy, the class the model
 * collapsed (or drifts) onto, the onset epoch, whether alpha drives it (by the counterfactual at a
 * neutral alpha'), and a plain-language message stating the decision rule of section 4.
 */
import type { AlphaConvention, EpochReport, LossKind, Verdict, VerdictStatus, WhatIfRow } from '../report';
import { CONVENTION_INFO } from '../conventions';

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
      reasons.push(Number.isNaN(c.count) ? `'${c.class}' vanished (recall ${fmtNum(c.recall)})` : `'${c.class}' vanished (recall ${fmtPct(c.recall)} of ${c.count} samples)`);
    }
  }
  for (const c of shares) {
    // NaN shares (unknown) never satisfy these comparisons
    if (c.predShare >= th.dominantShare && c.trueShare <= th.dominantMaxTrueShare) {
      reasons.push(`'${c.class}' takes ${fmtPct(c.predShare)} of predictions (true share ${fmtPct(c.trueShare)})`);
    }
  }
  const collapsed = reasons.length > 0;
  return { collapsed, onto: collapsed ? (overPredicted(shares)?.class ?? null) : null, reason: reasons.join('; ') };
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
        reason: `'${worst.c.class}' is predicted ${r >= 1 ? `${fmtX(r)} as often as it occurs` : `${fmtX(1 / r)} less often than it occurs`} (${Number.isFinite(worst.c.predShare) ? `${fmtPct(worst.c.predShare)} vs ${fmtPct(worst.c.trueShare)}` : 'recall / precision'})`,
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
      ? ` The largest mismatch: '${worst.c.class}' predicted for ${fmtPct(worst.c.predShare)} of samples (true share ${fmtPct(worst.c.trueShare)}).`
      : '';
    return {
      status: 'healthy',
      class: null,
      onsetEpoch: null,
      alphaDriven: false,
      message: `Healthy at epoch ${last.epoch}: no class vanished or took over the predictions, and no predicted share drifts ${th.driftRatio}x away from its true share.${detail} ${ruleSentence(ctx, lastShares, null)}`.trim(),
      perEpoch: statuses,
    };
  }
  // onset: the first epoch of the final run of epochs with the verdict's status, onto the same class
  let onsetIdx = statuses.length - 1;
  while (onsetIdx > 0 && statuses[onsetIdx - 1]!.status === last.status && statuses[onsetIdx - 1]!.onto === last.onto) onsetIdx--;
  const onsetEpoch = statuses[onsetIdx]!.epoch;
  const onto = last.onto;
  const ontoShares = lastShares.find((c) => c.class === onto) ?? null;

  // alpha-driven: the counterfactual at the neutral alpha' is not collapsed, or moves the
  // over-predicted class at least halfway back to its true share
  let alphaDriven = false;
  let neutralShare: number | null = null;
  if (ctx.neutral && ontoShares) {
    const cfShares = rowShares(ctx.neutral, lastShares);
    const cfOnto = cfShares.find((c) => c.class === onto);
    neutralShare = cfOnto?.predShare ?? null;
    const notCollapsed = last.status === 'collapsed' ? !checkCollapse(cfShares, th).collapsed : false;
    const halfway =
      neutralShare !== null && Math.abs(neutralShare - ontoShares.trueShare) <= 0.5 * Math.abs(ontoShares.predShare - ontoShares.trueShare);
    alphaDriven = notCollapsed || halfway;
  }
  const alphaIsNeutral = isNeutralAlpha(ctx);
  if (alphaIsNeutral) alphaDriven = false;

  const parts: string[] = [];
  const head = last.status === 'collapsed' ? `Collapsed onto '${onto}'` : `Drifting onto '${onto}'`;
  parts.push(`${head} (${last.reason}).`);
  if (alphaDriven) parts.push(`Alpha drives it: ${ruleSentence(ctx, lastShares, onto)}`);
  else parts.push(ruleSentence(ctx, lastShares, onto));
  if (ontoShares) {
    parts.push(`From epoch ${onsetEpoch} the model predicts '${onto}' for ${fmtPct(ontoShares.predShare)} of samples (true share ${fmtPct(ontoShares.trueShare)}).`);
  }
  if (neutralShare !== null && ctx.neutralAlpha !== null) {
    parts.push(`At ${describeAlpha(ctx.neutralAlpha)} the counterfactual predicts '${onto}' for ${fmtPct(neutralShare)}${alphaDriven ? '' : ': alpha alone does not explain it (look at the features, the learning rate or gamma)'}.`);
  } else if (!ctx.neutral) {
    parts.push('No per-sample probabilities of the last epoch were kept, so the counterfactual at a neutral alpha could not be computed.');
  }
  return {
    status: last.status,
    class: onto,
    onsetEpoch,
    alphaDriven,
    message: parts.join(' '),
    perEpoch: statuses,
  };
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
  return Array.isArray(a) ? `alpha [${a.map((v) => fmtNum(v)).join(', ')}]` : `alpha ${fmtNum(a)}`;
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
    const conv = ctx.alphaVector ? `alpha for '${pos}' ${fmtNum(a)}` : `alpha ${fmtNum(written)} (${CONVENTION_INFO[ctx.convention].words}: positives x${fmtNum(a)}, negatives x${fmtNum(1 - a)})`;
    let s = `${conv} makes the model say '${pos}' wherever at least ${fmtPct(q)} of similar samples are '${pos}'`;
    if (ctx.threshold !== 0.5) s += ` (at threshold ${fmtNum(ctx.threshold)})`;
    s += `; the prevalence is ${fmtPct(prev)}, so `;
    if (prev > q) s += `samples the features cannot separate are all predicted '${pos}'.`;
    else if (q > 0.5) s += `'${pos}' samples that overlap the others are predicted negative: they must be the majority of their neighbourhood to be found.`;
    else if (q < 2 * prev) s += `samples the features cannot separate sit just below the rule and any region where '${pos}' is even slightly over-represented is predicted '${pos}'.`;
    else s += `samples the features cannot separate are predicted negative, and '${pos}' is predicted only where it is at least ${fmtX(q / Math.max(prev, 1e-9))} as frequent as overall.`;
    if (Math.abs(a - 0.5) > 1e-9) s += ` (alpha 0.5 is the accuracy rule: more than 50%; alpha ${fmtNum(1 - prev)} = 1 - prevalence is the balanced-accuracy rule.)`;
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
  const conv = ctx.convention === 'vector' ? `alpha [${v.map(fmtNum).join(', ')}]` : `alpha ${fmtNum(ctx.alpha ?? 0)} (${CONVENTION_INFO[ctx.convention].words}: [${v.map(fmtNum).join(', ')}])`;
  const share = shares[ti]?.trueShare ?? 0;
  return `${conv} makes the model predict the class c with the largest alpha_c x (local share of c): '${target}' (alpha ${fmtNum(at)}) wins wherever its local share is at least ${fmtNum(minOther / at)} to ${fmtNum(maxOther / at)} times that of each other class; its overall share is ${fmtPct(share)}.`;
}

export function fmtPct(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const p = v * 100;
  if (p > 99 && p < 100) return `${Math.min(99.9, Math.round(p * 10) / 10)}%`;
  if (p === 0 || p >= 10) return `${Math.round(p)}%`;
  if (p >= 1) return `${(Math.round(p * 10) / 10).toString()}%`;
  return `${(Math.round(p * 100) / 100).toString()}%`;
}

export function fmtNum(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return (Math.round(v * 1000) / 1000).toString();
}

function fmtX(v: number): string {
  return `${v >= 10 ? Math.round(v) : Math.round(v * 10) / 10}x`;
}
