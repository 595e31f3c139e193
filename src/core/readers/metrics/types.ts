/**
 * What a metric-log reader yields: per-epoch scalars of one run, with the per-class metrics the
 * verdict can judge (recall, precision, F1, AP, support, predicted-positive rate) pulled out of
 * the framework's own key names. No per-sample data: nothing here can be recomputed, only judged.
 */
import type { InputIssue } from '../../report';
import type { FoundSetting } from '../../run/settings';
import type { TrainingFramework } from '../../run/frameworks';

/** One class's metrics at one evaluation (any of them may be missing from a log). */
export interface ClassMetrics {
  recall?: number;
  precision?: number;
  f1?: number;
  /** Average precision, as a fraction (AP x100 logs are divided by 100). */
  ap?: number;
  /** Per-class accuracy (torchmetrics `MulticlassAccuracy(average=None)` is per-class recall). */
  accuracy?: number;
  /** Samples of the class in the evaluated set (sklearn's support). */
  support?: number;
  /** Share of samples predicted as the class. */
  predShare?: number;
  /** Share of samples that are the class. */
  trueShare?: number;
}

export type MetricName = keyof ClassMetrics | 'predPositiveRate';

/** One evaluation (usually one epoch) of the log. */
export interface MetricEpoch {
  /** The epoch (or step / iteration, see MetricLog.epochKey) as the log numbers it. */
  epoch: number;
  /** Training step of the evaluation, when the log says. */
  step?: number;
  /** 1-based line of the evaluation's record (text logs), for evidence. */
  line?: number;
  perClass: Map<string, ClassMetrics>;
  /**
   * Metrics whose key names no class: the positive class of a binary head (Keras' val_recall), or
   * a mean over classes (Ultralytics' metrics/recall(B), then meanOverClasses is set).
   */
  mean?: ClassMetrics;
  meanOverClasses?: boolean;
  /** Binary heads: share of samples predicted positive, when logged. */
  predPositiveRate?: number;
  /** Every other number of the evaluation (losses, mAP, learning rate), by key. */
  scalars: Record<string, number>;
}

/** The framework's key for one metric of one class, e.g. recall of 'pos' -> "val_recall_pos". */
export type MetricKeys = Map<string, string>;

export function metricKeyId(metric: MetricName, cls: string | null): string {
  return cls === null ? metric : `${metric}:${cls}`;
}

export interface MetricLog {
  /** Registry format id. */
  format: string;
  /** Display name of the file. */
  file: string;
  framework: TrainingFramework;
  /** What `epoch` counts. */
  epochKey: 'epoch' | 'step' | 'iteration';
  /** Which split the evaluations come from ('val' unless the log only has training metrics). */
  split: string;
  /** Class names the per-class keys use, in first-seen order. */
  classes: string[];
  /** Evaluations in epoch order. */
  epochs: MetricEpoch[];
  /** Where each metric came from, for evidence (see metricKeyId). */
  keys: MetricKeys;
  /** Loss settings the log itself records (MMDetection 2.x's meta config, Keras' model config). */
  settings: FoundSetting[];
  /** Records that could not be read (kept, counted). */
  issues: InputIssue[];
  skipped: number;
  /** Caveats in words. */
  notes: string[];
  /** TensorBoard PR curves by tag (binary or per class), in epoch order. */
  prCurves?: PrCurveSeries[];
}

/** A PR-curve summary series: a binned probability histogram per evaluation. */
export interface PrCurveSeries {
  tag: string;
  file: string;
  /** The class the curve is for (null: not said; the positive class of a binary head). */
  class: string | null;
  points: Array<{ epoch: number; step: number; numThresholds: number; tp: Float64Array; fp: Float64Array; tn: Float64Array; fn: Float64Array }>;
}
