/**
 * The alpha suggestion of focal-math.md section 6: the alpha' on a grid, in the log's convention,
 * that maximises an objective under the counterfactual.
 *
 * Grids: scalar conventions 0.01 to 0.99 by 0.01; vectors alpha_c proportional to s_c^-beta with beta
 * in 0..1 by 0.01. One-vs-rest sigmoid heads with a per-class vector choose each class's alpha
 * independently (every objective is a mean over the classes' own decisions there).
 */
import type { AlphaConvention, LossKind, Objective, Suggestion, WhatIfRow } from '../report';
import { betaGrid, inverseShareVector, rowFromCounts, scalarGrid, type CounterfactualEngine, type SweepFamily } from './counterfactual';

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
}

export interface SuggestionResult extends Suggestion {
  /** The full counterfactual row at the suggested alpha. */
  row: WhatIfRow;
  /** For vectors: the beta of alpha_c proportional to s_c^-beta. */
  beta?: number;
}

/** Candidate alphas of the log's convention (what the grid search walks). */
export function candidateAlphas(ctx: Pick<SuggestionContext, 'kind' | 'convention' | 'trueShares'>): Array<{ alpha: number | number[]; beta?: number }> {
  const vectorish = ctx.convention === 'vector' || (ctx.kind === 'softmax' && ctx.convention === 'uniform');
  if (ctx.kind === 'softmax' && vectorish) {
    return betaGrid().map((beta) => ({ alpha: inverseShareVector(ctx.trueShares, beta), beta }));
  }
  return scalarGrid().map((alpha) => ({ alpha }));
}

/**
 * @param evaluate metrics under an alpha of the log's convention (scalar conventions of a softmax
 *   loss map the scalar to their vector; defaults to engine.evaluate).
 */
export function suggest(engine: CounterfactualEngine, ctx: SuggestionContext, evaluate: (a: number | number[]) => WhatIfRow = (a) => engine.evaluate(a)): SuggestionResult {
  const current = objectiveValue(ctx.observed, ctx.objective);
  let best: { alpha: number | number[]; row: WhatIfRow; value: number; beta?: number } | null = null;
  if (ctx.kind === 'sigmoid' && ctx.layout === 'multilabel' && ctx.convention === 'vector') {
    // per-class independent choice: evaluate every scalar on all columns, keep each column's best
    const grid = scalarGrid();
    const rows = grid.map((a) => engine.evaluate(a));
    const k = engine.classes.length;
    const vec: number[] = [];
    for (let c = 0; c < k; c++) {
      let bi = 0;
      let bv = -Infinity;
      rows.forEach((r, i) => {
        const v = columnObjective(r, c, ctx.objective, engine);
        if (v > bv + 1e-12) {
          bv = v;
          bi = i;
        }
      });
      vec.push(grid[bi]!);
    }
    const row = engine.evaluate(vec);
    best = { alpha: vec, row, value: objectiveValue(row, ctx.objective) };
  } else if (engine.sweep && ctx.kind === 'softmax' && ctx.convention !== 'positive') {
    // one pass over the samples for the whole grid, then the exact row at the winner
    const cands = candidateAlphas(ctx);
    const vectorish = cands[0]!.beta !== undefined;
    const family: SweepFamily = vectorish
      ? { kind: 'beta', logShares: inverseShareVector(ctx.trueShares, 1).map((v) => -Math.log(v)) }
      : { kind: 'class0', sign: ctx.convention === 'class0-complement' ? -1 : 1 };
    const values = cands.map((c) => (vectorish ? c.beta! : (c.alpha as number)));
    const counts = ctx.convention === 'uniform' && !vectorish ? null : engine.sweep(family, values);
    let bi = 0;
    let bv = -Infinity;
    cands.forEach((cand, i) => {
      const v = counts ? objectiveValue(rowFromCounts(cand.alpha, engine.classes, counts[i]!, false), ctx.objective) : -i;
      if (v > bv + 1e-12) {
        bv = v;
        bi = i;
      }
    });
    const cand = cands[bi]!;
    const row = evaluate(cand.alpha);
    best = { alpha: cand.alpha, row, value: objectiveValue(row, ctx.objective), ...(cand.beta !== undefined ? { beta: cand.beta } : {}) };
  } else {
    for (const cand of candidateAlphas(ctx)) {
      const row = evaluate(cand.alpha);
      const value = objectiveValue(row, ctx.objective);
      // strict improvement keeps the first (smallest alpha / beta) of ties
      if (!best || value > best.value + 1e-12) best = { alpha: cand.alpha, row, value, ...(cand.beta !== undefined ? { beta: cand.beta } : {}) };
    }
  }
  const b = best!;
  const out: SuggestionResult = { objective: ctx.objective, alpha: b.alpha, current, expected: b.value, row: { ...b.row, label: 'suggested' } };
  if (b.beta !== undefined) out.beta = b.beta;
  return out;
}

/** One column's share of a one-vs-rest objective (classes are judged independently). */
function columnObjective(row: WhatIfRow, c: number, objective: Objective, engine: CounterfactualEngine): number {
  const pc = row.perClass[c]!;
  if (objective === 'macro-f1') return pc.f1;
  const counts = engine.counts(row.alpha);
  const rows = counts.total / engine.classes.length;
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
