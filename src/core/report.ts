/**
 * The analysis report: the stable JSON contract printed by `focal-lens analyze --format json`,
 * read by the extension, the webviews and the inline hints. Field names are part of the contract
 * (documented in README.md); add fields, never rename them.
 */

/** Convention ids: what a scalar alpha means (the table is src/core/conventions.ts). */
export type AlphaConvention = 'positive' | 'negative' | 'class0-alpha' | 'class0-complement' | 'uniform' | 'vector';

export type LossKind = 'sigmoid' | 'softmax';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

export type VerdictStatus = 'healthy' | 'drifting' | 'collapsed';

export type Objective = 'macro-f1' | 'balanced-accuracy' | 'accuracy';

export interface BalanceFactors {
  /** alpha / (1 - alpha) (sigmoid) or alpha_c / mean alpha of the other classes (softmax). */
  alpha: number;
  /** n+ / n-. */
  count: number;
  /** Mean modulated gradient of positives versus negatives, alpha and counts divided out. */
  gamma: number;
}

export interface ClassEpochStats {
  class: string;
  count: number;
  trueShare: number;
  predShare: number;
  recall: number;
  precision: number;
  f1: number;
  focalSum: number;
  meanWeightPos: number;
  meanWeightNeg: number;
  /** G+: summed |dFL/dz| over positives, the effective positive weight. */
  gradPos: number;
  /** G-: summed |dFL/dz| over negatives, the effective negative weight. */
  gradNeg: number;
  /** G+ / G-. */
  balance: number;
  factors: BalanceFactors;
}

export interface EpochReport {
  epoch: number;
  samples: number;
  focalSum: number;
  ceSum: number;
  perClass: ClassEpochStats[];
}

export interface Verdict {
  status: VerdictStatus;
  /** The class the model collapsed (or drifts) onto; null when healthy. */
  class: string | null;
  onsetEpoch: number | null;
  alphaDriven: boolean;
  message: string;
  /** Status of every epoch (drifting looks back over the window ending at that epoch). */
  perEpoch?: Array<{ epoch: number; status: VerdictStatus; class: string | null }>;
}

export interface WhatIfClass {
  class: string;
  predShare: number;
  recall: number;
  precision: number;
  f1: number;
}

export interface WhatIfRow {
  /** Scalar alpha in the log's convention, or the per-class vector for softmax vectors. */
  alpha: number | number[];
  perClass: WhatIfClass[];
  macroF1: number;
  balancedAccuracy: number;
  accuracy: number;
  /** Which row this is: the logged alpha, the neutral alpha', the suggestion, or a --what-if value. */
  label?: 'logged' | 'neutral' | 'suggested' | 'what-if';
}

export interface Suggestion {
  objective: Objective;
  alpha: number | number[];
  /** The objective's value now (at the logged alpha). */
  current: number;
  /** The objective's value the counterfactual expects at the suggested alpha. */
  expected: number;
  /** Vector suggestions: alpha_c proportional to s_c^-beta. */
  beta?: number;
}

export interface InputIssue {
  file: string;
  line?: number;
  byteOffset?: number;
  message: string;
}

export interface AnalysisReport {
  backend: BackendName;
  /** Human-readable backend detail (package, SIMD, threads). */
  backendDetail?: string;
  /** The epoch whose per-sample probabilities fed the counterfactual (the last), null when none. */
  counterfactualEpoch?: number | null;
  /** Caveats in words (e.g. interleaved epochs, no probabilities kept). */
  notes?: string[];
  input: {
    files: string[];
    format: string;
    samples: number;
    epochs: number;
    /** Records skipped under --lenient, with the first few reasons. */
    skipped?: number;
    issues?: InputIssue[];
  };
  loss: {
    kind: LossKind;
    alpha: number | null;
    alphaVector: number[] | null;
    gamma: number;
    convention: AlphaConvention;
    /** Sigmoid decision threshold on p (default 0.5). */
    threshold?: number;
  };
  classes: string[];
  epochs: EpochReport[];
  verdict: Verdict;
  whatIf: WhatIfRow[];
  suggestion: Suggestion | null;
}
