/**
 * The errors core throws at a face (CLI, extension, tests), in one place. Their messages say what
 * is wrong in words that hold in every face; what a fix needs travels as data, and each face words
 * the fix itself: the CLI names its flags, the extension asks in prompts and offers buttons.
 */
import type { BackendName, LossKind } from './report';

export { InputError, isInputError, formatPosition, type InputErrorKind } from './readers/errors';

/** A loss setting a run can lack: a face asks for it (a flag, a prompt). */
export type LossSetting = 'alpha' | 'gamma' | 'convention';

/** An option a face has to correct (the CLI names its flag; the extension never sends a bad one). */
export type UsageOption = 'alpha' | 'convention' | 'loss' | 'threshold' | 'what-if';

/** What a fix needs, as data (every field optional: a usage error carries what applies). */
export interface UsageNeeds {
  /** Loss settings neither the options nor the run gave. */
  missing?: readonly LossSetting[];
  /** The option whose value does not fit the run. */
  option?: UsageOption;
  /** The log's loss kind and score columns, when known: what an alpha must fit (a vector: one weight per column). */
  loss?: LossKind;
  columns?: number;
  /** The scalar alpha whose meaning (convention) nothing says. */
  alpha?: number;
  /** A compute backend that did not load, and why (the loader's own words). */
  backend?: { name: BackendName; reason: string };
}

/** Bad usage: a missing or contradictory setting, or a backend that cannot load. CLI exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly code = 'E_FOCAL_LENS_USAGE';
  /** Loss settings neither the options nor the log's meta gave: a front end can ask for them. */
  readonly missing: readonly LossSetting[];

  constructor(
    message: string,
    readonly needs: UsageNeeds = {},
  ) {
    super(message);
    this.missing = needs.missing ?? [];
  }
}

export function isUsageError(err: unknown): err is UsageError {
  return err instanceof UsageError || (typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'E_FOCAL_LENS_USAGE');
}
