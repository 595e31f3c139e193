/**
 * A run without a prediction dump: from TensorBoard PR curves when it has them and records alpha
 * and gamma (an estimate from binned probabilities), else judged from its metric logs alone.
 */
import type { AnalysisReport } from '../report';
import type { VerdictThresholds } from '../analysis/verdict';
import { positiveWeightOf } from '../conventions';
import { InputError } from '../readers/errors';
import { binnedRun } from '../run/analyze-binned';
import { analyzeMetricRun, corroborate } from '../run/analyze-metrics';
import { originWords, runIssues, type RunContents } from '../run/read-run';
import { chooseSettings, type FoundSetting } from '../run/settings';
import { judgeRun, reportedVerdict } from './judge';
import type { AnalyzeOptions, AnalyzeProgress } from './options';
import type { Resolved } from './settings';

export async function analyzeWithoutDump(opts: AnalyzeOptions, run: RunContents, given: FoundSetting[], th: VerdictThresholds, progress: (e: AnalyzeProgress) => void): Promise<AnalysisReport> {
  const where = run.scan.root ?? opts.paths[0]!;
  if (run.logs.length === 0) {
    const configs = run.configSources.map((c) => c.file);
    throw new InputError({ file: where }, `no prediction dump or metric log here${configs.length ? `, only configs (${configs.join(', ')})` : ''}: give the run's logs or a prediction dump`, 'unsupported');
  }
  const chosen = chooseSettings([...given, ...run.settings]);
  const notes: string[] = [];
  const binned = binnedRun(run, chosen);
  if (binned && 'reason' in binned) notes.push(`No estimate of the focal loss from PR curves: ${binned.reason}.`);
  if (!binned || 'reason' in binned) {
    const report = analyzeMetricRun(run, { given, thresholds: th, notes, ...(opts.pythonPackage ? { pythonPackage: opts.pythonPackage } : {}) });
    progress({ phase: 'done', fraction: 1, message: `verdict: ${report.verdict.status}` });
    return report;
  }
  const weight = binned.alpha === null || binned.alpha < 0 ? null : positiveWeightOf(binned.convention, binned.alpha);
  const heads = binned.layout === 'binary' ? 1 : binned.classes.length;
  const resolved: Resolved = {
    loss: { kind: 'sigmoid', gamma: binned.gamma, classAlpha: weight === null ? null : new Array<number>(heads).fill(weight), threshold: 0.5, numClasses: heads },
    kind: 'sigmoid',
    layout: binned.layout,
    convention: binned.convention,
    alphaScalar: binned.alpha,
    alphaVector: null,
  };
  const { whatIf, suggestion, suggestionDetail, verdict: v, explanation, ranking } = judgeRun({ epochs: binned.epochs, engine: binned.engine, resolved, opts, thresholds: th, classes: binned.classes });
  const curveFile = binned.log.files.map((f) => f.head.name).join(', ');
  const last = binned.epochs[binned.epochs.length - 1]!;
  notes.push(binned.approximation.note);
  const report: AnalysisReport = {
    backend: null,
    basis: 'pr-curves',
    input: {
      files: run.logs.flatMap((l) => l.files.map((f) => f.head.name)),
      format: binned.log.log.format,
      samples: binned.epochs.reduce((s, e) => s + e.samples, 0),
      epochs: binned.epochs.length,
      ...(runIssues(run) ?? {}),
      ...(run.scan.root !== null ? { run: run.scan.root } : {}),
      sources: [
        { file: curveFile, format: binned.log.log.format, label: binned.log.files[0]!.format.label, role: 'metrics', used: `PR curve${binned.curves.length > 1 ? 's' : ''} ${binned.curves.map((c) => `'${c.tag}'`).join(', ')} (${binned.approximation.numThresholds} thresholds): every number, estimated` },
        ...corroborate(run, chosen, th, v, binned.log),
        ...run.configSources,
        ...run.scan.duplicates.map((d) => ({ file: d.file, format: 'duplicate', label: 'duplicate', role: 'config' as const, used: `same content as ${d.sameAs}: read once` })),
      ],
    },
    loss: { kind: 'sigmoid', alpha: binned.alpha, alphaVector: null, gamma: binned.gamma, convention: binned.convention, threshold: 0.5, origin: originWords(chosen) },
    classes: binned.classes,
    epochs: binned.epochs,
    verdict: { ...reportedVerdict(v), alphaDrivenBy: 'counterfactual' },
    whatIf,
    suggestion,
    suggestionDetail,
    explanation,
    ranking,
    counterfactualEpoch: last.epoch,
    limits: {
      judgedFrom: `the PR curve${binned.curves.length > 1 ? 's' : ''} ${binned.curves.map((c) => `'${c.tag}'`).join(', ')} in ${curveFile}: ${binned.approximation.numThresholds} probability bins per evaluation`,
      cannotCompute: ['exact per-sample focal sums: they are estimated from the bins (exact bounds in approximation.focalBounds)'],
    },
    approximation: { ...binned.approximation, file: curveFile, tag: binned.curves.map((c) => c.tag).join(', ') },
    notes,
  };
  progress({ phase: 'done', fraction: 1, message: `verdict: ${v.status}` });
  return report;
}

