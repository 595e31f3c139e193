/**
 * A run whose logs hold TensorBoard PR curves but no per-sample dump: each evaluation's curve is a
 * binned probability histogram of the positive class, from which analysis/binned.ts estimates the
 * per-class sigmoid focal loss, weights, gradient masses and a counterfactual. This module finds
 * the curves, names their classes and says what the estimate needs (alpha and gamma).
 */
import { binnedBinaryEpoch, binnedCounterfactual, histogramFromCurve, type BinnedApproximation, type BinnedHistogram } from '../analysis/binned';
import type { CounterfactualEngine } from '../analysis/counterfactual';
import { positiveWeightOf } from '../conventions';
import type { AlphaConvention, EpochReport } from '../report';
import type { PrCurveSeries } from '../readers/metrics/types';
import { runClasses } from './observed';
import type { RunContents, RunLog } from './read-run';
import type { chooseSettings } from './settings';

export interface BinnedRun {
  log: RunLog;
  curve: PrCurveSeries;
  classes: [string, string];
  epochs: EpochReport[];
  engine: CounterfactualEngine;
  approximation: BinnedApproximation;
  alpha: number | null;
  gamma: number;
  convention: AlphaConvention;
}

/**
 * The binned analysis of the run's PR curves, or why there is none (no curves; curves of several
 * classes this reader cannot attribute; alpha or gamma unknown; a softmax loss, whose curves are
 * not of sigmoid heads).
 */
export function binnedRun(run: RunContents, chosen: ReturnType<typeof chooseSettings>): BinnedRun | { reason: string } | null {
  const withCurves = run.logs.find((l) => l.log.prCurves?.some((c) => c.points.length > 0));
  if (!withCurves) return null;
  const curves = withCurves.log.prCurves!.filter((c) => c.points.length > 0);
  const file = withCurves.files[0]!.head.name;
  if (curves.length !== 1) return { reason: `${file} has ${curves.length} PR-curve tags (${curves.map((c) => c.tag).join(', ')}); only a binary head's single curve is estimated from` };
  const alpha = chosen.get('alpha');
  const gamma = chosen.get('gamma');
  const loss = chosen.get('loss');
  if (loss?.value === 'softmax') return { reason: `the run's loss is a softmax focal loss: the PR curves in ${file} are not of sigmoid heads, so they cannot give its focal loss` };
  if (!alpha || !gamma || Array.isArray(alpha.value)) return { reason: `the PR curves in ${file} would give an estimate of the focal loss if the run recorded alpha and gamma${!alpha ? ' (alpha is unknown)' : !gamma ? ' (gamma is unknown)' : ''}` };
  const convention = (chosen.get('convention')?.value as AlphaConvention | undefined) ?? 'positive';
  const scalar = alpha.value as number | null;
  const weight = scalar === null || scalar < 0 ? null : positiveWeightOf(convention, scalar);
  const g = gamma.value as number;
  // the class names of the run's metric log (the curve is the positive class's)
  const metricLog = run.logs.find((l) => l !== withCurves && l.log.classes.length === 2) ?? withCurves;
  const names = runClasses(metricLog.log, (chosen.get('classes')?.value as string[] | undefined) ?? null).binary;
  const classes: [string, string] = names ? [names.negative, names.positive] : ['negative', 'positive'];
  const curve = curves[0]!;
  const loss0 = { alpha: weight, gamma: g, threshold: 0.5 };
  let last: { hist: BinnedHistogram; approximation: BinnedApproximation } | null = null;
  const epochs: EpochReport[] = [];
  for (const p of [...curve.points].sort((a, b) => a.epoch - b.epoch)) {
    const hist = histogramFromCurve(p);
    const e = binnedBinaryEpoch(p.epoch, hist, loss0, classes);
    epochs.push(e.report);
    last = { hist, approximation: e.approximation };
  }
  return {
    log: withCurves,
    curve,
    classes,
    epochs,
    engine: binnedCounterfactual([last!.hist], loss0, classes),
    approximation: last!.approximation,
    alpha: scalar,
    gamma: g,
    convention,
  };
}
