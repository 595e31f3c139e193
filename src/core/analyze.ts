/**
 * The analysis pipeline, stage by stage (src/core/pipeline/):
 *
 *   run       scan the paths (readers/scan.ts) and read the run's configs and metric logs;
 *             a run without a dump is judged from its PR curves or metric logs (without-dump.ts)
 *   settings  alpha, gamma and convention from flags, the dump's meta and the run's configs (settings.ts)
 *   epochs    each epoch recomputed by the kernels, the last one's probabilities kept (read-epochs.ts)
 *   judge     counterfactual, what-if rows, suggestion, verdict and explanation (judge.ts)
 *   report    the JSON contract of report.ts (pipeline/report.ts)
 *
 * The watch (src/core/watch/) runs the same stages on a live run, epoch by epoch.
 */
import type { AnalysisReport } from './report';
import { DEFAULT_THRESHOLDS, type VerdictThresholds } from './analysis/verdict';
import { scanRun } from './readers/scan';
import { readRun } from './run/read-run';
import { givenSettings } from './run/run-settings';
import { abortError, analysisBackend, OBJECTIVES, UsageError, type AnalyzeOptions } from './pipeline/options';
import { dumpSettings, metaName, type DumpSettings } from './pipeline/settings';
import { openDump, readEpochs } from './pipeline/read-epochs';
import { discardDump } from './readers/dump';
import { judgedDumpReport } from './pipeline/report';
import { analyzeWithoutDump } from './pipeline/without-dump';

export { CONVENTIONS } from './conventions';
export { OBJECTIVES, UsageError, isUsageError, type AnalyzeOptions, type AnalyzeProgress, type ConfigSettings } from './pipeline/options';
export { resolveSettings } from './pipeline/settings';
export { MAX_EPOCHS, MAX_EPOCH_CELLS, checkEpochCount } from './pipeline/read-epochs';

export async function analyze(opts: AnalyzeOptions): Promise<AnalysisReport> {
  const progress = opts.onProgress ?? (() => undefined);
  const signal = opts.signal;
  if (!opts.paths.length) throw new UsageError('no input: give a run folder, a training log or a prediction dump');
  if (opts.objective && !OBJECTIVES.includes(opts.objective)) throw new UsageError(`unknown objective '${String(opts.objective)}': use ${OBJECTIVES.join(', ')}`);
  const th: VerdictThresholds = { ...DEFAULT_THRESHOLDS, ...(opts.verdictThresholds ?? {}) };
  if (signal?.aborted) throw abortError();

  // run: every file of the run; without a dump, its logs are all there is
  const scan = await scanRun(opts.paths, { ...(opts.displayBase !== undefined ? { displayBase: opts.displayBase } : {}), ...(signal ? { signal } : {}) });
  const run = await readRun(scan, signal ? { signal } : {});
  const given = givenSettings(opts);
  if (scan.dumps.length === 0) return analyzeWithoutDump(opts, run, given, th, progress);

  progress({ phase: 'backend', message: `selecting the ${opts.backend ?? 'auto'} backend` });
  const backend = await analysisBackend(opts);

  // settings: the dump's meta, completed from the run's configs (a config the editor linked first)
  const { dump, open, split } = await openDump(scan.dumps, opts, progress);
  const where = metaName(dump.files);
  let settings: DumpSettings;
  try {
    settings = dumpSettings(opts, run, dump.meta, where);
  } catch (e) {
    await discardDump(dump);
    throw e;
  }

  // epochs
  const read = await readEpochs({ dump, reopen: open, opts, settings: settings.loss, classesOpt: settings.classes, where, split, progress });
  const lastEpoch = read.epochs[read.epochs.length - 1]!;

  // judge and report
  if (signal?.aborted) throw abortError();
  progress({ phase: 'counterfactual', message: `counterfactual alpha from epoch ${lastEpoch.epoch}` });
  const report = judgedDumpReport({ backend, dump: read.dump, run, given, thresholds: th, settings, resolved: read.resolved, epochs: read.epochs, counterfactual: read.counterfactual, notes: read.notes, opts });
  progress({ phase: 'done', fraction: 1, message: `verdict: ${report.verdict.status}` });
  return report;
}
