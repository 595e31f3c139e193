/**
 * What every prediction-dump reader yields: column-major-free, flat typed arrays per chunk, so the
 * compute kernels can hand them to tfjs without copying per sample.
 */

/** How targets are given. */
export type TargetLayout =
  /** One int per sample: class index (binary: 0 or 1). */
  | 'index'
  /** numClasses 0/1 values per sample (multi-label or one-hot): sigmoid per class. */
  | 'multi-hot';

/** What the score values are. */
export type ScoreKind = 'logits' | 'probs';

export interface DumpMeta {
  loss?: 'sigmoid_focal' | 'softmax_focal';
  alpha?: number | number[] | null;
  gamma?: number;
  convention?: string;
  classes?: string[];
  split?: string;
}

export interface PredictionChunk {
  /** Epoch (or step, for step-only logs) every sample in this chunk belongs to. */
  epoch: number;
  split?: string;
  scoreKind: ScoreKind;
  /**
   * Scores per sample. numClasses === 1 means binary with one logit/probability of the positive
   * class; otherwise numClasses values per sample, row-major.
   */
  numClasses: number;
  scores: Float32Array;
  targetLayout: TargetLayout;
  /** index layout: one per sample; multi-hot layout: numClasses per sample. */
  targets: Int32Array | Uint8Array;
  /** Number of samples in the chunk. */
  samples: number;
}

/** A precise location for an error or a skipped record. */
export interface SourcePosition {
  file: string;
  line?: number;
  byteOffset?: number;
}

/**
 * What the chunk's numbers mean for the loss, derived from numClasses and targetLayout:
 * - `binary`: numClasses === 1, one logit/probability of the positive class, index targets 0/1;
 * - `softmax`: numClasses > 1 with index targets (one class per sample);
 * - `multilabel`: multi-hot targets, an independent sigmoid per class.
 * Readers always set {@link PredictionChunk.layout}; {@link chunkLayout} derives it for chunks built elsewhere.
 */
export type DumpLayout = 'binary' | 'softmax' | 'multilabel';

// Added by the readers (kept optional so chunks built by hand in tests still type-check).
export interface PredictionChunk {
  /** binary / softmax / multilabel; always set by the readers. */
  layout?: DumpLayout;
}

/** The layout of a chunk: its `layout` field when set, else derived from numClasses and targetLayout. */
export function chunkLayout(chunk: Pick<PredictionChunk, 'numClasses' | 'targetLayout' | 'layout'>): DumpLayout {
  if (chunk.layout) return chunk.layout;
  if (chunk.targetLayout === 'multi-hot') return 'multilabel';
  return chunk.numClasses === 1 ? 'binary' : 'softmax';
}
