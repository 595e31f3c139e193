/**
 * The alpha suggestion (docs/method.md, "Suggestion"): the alpha' on a grid, in the log's
 * convention, that maximises an objective under the counterfactual, among the alphas the
 * counterfactual judges neither collapsed nor drifting. When none of those beats the trivial
 * classifier (the majority class for every sample), there is no suggestion: no alpha makes the
 * model separate the classes.
 *
 * Grids: scalar conventions 0.01 to 0.99 by 0.01; vectors alpha_c proportional to s_c^-beta with beta
 * in 0..1 by 0.01. One-vs-rest sigmoid heads with a per-class vector choose each class's alpha
 * independently (every objective is a mean over the classes' own decisions there).
 */
import type { AlphaConvention, LossKind, Objective, Suggestion, WhatIfRow } from '../report';
import {
  betaGrid,
  inverseShareVector,
  rowFromCounts,
  scalarGrid,
  type CounterfactualCounts,
  type CounterfactualEngine,
  type SweepFamily,
} from './counterfactual';
import { DEFAULT_THRESHOLDS, rowShares, staticStatus, type ClassShares, type VerdictThresholds } from './verdict';

export function objectiveValue(row: WhatIfRow, objective: Objective): number {
  switch (objective) {
    case 'balanced-accuracy':
      return row.balancedAccuracy;
    case 'accuracy':
      return row.accuracy;
    default:
      return row.macroF1;
  }
}

export interface SuggestionContext {
  kind: LossKind;
  layout: 'binary' | 'multilabel' | 'softmax';
  convention: AlphaConvention;
  /** True shares of the engine's classes (for the s_c^-beta vectors). */
  trueShares: number[];
  objective: Objective;
  /** The run as it was (observed predictions): gives `current`. */
  observed: WhatIfRow;
  /** Counts and true shares of the engine's classes at the last epoch: what candidates are judged against. */
  reference: ClassShares[];
  thresholds?: VerdictThresholds;
  /** The label-calibrated row under an alpha of the log's convention. */
  calibrated?: (a: number | number[]) => WhatIfRow;
  /** Compute the calibrated rows of several alphas together (softmax: one pass over the samples instead of one each). */
  prefetchCalibrated?: (alphas: Array<number | number[]>) => void;
  /** The same for `evaluate`'s rows (when it caches them). */
  prefetchExact?: (alphas: Array<number | number[]>) => void;
}

export interface SuggestionResult extends Suggestion {
  /** The full counterfactual row at the suggested alpha. */
  row: WhatIfRow;
  /** For vectors: the beta of alpha_c proportional to s_c^-beta. */
  beta?: number;
}

export interface SuggestionOutcome {
  /** null when no alpha passes the guards. */
  suggestion: SuggestionResult | null;
  /**
   * Why there is none: no-separation (no alpha that neither estimate judges collapsed or drifting
   * beats the trivial classifier), unstable (some do, but none whose neighbours do too),
   * estimates-disagree (none by the probabilities, some by the labels); null when suggested.
   */
  reason: 'no-separation' | 'unstable' | 'estimates-disagree' | null;
  /** Grid alphas the loss-minimum counterfactual judges collapsed or drifting. */
  excluded: number;
  /** The objective of predicting the majority class for every sample. */
  trivial: number;
  /** No suggestion, scalar grids: the lowest and highest alpha that passes the status guard and beats the trivial classifier. */
  band?: [number, number];
  /** unstable: the best objective among those alphas (for the message: how much is at stake). */
  bestUnstable?: number;
}

/**
 * Robustness margin of a suggestion: its neighbours at alpha odds x/÷ e^MARGIN (beta +/- MARGIN/5
 * for vectors) must pass the status guard too. On the retrained suite the outcome jumps from
 * collapsed to drifting within such a step near 1 - prevalence; see docs/method.md, "Suggestion".
 */
export const SUGGESTION_MARGIN = 0.5;

/** Candidate alphas of the log's convention (what the grid search walks). */
export function candidateAlphas(ctx: Pick<SuggestionContext, 'kind' | 'convention' | 'trueShares'>): Array<{ alpha: number | number[]; beta?: number }> {
  const vectorish = ctx.convention === 'vector' || (ctx.kind === 'softmax' && ctx.convention === 'uniform');
  if (ctx.kind === 'softmax' && vectorish) {
    return betaGrid().map((beta) => ({ alpha: inverseShareVector(ctx.trueShares, beta), beta }));
  }
  return scalarGrid().map((alpha) => ({ alpha }));
}

/** Predicting the majority class for every sample (one-vs-rest: predicting no column). */
function trivialRow(engine: CounterfactualEngine, observed: WhatIfRow): WhatIfRow {
  const c = engine.trueCounts();
  const predicted = new Float64Array(c.count.length);
  const tp = new Float64Array(c.count.length);
  if (!engine.oneVsRest) {
    let major = 0;
    c.count.forEach((n, i) => {
      if (n > c.count[major]!) major = i;
    });
    predicted[major] = c.total;
    tp[major] = c.count[major]!;
  }
  return rowFromCounts(observed.alpha, engine.classes, { count: c.count, predicted, tp, total: c.total }, engine.oneVsRest);
}

interface Candidate {
  alpha: number | number[];
  beta?: number;
  value: number;
  row: WhatIfRow;
}

/** The alphas around a candidate that must pass the guard too. */
function neighbours(c: Pick<Candidate, 'alpha' | 'beta'>, trueShares: number[]): Array<number | number[]> {
  if (c.beta !== undefined) {
    return [c.beta - SUGGESTION_MARGIN / 5, c.beta + SUGGESTION_MARGIN / 5].filter((b) => b >= 0 && b <= 1).map((b) => inverseShareVector(trueShares, b));
  }
  if (Array.isArray(c.alpha)) return [];
  const l = Math.log(c.alpha / (1 - c.alpha));
  return [l - SUGGESTION_MARGIN, l + SUGGESTION_MARGIN].map((v) => 1 / (1 + Math.exp(-v)));
}

/**
 * @param evaluate metrics under an alpha of the log's convention (scalar conventions of a softmax
 *   loss map the scalar to their vector; defaults to engine.evaluate).
 */
export function suggest(engine: CounterfactualEngine, ctx: SuggestionContext, evaluate: (a: number | number[]) => WhatIfRow = (a) => engine.evaluate(a)): SuggestionOutcome {
  const th = ctx.thresholds ?? DEFAULT_THRESHOLDS;
  const current = objectiveValue(ctx.observed, ctx.objective);
  const trivial = objectiveValue(trivialRow(engine, ctx.observed), ctx.objective);
  const healthy = (row: WhatIfRow): boolean => staticStatus(rowShares(row, ctx.reference), th).status === 'healthy';
  const calibrated = ctx.calibrated ?? ((a: number | number[]) => engine.evaluateCalibrated(a));

  if (ctx.kind === 'sigmoid' && ctx.layout === 'multilabel' && ctx.convention === 'vector') return perColumn(engine, ctx, th, current, trivial);

  let candidates: Candidate[];
  if (engine.sweep && ctx.kind === 'softmax') {
    // one pass over the samples for the whole grid; rows come from the counts
    const cands = candidateAlphas(ctx);
    const vectorish = cands[0]!.beta !== undefined;
    const family: SweepFamily = vectorish
      ? { kind: 'beta', logShares: inverseShareVector(ctx.trueShares, 1).map((v) => -Math.log(v)) }
      : { kind: 'class0', sign: ctx.convention === 'class0-complement' ? -1 : 1 };
    const counts = engine.sweep(family, cands.map((c) => (vectorish ? c.beta! : (c.alpha as number))));
    candidates = cands.map((cand, i) => {
      const row = rowFromCounts(cand.alpha, engine.classes, counts[i]!, false);
      return { ...cand, value: objectiveValue(row, ctx.objective), row };
    });
  } else {
    candidates = candidateAlphas(ctx).map((cand) => {
      const row = evaluate(cand.alpha);
      return { ...cand, value: objectiveValue(row, ctx.objective), row };
    });
  }
  const excluded = candidates.filter((c) => !healthy(c.row)).length;
  // The guard: neither the loss-minimum estimate nor the label-calibrated one judges the alpha
  // collapsed or drifting (the calibrated rows cost a pass over the samples each: only on demand).
  // a neighbour on the grid (beta +/- 0.1) reuses the grid's row
  const gridRow = (a: number | number[]): WhatIfRow | undefined => candidates.find((c) => JSON.stringify(c.alpha) === JSON.stringify(a))?.row;
  const passes = (a: number | number[], row?: WhatIfRow): boolean => healthy(row ?? gridRow(a) ?? evaluate(a)) && healthy(calibrated(a));
  // best first; ties keep grid order (the smallest alpha / beta); the first that passes with its
  // neighbours wins, so the costly calibrated rows are computed only down to it
  const ranked = candidates.map((c, i) => ({ c, i })).sort((a, b) => b.c.value - a.c.value || a.i - b.i).map((x) => x.c);
  const beating: Candidate[] = [];
  let best: Candidate | undefined;
  for (const c of ranked) {
    if (!(c.value > trivial + 1e-12) || !healthy(c.row)) continue;
    const around = neighbours(c, ctx.trueShares);
    ctx.prefetchCalibrated?.([c.alpha, ...around]);
    // the winner's exact row (below) and the neighbours off the grid, in the same pass
    ctx.prefetchExact?.([c.alpha, ...around.filter((n) => !gridRow(n))]);
    if (!passes(c.alpha, c.row)) continue;
    beating.push(c);
    if (around.every((n) => passes(n))) {
      best = c;
      break;
    }
  }
  const band = best ? undefined : bandOf(beating);
  if (!best) {
    let reason: SuggestionOutcome['reason'] = beating.length ? 'unstable' : 'no-separation';
    let outBand = band;
    if (!beating.length) {
      // the probabilities see no alpha; do the labels, with a stable one? (a run far from its loss minimum)
      const byLabels = (a: number | number[]): boolean => {
        const row = calibrated(a);
        return objectiveValue(row, ctx.objective) > trivial + 1e-12 && healthy(row);
      };
      const labelled = candidates.filter((c) => byLabels(c.alpha));
      if (labelled.some((c) => neighbours(c, ctx.trueShares).every((n) => healthy(calibrated(n))))) {
        reason = 'estimates-disagree';
        outBand = bandOf(labelled);
      }
    }
    const out: SuggestionOutcome = { suggestion: null, reason, excluded, trivial };
    if (outBand) out.band = outBand;
    if (beating.length) out.bestUnstable = beating[0]!.value;
    return out;
  }
  // the exact row at the winner (the sweep's counts are exact too, but evaluate() labels it)
  const row = evaluate(best.alpha);
  const out: SuggestionResult = { objective: ctx.objective, alpha: best.alpha, current, expected: objectiveValue(row, ctx.objective), row: { ...row, label: 'suggested' } };
  if (best.beta !== undefined) out.beta = best.beta;
  return { suggestion: out, reason: null, excluded, trivial };
}

function bandOf(cands: Array<Pick<Candidate, 'alpha'>>): [number, number] | undefined {
  const scalars = cands.map((c) => c.alpha).filter((a): a is number => typeof a === 'number');
  return scalars.length ? [Math.min(...scalars), Math.max(...scalars)] : undefined;
}

/**
 * One-vs-rest heads with a vector: each column's best alpha under the same guard (both estimates
 * healthy for that column, at the alpha and its neighbours); a column without one keeps its logged alpha.
 */
function perColumn(engine: CounterfactualEngine, ctx: SuggestionContext, th: VerdictThresholds, current: number, trivial: number): SuggestionOutcome {
  const grid = scalarGrid();
  const counts = grid.map((a) => engine.counts(a));
  const rows = counts.map((c, i) => rowFromCounts(grid[i]!, engine.classes, c, true));
  const calibrated = new Map<number, WhatIfRow>();
  const cal = (a: number): WhatIfRow => {
    let row = calibrated.get(a);
    if (!row) calibrated.set(a, (row = engine.evaluateCalibrated(a)));
    return row;
  };
  const columnHealthy = (row: WhatIfRow, c: number): boolean => {
    const pc = row.perClass[c]!;
    return staticStatus([{ ...ctx.reference[c]!, predShare: pc.predShare, recall: pc.recall }], th).status === 'healthy';
  };
  const passes = (a: number, c: number, row?: WhatIfRow): boolean => columnHealthy(row ?? engine.evaluate(a), c) && columnHealthy(cal(a), c);
  const logged = ctx.observed.alpha;
  const vec: number[] = [];
  let excluded = 0;
  let chosen = 0;
  let unstable = false;
  for (let c = 0; c < engine.classes.length; c++) {
    const order = rows
      .map((r, i) => ({ i, v: columnObjective(counts[i]!, r, c, ctx.objective, engine.classes.length) }))
      .sort((a, b) => b.v - a.v || a.i - b.i);
    excluded += rows.filter((r) => !columnHealthy(r, c)).length;
    const passing = order.filter(({ i }) => passes(grid[i]!, c, rows[i]));
    const pick = passing.find(({ i }) => neighbours({ alpha: grid[i]! }, ctx.trueShares).every((n) => passes(n as number, c)));
    if (pick) chosen++;
    else if (passing.length) unstable = true;
    vec.push(pick ? grid[pick.i]! : Array.isArray(logged) ? (logged[c] ?? 0.5) : logged);
  }
  const row = chosen ? engine.evaluate(vec) : null;
  if (!row || objectiveValue(row, ctx.objective) <= trivial + 1e-12) return { suggestion: null, reason: !chosen && unstable ? 'unstable' : 'no-separation', excluded, trivial };
  return { suggestion: { objective: ctx.objective, alpha: vec, current, expected: objectiveValue(row, ctx.objective), row: { ...row, label: 'suggested' } }, reason: null, excluded, trivial };
}

/** One column's share of a one-vs-rest objective (classes are judged independently). */
function columnObjective(counts: CounterfactualCounts, row: WhatIfRow, c: number, objective: Objective, k: number): number {
  const pc = row.perClass[c]!;
  if (objective === 'macro-f1') return pc.f1;
  const rows = counts.total / k;
  const n = counts.count[c]!;
  const tp = counts.tp[c]!;
  const pred = counts.predicted[c]!;
  const neg = rows - n;
  const tn = neg - (pred - tp);
  if (objective === 'accuracy') return rows > 0 ? (tp + tn) / rows : 0;
  const tpr = n > 0 ? tp / n : 0;
  const tnr = neg > 0 ? tn / neg : 0;
  return n > 0 && neg > 0 ? (tpr + tnr) / 2 : n > 0 ? tpr : tnr;
}
