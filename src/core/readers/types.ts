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
