/**
 * The events `focal-lens analyze --progress json` writes to stderr, one JSON object a line: the
 * contract between the CLI and the extension, which runs the CLI in a child process. Both import
 * this file.
 */
import type { AnalyzeProgress } from '../core/analyze';

/** What went wrong: a flag or setting (usage), a record lenient mode can skip, a file that cannot be read, a file of no known format. */
export type CliErrorKind = 'usage' | 'record' | 'file' | 'unsupported';

export type CliEvent =
  | ({ type: 'progress' } & AnalyzeProgress)
  | {
      type: 'error';
      kind: CliErrorKind;
      exitCode: number;
      message: string;
      file?: string;
      line?: number;
      byteOffset?: number;
      /** Loss settings neither the flags nor the run gave (kind usage). */
      missing?: ReadonlyArray<'alpha' | 'gamma'>;
    };

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
