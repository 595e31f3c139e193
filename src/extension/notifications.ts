// The wording of the extension's error notifications (no `vscode` import: unit-tested as is).
// The CLI's messages quote the log (class names, meta values) and VS Code renders markdown links
// in notification text, so every message goes through notificationText.
import { notificationText } from '../core/format/escape';
import type { AnalysisReport } from '../core/report';

/** A failed analysis: `what` is "cannot read the log" or "analysis failed". */
export function analysisFailureText(what: string, err: unknown): string {
  return notificationText(`Focal Lens ${what}: ${messageOf(err)}`);
}

/** A failed analysis started from a config file's hints. */
export function hintAnalysisFailureText(err: unknown): string {
  return notificationText(`Focal Lens: ${messageOf(err)}`);
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The one warning of a watched run: drift or collapse has started. */
export function watchWarningText(run: string, report: Pick<AnalysisReport, 'verdict'>, epoch: number): string {
  const v = report.verdict;
  return notificationText(`Focal Lens: the watched run ${run} is ${v.status} onto '${v.class}' since epoch ${v.onsetEpoch ?? epoch}${v.alphaDriven ? ' (alpha-driven)' : ''}. ${v.message}`);
}

/** Watching stopped by itself: the run's file was deleted, or the CLI failed. */
export function watchStoppedText(message: string): string {
  return notificationText(`Focal Lens stopped watching: ${message}`);
}
