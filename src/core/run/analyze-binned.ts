/**
 * A run whose logs hold TensorBoard PR curves but no per-sample dump: each evaluation's curve is a
 * binned probability histogram of the positive class, from which analysis/binned.ts estimates the
 * per-class sigmoid focal loss, weights, gradient masses and a counterfactual. This module finds
 * the curves, names their classes and says what the estimate needs (alpha and gamma).
 */
import { binnedBinaryEpoch, binnedCounterfactual, binnedOneVsRestEpoch, histogramFromCurve, type BinnedApproximation, type BinnedHistogram } from '../analysis/binned';
import type { CounterfactualEngine } from '../analysis/counterfactual';
import { positiveWeightOf } from '../conventions';
import type { AlphaConvention, EpochReport } from '../report';
import type { PrCurveSeries } from '../readers/metrics/types';
import { runClasses } from './observed';
import type { RunContents, RunLog } from './read-run';
import type { chooseSettings } from './settings';

export interface BinnedRun {
  log: RunLog;
  curves: PrCurveSeries[];
  /** binary: [negative, positive]; one-vs-rest: one class a curve. */
  classes: string[];
  layout: 'binary' | 'multilabel';
  epochs: EpochReport[];
  engine: CounterfactualEngine;
  approximation: BinnedApproximation;
  alpha: number | null;
  gamma: number;
  convention: AlphaConvention;
}

/** The class a per-class curve tag names: `pr_curve/car`, `val/pr_curve_2`, `pr_dog`. */
function curveClass(tag: string): string {
  const m = /[/_-]([^/_-]+)$/.exec(tag);
  return m ? m[1]! : tag;
}

/** Curves of several classes named by their tags, as the run's class names where they match. */
function oneVsRestClasses(curves: PrCurveSeries[], names: string[] | null): string[] | null {
  const raw = curves.map((c) => curveClass(c.tag));
  if (new Set(raw).size !== raw.length) return null;
  return raw.map((r) => (names && /^\d+$/.test(r) && names[Number(r)] !== undefined ? names[Number(r)]! : r));
}

/**
 * The binned analysis of the run's PR curves, or why there is none (no curves; curves whose
 * classes cannot be told apart; alpha or gamma unknown; a softmax loss, whose curves are not of
 * sigmoid heads). One curve is a binary head; several are one-vs-rest heads, one class each.
 */
export function binnedRun(run: RunContents, chosen: ReturnType<typeof chooseSettings>): BinnedRun | { reason: string } | null {
  const withCurves = run.logs.find((l) => l.log.prCurves?.some((c) => c.points.length > 0));
  if (!withCurves) return null;
  const curves = withCurves.log.prCurves!.filter((c) => c.points.length > 0);
  const file = withCurves.files[0]!.head.name;
  const alpha = chosen.get('alpha');
  const gamma = chosen.get('gamma');
  const loss = chosen.get('loss');
  if (loss?.value === 'softmax') return { reason: `the run's loss is a softmax focal loss: the PR curves in ${file} are not of sigmoid heads, so they cannot give its focal loss` };
  if (!alpha || !gamma || Array.isArray(alpha.value)) return { reason: `the PR curves in ${file} would give an estimate of the focal loss if the run recorded alpha and gamma${!alpha ? ' (alpha is unknown)' : !gamma ? ' (gamma is unknown)' : ''}` };
  const configNames = (chosen.get('classes')?.value as string[] | undefined) ?? null;
  let classes: string[];
  let layout: BinnedRun['layout'];
  if (curves.length === 1) {
    // the class names of the run's metric log (the curve is the positive class's)
    const metricLog = run.logs.find((l) => l !== withCurves && l.log.classes.length === 2) ?? withCurves;
    const names = runClasses(metricLog.log, configNames).binary;
    classes = names ? [names.negative, names.positive] : ['negative', 'positive'];
    layout = 'binary';
  } else {
    const named = oneVsRestClasses(curves, configNames);
    if (!named) return { reason: `${file} has ${curves.length} PR-curve tags (${curves.map((c) => c.tag).join(', ')}) whose classes cannot be told apart by name` };
    classes = named;
    layout = 'multilabel';
  }
  const convention = (chosen.get('convention')?.value as AlphaConvention | undefined) ?? 'positive';
  const scalar = alpha.value as number | null;
  const weight = scalar === null || scalar < 0 ? null : positiveWeightOf(convention, scalar);
  const loss0 = { alpha: weight, gamma: gamma.value as number, threshold: 0.5 };
  // evaluations every curve has, in epoch order
  const byEpoch = curves.map((c) => new Map(c.points.map((p) => [p.epoch, p])));
  const epochsShared = [...byEpoch[0]!.keys()].filter((e) => byEpoch.every((m) => m.has(e))).sort((a, b) => a - b);
  if (epochsShared.length === 0) return { reason: `the PR curves in ${file} share no evaluation step` };
  const epochs: EpochReport[] = [];
  let heads: BinnedHistogram[] = [];
  let approximation: BinnedApproximation | null = null;
  for (const e of epochsShared) {
    heads = byEpoch.map((m) => histogramFromCurve(m.get(e)!));
    const r = layout === 'binary' ? binnedBinaryEpoch(e, heads[0]!, loss0, classes as [string, string]) : binnedOneVsRestEpoch(e, heads, loss0, classes);
    epochs.push(r.report);
    approximation = r.approximation;
  }
  return {
    log: withCurves,
    curves,
    classes,
    layout,
    epochs,
    engine: binnedCounterfactual(heads, loss0, classes),
    approximation: approximation!,
    alpha: scalar,
    gamma: loss0.gamma,
    convention,
  };
}
