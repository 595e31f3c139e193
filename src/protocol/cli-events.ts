/**
 * The events `focal-lens analyze --progress json` writes to stderr, one JSON object a line: the
 * contract between the CLI and the extension, which runs the CLI in a child process. Both import
 * this file.
 */
import type { AnalyzeProgress } from '../core/analyze';
import type { UsageNeeds } from '../core/errors';

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
