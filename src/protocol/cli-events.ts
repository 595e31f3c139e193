/**
 * The events `focal-lens analyze --progress json` writes to stderr, one JSON object a line, and
 * those `focal-lens watch --format json` writes to stdout: the contract between the CLI and the
 * extension, which runs the CLI in a child process. Both import this file.
 */
import type { AnalyzeProgress } from '../core/analyze';
import type { UsageNeeds } from '../core/errors';
import type { AnalysisReport } from '../core/report';
import type { WatchEpochSummary } from '../core/format/watch';

/** What went wrong: a flag or setting (usage), a record lenient mode can skip, a file that cannot be read, a file of no known format. */
export type CliErrorKind = 'usage' | 'record' | 'file' | 'unsupported';

/**
 * A failure. `message` says what is wrong in words that hold in every face (no flags, no setting
 * names); what a fix needs is data (kind usage: `missing` settings, the `option` to correct, the
 * log's `loss` kind and `columns`, the scalar `alpha` whose convention is unknown, a `backend` that
 * did not load), so each face words the fix: the CLI its flags, the extension prompts and buttons.
 */
export type CliErrorEvent = {
  type: 'error';
  kind: CliErrorKind;
  exitCode: number;
  message: string;
  file?: string;
  line?: number;
  byteOffset?: number;
} & UsageNeeds;

export type CliEvent = ({ type: 'progress' } & AnalyzeProgress) | CliErrorEvent;

/** A stderr line as an event, or undefined for any other text. */
export function parseCliEvent(line: string): CliEvent | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const event = JSON.parse(line) as CliEvent;
    return event.type === 'progress' || event.type === 'error' ? event : undefined;
  } catch {
    return undefined;
  }
}

/** Why `focal-lens watch` stopped, and its exit code: 0 a signal, 3 --fail-on, 4 a watched path deleted. */
export type WatchStopReason = 'signal' | 'fail-on' | 'deleted';

/** What `focal-lens watch --format json` writes to stdout, one JSON object a line. */
export type WatchCliEvent =
  /** The watch has started: the run's files it follows (a run folder may have none yet). */
  | { type: 'watch-start'; files: Array<{ file: string; label: string }> }
  /** An epoch is complete: the verdict so far in short, and the whole report (the AnalysisReport contract). */
  | ({ type: 'watch-epoch'; revised: number[]; report: AnalysisReport } & WatchEpochSummary)
  /** A file of the run is followed from now on; `ignored` says why it is not. */
  | { type: 'watch-file'; file: string; format: string; label: string; role: 'predictions' | 'metrics' | 'config'; ignored?: string }
  /** A file was truncated, replaced or deleted: what it gave is read again. */
  | { type: 'watch-restart'; file: string; reason: string }
  /** The last event: why the watch stopped (errors are `error` events on stderr, exit code 2). */
  | { type: 'watch-stop'; reason: WatchStopReason; exitCode: number; message: string; file?: string };

/** A stdout line of `focal-lens watch --format json` as an event, or undefined for anything else. */
export function parseWatchEvent(line: string): WatchCliEvent | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const event = JSON.parse(line) as WatchCliEvent;
    return typeof event.type === 'string' && event.type.startsWith('watch-') ? event : undefined;
  } catch {
    return undefined;
  }
}
