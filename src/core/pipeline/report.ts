/**
 * Stage 5 of the pipeline: the report of a prediction dump (the stable JSON contract of
 * src/core/report.ts), with every file of the run and what it gave, and where each setting came from.
 */
import type { AnalysisReport, EpochReport } from '../report';
import type { SelectedBackend } from '../compute/backend';
import type { PredictionDump } from '../readers/index';
import type { VerdictThresholds } from '../analysis/verdict';
import type { RunContents } from '../run/read-run';
import { corroborate } from '../run/analyze-metrics';
import type { FoundSetting } from '../run/settings';
import { chooseSettings } from '../run/settings';
import type { CappedCounterfactual } from '../analysis/sample-cap';
import { judgeRun, lastEpochEngine, reportedVerdict, type Judged } from './judge';
import type { AnalyzeOptions } from './options';
import { mismatchNote, type DumpSettings, type LossSettings, type Resolved } from './settings';

export interface DumpReportInput {
  backend: SelectedBackend;
  /** What the dump is (a live run's files in the watch): its files, format and skipped records. */
  dump: Pick<PredictionDump, 'files' | 'format' | 'issues'>;
  run: RunContents;
  /** The user's settings (flags), for checking the run's other logs. */
  given: FoundSetting[];
  thresholds: VerdictThresholds;
  settings: LossSettings;
  /** Where each setting came from, in words. */
  origin: NonNullable<AnalysisReport['loss']['origin']>;
  resolved: Resolved;
  epochs: EpochReport[];
  judged: Judged;
  /** The epoch the counterfactual is of (null: none). */
  counterfactualEpoch: number | null;
  notes: string[];
}

export function dumpReport({ backend, dump, run, given, thresholds: th, settings, origin, resolved: r, epochs, judged, counterfactualEpoch, notes: notesSoFar }: DumpReportInput): AnalysisReport {
  const { whatIf, suggestion, suggestionDetail, verdict: v, explanation, ranking } = judged;
  const notes = [...notesSoFar, ...settings.mismatches.map(mismatchNote)];
  const scan = run.scan;
  const classes = epochs[0]!.perClass.map((c) => c.class);
  const { skipped, issues } = dump.issues();
  const perEpochSamples = new Set(epochs.map((e) => e.samples));
  const report: AnalysisReport = {
    backend: backend.name,
    backendDetail: backend.detail,
    basis: 'predictions',
    input: {
      files: dump.files,
      format: dump.format,
      samples: epochs.reduce((s, e) => s + e.samples, 0),
      epochs: epochs.length,
      samplesPerEpoch: perEpochSamples.size === 1 ? epochs[0]!.samples : null,
      ...(skipped > 0 ? { skipped, issues } : {}),
      ...(scan.root !== null ? { run: scan.root } : {}),
      sources: [
        { file: dump.files.join(', '), format: dump.format, label: 'prediction dump', role: 'predictions', used: 'every number (recomputed)' },
        ...corroborate(run, chooseSettings([...given, ...run.settings]), th, v),
        ...run.configSources,
      ],
    },
    loss: {
      kind: r.kind,
      alpha: r.alphaScalar,
      alphaVector: r.alphaVector,
      gamma: r.loss.gamma,
      convention: r.convention,
      threshold: r.loss.threshold,
      ...(Object.keys(origin).length ? { origin } : {}),
    },
    classes,
    epochs,
    verdict: reportedVerdict(v),
    whatIf,
    suggestion,
    suggestionDetail,
    explanation,
    ranking,
    counterfactualEpoch,
    settingSources: settings.sources,
    configMismatches: settings.mismatches,
  };
  if (notes.length) report.notes = notes;
  return report;
}

export interface JudgedDumpReportInput extends Pick<DumpReportInput, 'backend' | 'dump' | 'run' | 'given' | 'thresholds' | 'resolved' | 'epochs' | 'notes'> {
  settings: DumpSettings;
  /** The last epoch's counterfactual (null when none was kept). */
  counterfactual: CappedCounterfactual | null;
  opts: AnalyzeOptions;
}

/** Stages judge and report of recomputed epochs (in epoch order): what analyze gives for them. */
export function judgedDumpReport({ backend, dump, run, given, thresholds, settings, resolved, epochs, counterfactual, notes, opts }: JudgedDumpReportInput): AnalysisReport {
  const classes = epochs[0]!.perClass.map((c) => c.class);
  const lastEpoch = epochs[epochs.length - 1]!;
  const { engine, notes: engineNotes } = lastEpochEngine(counterfactual, classes, lastEpoch.epoch);
  const judged = judgeRun({ epochs, engine, resolved, opts, thresholds, classes });
  return dumpReport({
    backend,
    dump,
    run,
    given,
    thresholds,
    settings: settings.loss,
    origin: settings.origin,
    resolved,
    epochs,
    judged,
    counterfactualEpoch: engine ? lastEpoch.epoch : null,
    notes: [...notes, ...engineNotes],
  });
}
