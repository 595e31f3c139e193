// What the readers refuse because it cannot be a real prediction dump, or would not fit in memory
// whatever the file: each limit is named in the refusal (README "Bad input" lists them).

/** Score columns (classes) of one dump: more is a corrupt header or shape (LVIS has 1203). */
export const MAX_CLASSES = 10_000;

/**
 * Scores (samples x classes) in one chunk of the readers: a chunk holds at most this many, so a
 * wide dump gets fewer rows per chunk instead of more memory (16 MiB of float32).
 */
export const MAX_CHUNK_SCORES = 1 << 22;

/**
 * Bytes of a run config (hparams.yaml, config.yaml, config.json, *.py) that are parsed for loss
 * settings: real ones are a few KiB; the YAML parser spends seconds per MiB (of blank lines, too),
 * so a bigger file is no config and is listed as not read instead of stalling the run.
 */
export const MAX_CONFIG_BYTES = 256 << 10;

/** The refusal for a dump with too many score columns. */
export function tooManyClasses(what: string, got: number): string {
  return `expected at most ${MAX_CLASSES} classes (score columns), got ${got} ${what}`;
}
