import type { InputIssue } from '../report';
import type { SourcePosition } from './types';

/** Where an {@link InputError} points, rendered `file:line: reason` or `file@byte N: reason`. */
export function formatPosition(pos: SourcePosition): string {
  if (pos.line !== undefined) return `${pos.file}:${pos.line}`;
  if (pos.byteOffset !== undefined) return `${pos.file}@byte ${pos.byteOffset}`;
  return pos.file;
}

/**
 * What kind of bad input: a `record` that breaks its format (`--lenient` can skip it and read the
 * rest), a `file` that cannot be read as what it claims to be (missing, truncated header, corrupt
 * archive), or an `unsupported` file that is no format Focal Lens reads.
 */
export type InputErrorKind = 'record' | 'file' | 'unsupported';

/**
 * Bad input: a file that is not a prediction dump, or a record that breaks the format.
 * The message always names the file, the 1-based line (text formats) or the byte offset (binary
 * formats), and what was expected, e.g.
 * `runs/a.jsonl:17: expected "logits" to be an array of 4 numbers, got 3`.
 * The CLI maps it to exit code 2; everything else thrown by the readers is a bug.
 */
export class InputError extends Error {
  override readonly name = 'InputError';
  /** Stable code for callers that cannot use instanceof (e.g. across worker boundaries). */
  readonly code = 'E_FOCAL_LENS_INPUT';
  readonly file: string;
  readonly line?: number;
  readonly byteOffset?: number;
  /** The message without the position prefix. */
  readonly reason: string;

  constructor(
    pos: SourcePosition,
    reason: string,
    readonly kind: InputErrorKind = 'file',
  ) {
    super(`${formatPosition(pos)}: ${reason}`);
    this.file = pos.file;
    if (pos.line !== undefined) this.line = pos.line;
    if (pos.byteOffset !== undefined) this.byteOffset = pos.byteOffset;
    this.reason = reason;
  }

  toIssue(): InputIssue {
    const issue: InputIssue = { file: this.file, message: this.reason };
    if (this.line !== undefined) issue.line = this.line;
    if (this.byteOffset !== undefined) issue.byteOffset = this.byteOffset;
    return issue;
  }
}

/** A value from the file as a message quotes it: JSON, cut to `max` characters. */
export function quoted(v: unknown, max = 60): string {
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > max ? `${s.slice(0, max)}...` : s;
}

/** True for an {@link InputError}, also one re-created from a worker message. */
export function isInputError(err: unknown): err is InputError {
  return err instanceof InputError || (typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'E_FOCAL_LENS_INPUT');
}

/** How many skipped-record reasons are kept (the count is always exact). */
export const MAX_KEPT_ISSUES = 20;

/**
 * Collects bad records. Strict (default): the first one throws. Lenient: each is counted, the first
 * {@link MAX_KEPT_ISSUES} reasons are kept with their positions, and reading goes on.
 */
export class IssueLog {
  skipped = 0;
  readonly issues: InputIssue[] = [];
  constructor(readonly lenient: boolean) {}

  /** Record a bad record (throws when strict). `count` records are skipped (a batch line counts its samples). */
  report(pos: SourcePosition, reason: string, count = 1): void {
    if (!this.lenient) throw new InputError(pos, reason, 'record');
    this.add({ ...pos, message: reason }, count);
  }

  add(issue: InputIssue, count = 1): void {
    this.skipped += count;
    if (this.issues.length < MAX_KEPT_ISSUES) this.issues.push(issue);
  }

  snapshot(): { skipped: number; issues: InputIssue[] } {
    return { skipped: this.skipped, issues: this.issues.slice() };
  }
}
