// The wording of the hints' error notifications (no `vscode` import: unit-tested as is; an
// analysis' failures are worded in words.ts).
// The CLI's messages quote the log (class names, meta values) and VS Code renders markdown links
// in notification text, so every message goes through notificationText.
import { notificationText } from '../core/format/escape';

/** A failed analysis started from a config file's hints. */
export function hintAnalysisFailureText(err: unknown): string {
  return notificationText(`Focal Lens: ${messageOf(err)}`);
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
