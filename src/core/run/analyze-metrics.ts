/**
 * The report of a run without per-sample predictions: the verdict judged from its best metric log,
 * the other logs checked against it, the loss settings from its configs (or unknown), and what
 * could not be computed with the way to get it.
 */
import type { AlphaConvention, AnalysisReport, InputSource, LossKind, ReportLimits } from '../report';
import type { VerdictThresholds } from '../analysis/verdict';
import { conventionVector } from '../analysis/counterfactual';
import { CONVENTION_INFO, positiveWeightOf } from '../conventions';
import { FRAMEWORK_LABELS, type TrainingFramework } from './frameworks';
import { dumpSnippet } from '../dump-snippets';
import { metricVerdict, type MetricLossSettings } from './metric-verdict';
import { observedSeries, runClasses } from './observed';
import { evidenceRank, originWords, runIssues, type RunContents, type RunLog } from './read-run';
import { chooseSettings, type FoundSetting } from './settings';

export interface MetricRunOptions {
  /** Settings the user gave (flags, answers), as found settings with their origins. */
  given: FoundSetting[];
  /** Where `pip install` finds the focal_lens package (the python/ folder beside the CLI), for the dump snippet. */
  pythonPackage?: string;
  thresholds: VerdictThresholds;
  notes: string[];
}

const CANNOT_COMPUTE = [
  'the per-class focal loss and its gradient masses G+ / G- (the effective positive and negative weights)',
  'the balance of each class and its alpha, count and gamma factors',
  'what another alpha would have done (the counterfactual) and a suggested alpha',
];

/** The run's loss settings as the metric verdict needs them; `unknown` lists what no source gave. */
export function metricLossSettings(chosen: ReturnType<typeof chooseSettings>, classes: string[], negative: string | null): { settings: MetricLossSettings; unknown: Array<'alpha' | 'gamma' | 'convention'> } {
  const alphaS = chosen.get('alpha');
  const gammaS = chosen.get('gamma');
  const convS = chosen.get('convention');
  const lossS = chosen.get('loss');
  const unknown: Array<'alpha' | 'gamma' | 'convention'> = [];
  const alpha = alphaS ? (alphaS.value as number | number[] | null) : undefined;
  let convention = convS ? (convS.value as AlphaConvention) : undefined;
  let kind: LossKind = (lossS?.value as LossKind | undefined) ?? (convention && !CONVENTION_INFO[convention].kinds.includes('sigmoid') ? 'softmax' : 'sigmoid');
  if (convention && !CONVENTION_INFO[convention].kinds.includes(kind)) kind = 'softmax';
  if (alpha === undefined) unknown.push('alpha');
  if (!gammaS) unknown.push('gamma');
  if (Array.isArray(alpha)) convention = 'vector';
  if (convention === undefined) {
    // a scalar of a sigmoid head reads as the positives' weight (what every sigmoid library does)
    if (kind === 'sigmoid' || alpha === undefined || alpha === null) convention = 'positive';
    else unknown.push('convention');
  }
  const conv = convention ?? 'positive';
  let classWeight: MetricLossSettings['classWeight'] = null;
  if (alpha !== undefined && !unknown.includes('convention')) {
    if (kind === 'softmax') {
      const C = classes.length;
      const vec = alpha === null ? new Array<number>(C).fill(1) : Array.isArray(alpha) ? alpha : conventionVector(conv, alpha, C);
      classWeight = (cls) => vec[classes.indexOf(cls)] ?? null;
    } else {
      const a = alpha === null ? 0.5 : Array.isArray(alpha) ? null : alpha < 0 ? 0.5 : positiveWeightOf(conv, alpha);
      classWeight = (cls) => {
        if (Array.isArray(alpha)) return alpha[classes.indexOf(cls)] ?? null;
        if (a === null) return null;
        return cls === negative ? 1 - a : a;
      };
    }
  }
  return {
    settings: {
      kind,
      classWeight,
      alpha: typeof alpha === 'number' ? alpha : null,
      alphaVector: Array.isArray(alpha) ? alpha : null,
      gamma: gammaS ? (gammaS.value as number) : null,
      convention: conv,
      alphaKnown: alpha !== undefined && !unknown.includes('convention'),
    },
    unknown,
  };
}

function describeVerdict(v: { status: string; class: string | null; onsetEpoch: number | null }): string {
  return v.status === 'healthy' ? 'healthy' : `${v.status} onto '${v.class}' since evaluation ${v.onsetEpoch}`;
}

/**
 * The framework that trained the run: the primary log's writer, except that TensorBoard files are
 * written by many (Lightning's hparams.yaml beside them says Lightning; a Keras logs/ layout, Keras).
 */
function runFramework(run: RunContents, fromLog: TrainingFramework): TrainingFramework {
  if (run.logs.some((l) => l.log.format === 'lightning-csv') || run.configSources.some((c) => c.format === 'lightning-hparams')) return 'lightning';
  const other = run.logs.find((l) => l.log.format !== 'tensorboard');
  return other ? other.log.framework : fromLog;
}

/** Pick the log with the richest per-class evidence (ties: the shallower file). */
export function primaryLog(logs: RunLog[]): RunLog {
  return [...logs].sort((a, b) => evidenceRank(b.log) - evidenceRank(a.log) || a.files[0]!.head.name.split('/').length - b.files[0]!.head.name.split('/').length)[0]!;
}

/** The verdict of one metric log on its own (how the run's other logs are checked against the report's). */
export function logVerdict(l: RunLog, chosen: ReturnType<typeof chooseSettings>, th: VerdictThresholds): { verdict: ReturnType<typeof metricVerdict>; evaluations: number } {
  const classes = runClasses(l.log, (chosen.get('classes')?.value as string[] | undefined) ?? null);
  const series = observedSeries(l.log, classes);
  return { verdict: metricVerdict(l.log, series, classes, metricLossSettings(chosen, classes.names, classes.binary?.negative ?? null).settings, th), evaluations: series.epochs.length };
}

/** Each metric log of the run (but `except`) judged on its own: does it agree with the report's verdict? */
export function corroborate(run: RunContents, chosen: ReturnType<typeof chooseSettings>, th: VerdictThresholds, verdict: { status: string; class: string | null }, except?: RunLog): InputSource[] {
  return run.logs
    .filter((l) => l !== except)
    .map((l) => {
      const { verdict: v, evaluations } = logVerdict(l, chosen, th);
      const same = v.status === verdict.status && (v.status === 'healthy' || v.class === verdict.class);
      return {
        file: l.files.map((f) => f.head.name).join(', '),
        format: l.log.format,
        label: l.files[0]!.format.label,
        role: 'metrics' as const,
        used: evaluations ? `${same ? 'agrees' : 'differs'}: ${describeVerdict(v)}` : 'no per-class metrics',
      };
    });
}

export function analyzeMetricRun(run: RunContents, opts: MetricRunOptions): AnalysisReport {
  const primary = primaryLog(run.logs);
  const chosen = chooseSettings([...opts.given, ...run.settings]);
  const configClasses = (chosen.get('classes')?.value as string[] | undefined) ?? null;
  const classes = runClasses(primary.log, configClasses);
  const { settings, unknown } = metricLossSettings(chosen, classes.names, classes.binary?.negative ?? null);
  const series = observedSeries(primary.log, classes);
  const verdict = metricVerdict(primary.log, series, classes, settings, opts.thresholds);
  const sources: InputSource[] = [
    { file: primary.files.map((f) => f.head.name).join(', '), format: primary.log.format, label: primary.files[0]!.format.label, role: 'metrics', used: `the verdict (${series.epochs.length} evaluations)` },
    ...corroborate(run, chosen, opts.thresholds, verdict, primary),
  ];
  sources.push(...run.configSources);
  for (const d of run.scan.duplicates) sources.push({ file: d.file, format: 'duplicate', label: 'duplicate', role: 'config', used: `same content as ${d.sameAs}: read once` });
  const framework = runFramework(run, primary.log.framework);
  const snippet = dumpSnippet(framework, {
    ...(settings.alphaKnown ? { alpha: settings.alphaVector ?? settings.alpha } : {}),
    ...(settings.gamma !== null ? { gamma: settings.gamma } : {}),
    ...(settings.alphaKnown ? { convention: settings.convention } : {}),
    loss: settings.kind,
    classes: classes.names.filter((c) => c !== classes.implicit),
  }, opts.pythonPackage ? { packageSource: opts.pythonPackage } : {});
  const limits: ReportLimits = {
    judgedFrom: `${primary.files.map((f) => f.head.name).join(', ')}: ${primary.log.split} metrics logged by ${FRAMEWORK_LABELS[framework]}`,
    cannotCompute: CANNOT_COMPUTE,
    howTo: { framework, ...snippet },
  };
  const notes = [...opts.notes, ...primary.log.notes];
  const bad = runIssues(run);
  const origin = originWords(chosen);
  const report: AnalysisReport = {
    backend: null,
    basis: 'metrics',
    input: {
      files: run.logs.flatMap((l) => l.files.map((f) => f.head.name)),
      format: primary.log.format,
      samples: 0,
      epochs: series.epochs.length,
      ...(bad ?? {}),
      ...(run.scan.root !== null ? { run: run.scan.root } : {}),
      sources,
    },
    loss: {
      kind: settings.kind,
      alpha: settings.alpha,
      alphaVector: settings.alphaVector,
      gamma: settings.gamma,
      convention: settings.convention,
      threshold: 0.5,
      ...(unknown.length ? { unknown } : {}),
      ...(Object.keys(origin).length ? { origin } : {}),
    },
    classes: classes.names,
    epochs: [],
    verdict,
    whatIf: [],
    suggestion: null,
    counterfactualEpoch: null,
    observed: { file: primary.log.file, format: primary.log.format, split: primary.log.split, epochKey: primary.log.epochKey, derived: series.derived, epochs: series.observed },
    limits,
  };
  if (notes.length) report.notes = notes;
  return report;
}
