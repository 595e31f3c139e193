/**
 * Counterfactual alpha (docs/method.md, "Counterfactual" and "Label-calibrated share"): what another alpha would have made the model
 * predict, from one run's per-sample probabilities and targets, without retraining.
 *
 * Sigmoid (binary, or one-vs-rest per class): the inferred local positive share
 *     q_hat = (1 - a0) g-(p) / (a0 g+(p) + (1 - a0) g-(p))
 * is a function of p alone, and under alpha' the model predicts positive iff p' > t, i.e. iff
 * q_hat > q*(alpha', t) = (1 - a') g-(t) / (a' g+(t) + (1 - a') g-(t))   (t = 0.5: q* = 1 - a').
 * So q_hat is computed and sorted once per class; every alpha' is then a binary search.
 *
 * Softmax: q_hat_c proportional to 1 / (alpha_c |f'(p_c)|); under alpha' the predicted class is
 * argmax_c alpha'_c q_hat_c, evaluated as argmax_c (log alpha'_c + log q_hat_c) over a precomputed
 * Float32Array of log q_hat (one pass of N x C adds and compares per alpha').
 *
 * Pure TypeScript, no tfjs: the work is sorting and counting.
 */
import type { AlphaConvention, WhatIfClass, WhatIfRow } from '../report';
import { gMinus, gPlus, PROB_EPS } from '../focal';
import { aboveShare, aucOfGroups, blockShares, mergeSortedGroups, poolAdjacentViolators, type IsotonicFit } from './calibration';
import { CALIBRATION_BINS, logShares, passesOver, type PassRunner, type PassSegment } from './counterfactual-passes';

// The section 5 terms are focal.ts's: one set of formulas for the kernels' reference, the
// counterfactual and the explorer.
export { gPlus as gPos, gMinus as gNeg, softmaxScoreSlope as softmaxSlope } from '../focal';

/** Inferred local positive share of a sample with probability p under a model trained at alpha0. */
export function inferredShare(p: number, alpha0: number, gamma: number): number {
  const gp = gPlus(p, gamma);
  const gn = gMinus(p, gamma);
  const den = alpha0 * gp + (1 - alpha0) * gn;
  return den > 0 ? ((1 - alpha0) * gn) / den : 0.5;
}

/**
 * The smallest local positive share the loss minimum labels positive at alpha and threshold t
 * (section 4; 1 - alpha at t = 0.5).
 */
export function minPositiveShare(alpha: number, gamma: number, threshold = 0.5): number {
  return inferredShare(threshold, alpha, gamma);
}

/** The per-class alpha vector a scalar alpha means under a softmax convention (section 3). */
export function conventionVector(convention: AlphaConvention, alpha: number | number[], numClasses: number): number[] {
  if (Array.isArray(alpha)) {
    if (alpha.length !== numClasses) throw new RangeError(`alpha vector has ${alpha.length} values for ${numClasses} classes`);
    return alpha.slice();
  }
  switch (convention) {
    case 'class0-alpha':
    case 'negative':
      return Array.from({ length: numClasses }, (_, c) => (c === 0 ? alpha : 1 - alpha));
    case 'class0-complement':
      return Array.from({ length: numClasses }, (_, c) => (c === 0 ? 1 - alpha : alpha));
    default:
      return new Array<number>(numClasses).fill(alpha);
  }
}

/** Input of the counterfactual: one epoch's probabilities and targets. */
export interface CounterfactualData {
  kind: 'sigmoid' | 'softmax';
  /** Score columns: 1 for a binary single-logit head, else the number of classes. */
  numClasses: number;
  samples: number;
  /** Probabilities (not logits), row-major samples x numClasses. */
  probabilities: Float32Array | Float64Array;
  /** index: one class index per sample; multi-hot: numClasses 0/1 values per sample. */
  targets: ArrayLike<number>;
  targetLayout: 'index' | 'multi-hot';
  gamma: number;
  /**
   * Alpha the run was trained with. Sigmoid: the positive weight per column (one number for all
   * columns, or one per column; null = alpha off, i.e. a_t = 1). Softmax: the per-class vector
   * (null = all equal).
   */
  alpha0: number | number[] | null;
  /** Decision threshold of sigmoid heads (default 0.5). */
  threshold?: number;
  /** Class names for the rows: binary heads get [negative, positive]. */
  classes: string[];
}

/** What the counterfactual needs besides the per-sample data. */
export type CounterfactualSpec = Omit<CounterfactualData, 'samples' | 'probabilities' | 'targets' | 'targetLayout' | 'classes'>;

/** Per-sample data of consecutive whole samples (one kernel batch), as CounterfactualData has it. */
export interface SampleBatch {
  samples: number;
  /** Read during add() only, as targets are: the builder copies the samples it keeps. */
  probabilities: Float32Array | Float64Array;
  /** Read during add() only: the caller may reuse the array. */
  targets: ArrayLike<number>;
  targetLayout: 'index' | 'multi-hot';
}

/**
 * Builds the counterfactual batch by batch while an epoch is computed, so that the softmax engine
 * turns probabilities into its per-sample summary as they arrive instead of keeping them all.
 */
export interface CounterfactualBuilder {
  /** @param rows the samples of the batch to add, in order (all when absent) */
  add(batch: SampleBatch, rows?: ArrayLike<number>): void;
  /**
   * @param classes names for the rows (binary heads get [negative, positive])
   * @param weights softmax: the samples each kept sample of a true class stands for, per class and
   *   last for targets outside [0, C) (analysis/sample-cap.ts); 1 for every class when absent
   */
  build(classes: string[], weights?: Float64Array): CounterfactualEngine;
  /** This epoch was not the last: stop any pending work and let go of the data. */
  discard(): void;
  /**
   * Do deferred set-up work while `waiting` is unsettled: the caller would idle meanwhile (waiting
   * for the readers' workers to parse the next chunk), so the work costs no wall time there.
   */
  workWhile(waiting: Promise<unknown>): void;
  /**
   * Put sample `i` of `batch` in the place of the sample added `slot`-th (0-based, in the order of
   * add()): the reservoir of analysis/sample-cap.ts keeps its sample in the builder itself, not in
   * a copy beside it.
   */
  replace(slot: number, batch: SampleBatch, i: number): void;
}

/** Confusion counts of one alpha'. */
export interface CounterfactualCounts {
  /** Per reported class: true count, predicted count, true positives. */
  count: Float64Array;
  predicted: Float64Array;
  tp: Float64Array;
  /** Samples (softmax, binary) or sample x column decisions (multi-label, one-vs-rest). */
  total: number;
}

export interface CounterfactualEngine {
  kind: 'sigmoid' | 'softmax';
  /** Names of the reported classes (binary: [negative, positive]). */
  classes: string[];
  samples: number;
  /** Metrics under alpha' (sigmoid: scalar for every column or one per column; softmax: a vector). */
  evaluate(alpha: number | number[]): WhatIfRow;
  /** Raw counts under alpha'. */
  counts(alpha: number | number[]): CounterfactualCounts;
  /** Several alphas at once (softmax: one pass over the samples for all of them). */
  evaluateMany(alphas: Array<number | number[]>): WhatIfRow[];
  /** The true counts per reported class and the total of counts(), which do not depend on alpha. */
  trueCounts(): Pick<CounterfactualCounts, 'count' | 'total'>;
  /** The same for the observed predictions (p > t, or argmax p): the run as it was. */
  observed(): WhatIfRow;
  /**
   * The label-calibrated estimate under alpha': the local positive share read from the labels
   * (isotonic regression on the run's own score) instead of inferred from the loss minimum, then
   * the same decision rule. It does not assume the run reached its loss minimum; it does assume a
   * retrained model ranks samples as this one does. See docs/method.md.
   */
  calibratedCounts(alpha: number | number[]): CounterfactualCounts;
  evaluateCalibrated(alpha: number | number[]): WhatIfRow;
  /** Several alphas at once (softmax: one pass over the samples for all of them). */
  evaluateCalibratedMany(alphas: Array<number | number[]>): WhatIfRow[];
  /** Ranking quality per reported class: AUC of the class's score, its samples against the rest. */
  auc(): number[];
  /** True for one-vs-rest heads (C >= 2 sigmoid columns): rows judge each column on its own. */
  oneVsRest: boolean;
  /**
   * Softmax only: counts for a whole one-parameter family of alphas at once (the suggestion grids),
   * in O(N C) instead of O(N C) per alpha. `values` must be ascending.
   * - beta: alpha_c proportional to exp(-beta logShare_c), i.e. s_c^-beta;
   * - class0: class 0 gets the extra log-weight t(a) = sign * log(a / (1 - a)) over the others
   *   (class0-alpha: sign +1; class0-complement: sign -1).
   */
  sweep?(family: SweepFamily, values: number[]): CounterfactualCounts[];
}

export type SweepFamily = { kind: 'beta'; logShares: number[] } | { kind: 'class0'; sign: 1 | -1 };

export function rowFromCounts(alpha: number | number[], classes: string[], c: CounterfactualCounts, oneVsRest: boolean): WhatIfRow {
  const perClass: WhatIfClass[] = [];
  let f1Sum = 0;
  let f1N = 0;
  let baSum = 0;
  let baN = 0;
  let correct = 0;
  const k = classes.length;
  for (let i = 0; i < k; i++) {
    const n = c.count[i]!;
    const pred = c.predicted[i]!;
    const tp = c.tp[i]!;
    const recall = n > 0 ? tp / n : 0;
    const precision = pred > 0 ? tp / pred : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    perClass.push({ class: classes[i]!, predShare: c.total > 0 ? pred / (oneVsRest ? c.total / k : c.total) : 0, recall, precision, f1 });
    if (n > 0 || pred > 0) {
      f1Sum += f1;
      f1N++;
    }
    if (oneVsRest) {
      // per column: balanced accuracy (TPR + TNR) / 2 and accuracy (TP + TN) / N
      const rows = c.total / k;
      const neg = rows - n;
      const tn = neg - (pred - tp);
      if (n > 0 && neg > 0) {
        baSum += (recall + tn / neg) / 2;
        baN++;
      } else if (n > 0 || neg > 0) {
        baSum += n > 0 ? recall : tn / neg;
        baN++;
      }
      correct += tp + tn;
    } else {
      if (n > 0) {
        baSum += recall;
        baN++;
      }
      correct += tp;
    }
  }
  return {
    alpha: Array.isArray(alpha) ? alpha.slice() : alpha,
    perClass,
    macroF1: f1N > 0 ? f1Sum / f1N : 0,
    balancedAccuracy: baN > 0 ? baSum / baN : 0,
    accuracy: c.total > 0 ? correct / c.total : 0,
  };
}

/**
 * Confusion counts of sigmoid heads from per-column predicted positives and true positives: a binary
 * head (one column) as its two reported classes [negative, positive], C heads as C one-vs-rest columns.
 */
export function sigmoidColumnCounts(N: number, nPos: ArrayLike<number>, pred: ArrayLike<number>, tp: ArrayLike<number>): CounterfactualCounts {
  if (nPos.length === 1) {
    const np = nPos[0]!;
    const nn = N - np;
    const pp = pred[0]!;
    const tpp = tp[0]!;
    const tn = nn - (pp - tpp);
    return { count: Float64Array.from([nn, np]), predicted: Float64Array.from([N - pp, pp]), tp: Float64Array.from([tn, tpp]), total: N };
  }
  return { count: Float64Array.from(nPos), predicted: Float64Array.from(pred), tp: Float64Array.from(tp), total: N * nPos.length };
}

/** Number of values in a sorted array strictly greater than x. */
function countAbove(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! > x) hi = mid;
    else lo = mid + 1;
  }
  return sorted.length - lo;
}

function columnAlpha(alpha: number | number[] | null, col: number): number {
  if (alpha === null) return 0.5; // alpha off: both sides weigh 1, the same decisions as 0.5
  if (Array.isArray(alpha)) return alpha[col] ?? 0.5;
  return alpha < 0 ? 0.5 : alpha;
}

/** The piece of `starts` (ascending first slots of the pieces) that holds `slot`. */
function pieceOf(starts: readonly number[], slot: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (starts[mid]! <= slot) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The sigmoid engine sorts over all samples at once: keep the batches until build(). */
function sigmoidBuilder(spec: CounterfactualSpec): CounterfactualBuilder {
  const C = spec.numClasses;
  const pieces: (Float32Array | Float64Array)[] = [];
  const targetPieces: (Int32Array | Uint8Array)[] = [];
  const starts: number[] = [];
  let targetLayout: SampleBatch['targetLayout'] | undefined;
  let samples = 0;
  const add = (batch: SampleBatch, rows?: ArrayLike<number>): void => {
    if (targetLayout && targetLayout !== batch.targetLayout) throw new RangeError('counterfactual: the target layout changed between batches');
    targetLayout = batch.targetLayout;
    const own = ownedRows(batch, C, rows);
    pieces.push(own.probabilities);
    targetPieces.push(own.targets);
    starts.push(samples);
    samples += own.samples;
  };
  const replace = (slot: number, batch: SampleBatch, i: number): void => {
    const k = pieceOf(starts, slot);
    const r = slot - starts[k]!;
    const p = pieces[k]!;
    for (let c = 0; c < C; c++) p[r * C + c] = batch.probabilities[i * C + c]!;
    const tw = targetLayout === 'multi-hot' ? C : 1;
    for (let c = 0; c < tw; c++) targetPieces[k]![r * tw + c] = batch.targets[i * tw + c]!;
  };
  const build = (classes: string[]): CounterfactualEngine => {
    const multiHot = targetLayout === 'multi-hot';
    const total = targetPieces.reduce((n, t) => n + t.length, 0);
    const targets = multiHot ? new Uint8Array(total) : new Int32Array(total);
    let o = 0;
    for (const t of targetPieces) {
      targets.set(t, o);
      o += t.length;
    }
    return sigmoidEngine({ ...spec, classes, samples, pieces, targets, targetLayout: targetLayout ?? 'index' });
  };
  const discard = (): void => {
    pieces.length = 0;
    targetPieces.length = 0;
    starts.length = 0;
  };
  // nothing deferred: the sorting needs every sample
  return { add, build, discard, replace, workWhile: () => undefined };
}

type SigmoidInput = CounterfactualSpec & Pick<CounterfactualData, 'samples' | 'targets' | 'targetLayout' | 'classes'> & { pieces: ReadonlyArray<Float32Array | Float64Array> };

function sigmoidEngine(d: SigmoidInput): CounterfactualEngine {
  const C = d.numClasses;
  const N = d.samples;
  const t = d.threshold ?? 0.5;
  const binary = C === 1;
  // sorted inferred shares per column, positives and negatives apart
  const posSorted: Float64Array[] = [];
  const negSorted: Float64Array[] = [];
  const obsPred: number[] = [];
  const obsTp: number[] = [];
  const nPos: number[] = [];
  for (let col = 0; col < C; col++) {
    const a0 = columnAlpha(d.alpha0, col);
    let np = 0;
    for (let i = 0; i < N; i++) if (isPositive(d, i, col)) np++;
    const pos = new Float64Array(np);
    const neg = new Float64Array(N - np);
    let ip = 0;
    let ineg = 0;
    let pred = 0;
    let tp = 0;
    let i = 0;
    for (const piece of d.pieces) {
      for (let o = col; o < piece.length; o += C, i++) {
        const p = piece[o]!;
        const q = inferredShare(p, a0, d.gamma);
        const positive = isPositive(d, i, col);
        if (positive) pos[ip++] = q;
        else neg[ineg++] = q;
        if (p > t) {
          pred++;
          if (positive) tp++;
        }
      }
    }
    pos.sort();
    neg.sort();
    posSorted.push(pos);
    negSorted.push(neg);
    obsPred.push(pred);
    obsTp.push(tp);
    nPos.push(np);
  }
  const classes = binary ? binaryNames(d.classes) : d.classes.slice(0, C);
  const toCounts = (pred: number[], tp: number[]): CounterfactualCounts => sigmoidColumnCounts(N, nPos, pred, tp);
  /**
   * Counts under alpha', per column: `select` gives the predicted positives and true positives of the
   * samples whose local share exceeds q*(a, t); alpha 1 or 0 are limits: everything / nothing positive.
   */
  const countsBy = (alpha: number | number[], select: (col: number, qStar: number) => { n: number; positives: number }): CounterfactualCounts => {
    const pred: number[] = [];
    const tp: number[] = [];
    for (let col = 0; col < C; col++) {
      const a = Array.isArray(alpha) ? (alpha[col] ?? 0.5) : alpha;
      const sel = select(col, a >= 1 ? -1 : a <= 0 ? 2 : minPositiveShare(a, d.gamma, t));
      pred.push(sel.n);
      tp.push(sel.positives);
    }
    return toCounts(pred, tp);
  };
  // the loss-minimum estimate: q_hat > q*
  const counts = (alpha: number | number[]): CounterfactualCounts =>
    countsBy(alpha, (col, qStar) => {
      const positives = countAbove(posSorted[col]!, qStar);
      return { n: positives + countAbove(negSorted[col]!, qStar), positives };
    });
  // isotonic fits of the labels on q_hat (the score's order), built on first use
  let fits: IsotonicFit[] | null = null;
  let aucs: number[] | null = null;
  const calibrate = (): IsotonicFit[] => {
    if (!fits) {
      const groups = posSorted.map((pos, col) => mergeSortedGroups(pos, negSorted[col]!));
      fits = groups.map(poolAdjacentViolators);
      aucs = groups.map(aucOfGroups);
    }
    return fits;
  };
  // the label-calibrated estimate: the isotonic share > q*
  const calibratedCounts = (alpha: number | number[]): CounterfactualCounts => {
    const f = calibrate();
    return countsBy(alpha, (col, qStar) => aboveShare(f[col]!, qStar));
  };
  return {
    kind: 'sigmoid',
    classes,
    samples: N,
    oneVsRest: !binary,
    counts,
    evaluate: (alpha) => rowFromCounts(alpha, classes, counts(alpha), !binary),
    evaluateMany: (alphas) => alphas.map((alpha) => rowFromCounts(alpha, classes, counts(alpha), !binary)),
    trueCounts: () => toCounts(obsPred, obsTp),
    observed: () => rowFromCounts(d.alpha0 ?? 0.5, classes, toCounts(obsPred, obsTp), !binary),
    calibratedCounts,
    evaluateCalibrated: (alpha) => rowFromCounts(alpha, classes, calibratedCounts(alpha), !binary),
    evaluateCalibratedMany: (alphas) => alphas.map((alpha) => rowFromCounts(alpha, classes, calibratedCounts(alpha), !binary)),
    auc: () => {
      calibrate();
      // a binary head's two reported classes share one ranking
      return binary ? [aucs![0]!, aucs![0]!] : aucs!.slice();
    },
  };
}

function isPositive(d: SigmoidInput, i: number, col: number): boolean {
  if (d.targetLayout === 'multi-hot') return d.targets[i * d.numClasses + col]! > 0;
  return d.numClasses === 1 ? d.targets[i]! > 0 : d.targets[i] === col;
}

function binaryNames(classes: string[]): string[] {
  if (classes.length >= 2) return [classes[0]!, classes[1]!];
  if (classes.length === 1) return [`not ${classes[0]!}`, classes[0]!];
  return ['negative', 'positive'];
}

/**
 * The softmax engine's per-sample summary, built batch by batch: log q_hat rows, class indices and
 * observed classes in pages of a fixed number of rows, so that the reservoir's slot k is row
 * k mod pageRows of page k / pageRows (a replacement is a shift, a mask and a row copy).
 */
function softmaxBuilder(spec: CounterfactualSpec): CounterfactualBuilder {
  const C = spec.numClasses;
  const gamma = spec.gamma;
  const alpha0 = spec.alpha0 === null ? new Array<number>(C).fill(1) : conventionVector('vector', spec.alpha0, C);
  const negLogA0 = alpha0.map((a) => -Math.log(a > 0 ? a : PROB_EPS));
  // about 2^20 scores a page (a power of two rows): few pages for any number of classes
  const pageBits = Math.max(0, Math.min(16, Math.floor(Math.log2((1 << 20) / C))));
  const pageRows = 2 ** pageBits;
  const pages: SoftmaxPage[] = [];
  // Full pages whose probabilities still await their log shares (two logs a value: the bulk of the
  // set-up). Converted in workWhile(), i.e. while the caller waits for the readers, else all at
  // once in build(): an epoch that turns out not to be the last costs only time spent waiting.
  const pending: SoftmaxPage[] = [];
  // each class's score range, for the label calibration's histogram (kept here: no extra pass,
  // unless replace() took samples out of converted rows)
  const range = { lo: new Float64Array(C).fill(Infinity), hi: new Float64Array(C).fill(-Infinity) };
  let rangeStale = false;
  /** Rows of a page that hold probabilities, in runs: each run's log shares in one call. */
  const convert = (page: SoftmaxPage): void => {
    const raw = page.raw;
    for (let r = 0; r < page.rows; ) {
      if (!raw[r]) {
        r++;
        continue;
      }
      let end = r + 1;
      while (end < page.rows && raw[end]) end++;
      // the observed class of each row, from its probabilities, before they become log shares
      for (let q = r; q < end; q++) page.pred[q] = argmaxRow(page.logQ, q * C, C);
      logShares(page.logQ, page.logQ, r, end, gamma, negLogA0, range);
      raw.fill(0, r, end);
      r = end;
    }
  };
  const workWhile = (waiting: Promise<unknown>): void => {
    let settled = false;
    const stop = (): void => {
      settled = true;
    };
    waiting.then(stop, stop);
    // One page per turn of the event loop: a settled `waiting` (its reaction runs first) stops it.
    const step = (): void => {
      const next = settled ? undefined : pending.shift();
      if (!next) return;
      convert(next);
      setImmediate(step);
    };
    setImmediate(step);
  };
  /**
   * Writes sample i of a batch into a row: its probabilities (float32: converted later, with its
   * observed class) or its log shares and observed class (float64: now).
   */
  const put = (page: SoftmaxPage, r: number, batch: SampleBatch, i: number, multiHot: boolean): void => {
    const probs = batch.probabilities;
    page.targets[r] = sampleClass(batch.targets, i, C, multiHot);
    if (probs instanceof Float32Array) {
      // copied value by value: a subarray view per row costs more than the row
      for (let c = 0; c < C; c++) page.logQ[r * C + c] = probs[i * C + c]!;
      page.raw[r] = 1;
    } else {
      page.pred[r] = argmaxRow(probs, i * C, C);
      logShares(probs.subarray(i * C, (i + 1) * C), page.logQ.subarray(r * C, (r + 1) * C), 0, 1, gamma, negLogA0, range);
      page.raw[r] = 0;
    }
  };
  /** The page rows are appended to (a new one when the last is full). */
  const openPage = (): SoftmaxPage => {
    let page = pages[pages.length - 1];
    if (!page || page.rows === pageRows) {
      if (page) pending.push(page);
      pages.push((page = newPage(pageRows, C)));
    }
    return page;
  };
  const add = (batch: SampleBatch, rows?: ArrayLike<number>): void => {
    const multiHot = batch.targetLayout === 'multi-hot';
    const probs = batch.probabilities;
    const targets = batch.targets;
    if (!rows && probs instanceof Float32Array && targets instanceof Int32Array && !multiHot) {
      // a whole batch of float32 rows: copied page span by page span
      for (let i = 0; i < batch.samples; ) {
        const page = openPage();
        const take = Math.min(batch.samples - i, pageRows - page.rows);
        page.logQ.set(probs.subarray(i * C, (i + take) * C), page.rows * C);
        page.targets.set(targets.subarray(i, i + take), page.rows);
        page.raw.fill(1, page.rows, page.rows + take);
        page.rows += take;
        i += take;
      }
      return;
    }
    const n = rows ? rows.length : batch.samples;
    for (let k = 0; k < n; k++) {
      const page = openPage();
      put(page, page.rows++, batch, rows ? rows[k]! : k, multiHot);
    }
  };
  const replace = (slot: number, batch: SampleBatch, i: number): void => {
    const page = pages[slot >>> pageBits]!;
    const r = slot & (pageRows - 1);
    // a converted row's log shares leave: the range may have been theirs
    if (!page.raw[r]) rangeStale = true;
    put(page, r, batch, i, batch.targetLayout === 'multi-hot');
  };
  const build = (classes: string[], weights?: Float64Array): CounterfactualEngine => {
    pending.length = 0;
    for (const page of pages) convert(page);
    const segments: PassSegment[] = pages.map((p) => ({ logQ: p.logQ.subarray(0, p.rows * C), targets: p.targets.subarray(0, p.rows), pred: p.pred.subarray(0, p.rows) }));
    const run = passesOver(segments, weights ?? new Float64Array(C + 1).fill(1));
    if (rangeStale) {
      const [lo, hi] = run('range', { C });
      range.lo.set(lo!);
      range.hi.set(hi!);
    }
    const [count, obsPred, obsTp, total] = run('observed', { C });
    return softmaxEngine(C, classes, alpha0, run, total![0]!, { count: count!, obsPred: obsPred!, obsTp: obsTp! }, range);
  };
  const discard = (): void => {
    pending.length = 0;
    pages.length = 0;
  };
  return { add, build, discard, workWhile, replace };
}

/** One page of the softmax engine's store (counterfactual-passes.ts reads its filled rows). */
interface SoftmaxPage {
  /** Row-major [pageRows, C]: log q_hat, or probabilities in the rows `raw` marks. */
  logQ: Float32Array;
  targets: Int32Array;
  /** Observed (argmax p) class of each row. */
  pred: Uint16Array;
  /** 1 for a row that holds probabilities, until converted. */
  raw: Uint8Array;
  rows: number;
}

function newPage(pageRows: number, C: number): SoftmaxPage {
  return { logQ: new Float32Array(pageRows * C), targets: new Int32Array(pageRows), pred: new Uint16Array(pageRows), raw: new Uint8Array(pageRows), rows: 0 };
}

/**
 * Copies of the given samples of a batch (all when `rows` is absent): probabilities in the batch's
 * precision, targets as laid out (class indices, or multi-hot rows of C).
 */
function ownedRows(batch: SampleBatch, C: number, rows?: ArrayLike<number>): { samples: number; probabilities: Float32Array | Float64Array; targets: Int32Array | Uint8Array } {
  const n = rows ? rows.length : batch.samples;
  const tw = batch.targetLayout === 'multi-hot' ? C : 1;
  const src = batch.probabilities;
  const t = batch.targets;
  const targets = batch.targetLayout === 'multi-hot' ? new Uint8Array(n * tw) : new Int32Array(n * tw);
  if (!rows) {
    for (let k = 0; k < n * tw; k++) targets[k] = t[k]!;
    return { samples: n, probabilities: src.slice(0, n * C), targets };
  }
  const probabilities = src instanceof Float32Array ? new Float32Array(n * C) : new Float64Array(n * C);
  // value by value: a subarray view per row costs more than the row
  for (let r = 0; r < n; r++) {
    const i = rows[r]!;
    for (let c = 0; c < C; c++) probabilities[r * C + c] = src[i * C + c]!;
    for (let k = 0; k < tw; k++) targets[r * tw + k] = t[i * tw + k]!;
  }
  return { samples: n, probabilities, targets };
}

/**
 * A copy of running sums of +w / -w marks, each sum below 1/2 made 0: weights are at least 1 (a
 * kept sample stands for itself or more), so a smaller sum is what rounding left of marks that
 * cancelled, and a class nobody is predicted as must count 0, not 1e-12 (rowFromCounts counts a
 * class predicted at all in the macro F1).
 */
function wholeOrZero(sums: Float64Array): Float64Array {
  return sums.map((v) => (v < 0.5 ? 0 : v));
}

/** The class of sample i: its index, or the last hot column of a one-hot row. */
export function sampleClass(targets: ArrayLike<number>, i: number, C: number, multiHot: boolean): number {
  if (!multiHot) return targets[i]!;
  let y = 0;
  for (let c = 0; c < C; c++) if (targets[i * C + c]! > 0) y = c;
  return y;
}

/** The first column of the largest value of the row at offset o. */
function argmaxRow(values: ArrayLike<number>, o: number, C: number): number {
  let best = -1;
  let bestV = -Infinity;
  for (let c = 0; c < C; c++) {
    const v = values[o + c]!;
    if (v > bestV) {
      bestV = v;
      best = c;
    }
  }
  return best;
}

function softmaxEngine(
  C: number,
  names: string[],
  alpha0: number[],
  run: PassRunner,
  N: number,
  { count, obsPred, obsTp }: { count: Float64Array; obsPred: Float64Array; obsTp: Float64Array },
  range: { lo: Float64Array; hi: Float64Array },
): CounterfactualEngine {
  const classes = names.slice(0, C);
  /** Per-alpha counts from a pass's flat [K, C] predicted and true-positive counts. */
  const perAlpha = (K: number, [predicted, tp]: Float64Array[]): CounterfactualCounts[] =>
    Array.from({ length: K }, (_, k) => ({ count, predicted: predicted!.slice(k * C, (k + 1) * C), tp: tp!.slice(k * C, (k + 1) * C), total: N }));
  // one pass over the samples for several alphas: the argmax of log alpha'_c + log q_hat_c each
  const countsMany = (alphas: Array<number | number[]>): CounterfactualCounts[] => {
    const K = alphas.length;
    const logA = new Float64Array(K * C);
    alphas.forEach((alpha, k) => {
      for (let c = 0; c < C; c++) logA[k * C + c] = Math.log(Math.max((Array.isArray(alpha) ? alpha[c] : alpha) ?? 0, 1e-300));
    });
    return perAlpha(K, run('counts', { C, K, logA }));
  };
  const counts = (alpha: number | number[]): CounterfactualCounts => countsMany([alpha])[0]!;
  const sweep = (family: SweepFamily, values: number[]): CounterfactualCounts[] => {
    const G = values.length;
    const [pred, tpd] =
      family.kind === 'class0'
        ? // ts must be ascending for the index ranges: class0-complement reverses the order
          run('sweepClass0', { C, ts: Float64Array.from(values, (a) => (a <= 0 ? -Infinity : a >= 1 ? Infinity : family.sign * Math.log(a / (1 - a)))), asc: family.sign > 0 })
        : run('sweepBeta', { C, values: Float64Array.from(values), slope: Float64Array.from(family.logShares, (l) => -l) });
    const out: CounterfactualCounts[] = [];
    const runP = new Float64Array(C);
    const runT = new Float64Array(C);
    for (let g = 0; g < G; g++) {
      for (let c = 0; c < C; c++) {
        runP[c]! += pred![c * (G + 1) + g]!;
        runT[c]! += tpd![c * (G + 1) + g]!;
      }
      out.push({ count, predicted: wholeOrZero(runP), tp: wholeOrZero(runT), total: N });
    }
    return out;
  };
  const calibration = softmaxCalibration(C, run, range);
  // one pass over the samples for several alphas: each score's bin is found once
  const calibratedCountsMany = (alphas: Array<number | number[]>): CounterfactualCounts[] => {
    const { lo, scale, logShare } = calibration();
    const K = alphas.length;
    // log alpha'_c + log q_iso,c per (alpha, class): the argmax of sums of logs compared in float32
    // (what a float32 table of the sums held: half the cache footprint, no less decisive)
    const logA = new Float64Array(K * C);
    alphas.forEach((alpha, k) => {
      for (let c = 0; c < C; c++) logA[k * C + c] = Math.log(Math.max(Array.isArray(alpha) ? (alpha[c] ?? 0) : alpha, 1e-300));
    });
    return perAlpha(K, run('calibrated', { C, K, lo, scale, logA, logShare }));
  };
  const calibratedCounts = (alpha: number | number[]): CounterfactualCounts => calibratedCountsMany([alpha])[0]!;
  return {
    kind: 'softmax',
    classes,
    samples: N,
    oneVsRest: false,
    sweep,
    counts,
    evaluate: (alpha) => rowFromCounts(alpha, classes, counts(alpha), false),
    evaluateMany: (alphas) => countsMany(alphas).map((c, k) => rowFromCounts(alphas[k]!, classes, c, false)),
    trueCounts: () => ({ count, total: N }),
    observed: () => rowFromCounts(alpha0, classes, { count, predicted: obsPred, tp: obsTp, total: N }, false),
    calibratedCounts,
    evaluateCalibrated: (alpha) => rowFromCounts(alpha, classes, calibratedCounts(alpha), false),
    evaluateCalibratedMany: (alphas) => calibratedCountsMany(alphas).map((c, k) => rowFromCounts(alphas[k]!, classes, c, false)),
    auc: () => calibration().auc.slice(),
  };
}

interface SoftmaxCalibration {
  lo: Float64Array;
  scale: Float64Array;
  /** log q_iso per (class, bin), flat: class c at c * CALIBRATION_BINS. */
  logShare: Float64Array;
  auc: number[];
}

/**
 * The softmax label calibration, built on first use: per class c, an isotonic fit of [y = c] on
 * the class's own score (log q_hat_c, monotone in p_c) over a fine histogram of that score, and
 * the class's AUC from the same histogram. Under alpha' a sample is predicted as
 * argmax_c alpha'_c q_iso_c, the decision rule with the calibrated shares.
 */
function softmaxCalibration(C: number, run: PassRunner, { lo, hi }: { lo: Float64Array; hi: Float64Array }): () => SoftmaxCalibration {
  let built: SoftmaxCalibration | null = null;
  return () => {
    if (built) return built;
    const scale = Float64Array.from({ length: C }, (_, c) => (hi[c]! > lo[c]! ? CALIBRATION_BINS / (hi[c]! - lo[c]!) : 0));
    const [n, pos] = run('histogram', { C, lo, scale }) as [Float64Array, Float64Array];
    const logShare = new Float64Array(C * CALIBRATION_BINS);
    const auc: number[] = [];
    for (let c = 0; c < C; c++) {
      const groups = { n: n.subarray(c * CALIBRATION_BINS, (c + 1) * CALIBRATION_BINS), positives: pos.subarray(c * CALIBRATION_BINS, (c + 1) * CALIBRATION_BINS), length: CALIBRATION_BINS };
      logShare.set(blockShares(poolAdjacentViolators(groups), CALIBRATION_BINS).map(Math.log), c * CALIBRATION_BINS);
      auc.push(aucOfGroups(groups));
    }
    built = { lo, scale, logShare, auc };
    return built;
  };
}

/** Build the counterfactual for one epoch's data (sorting / log-share precomputation happens here). */
export function counterfactual(data: CounterfactualData): CounterfactualEngine {
  const { samples, probabilities, targets, targetLayout, classes, ...spec } = data;
  if (probabilities.length < samples * data.numClasses) {
    throw new RangeError(`counterfactual: ${probabilities.length} probabilities for ${samples} x ${data.numClasses}`);
  }
  const builder = counterfactualBuilder(spec);
  builder.add({ samples, probabilities, targets, targetLayout });
  return builder.build(classes);
}

/** A counterfactual to be fed batch by batch (see CounterfactualBuilder). */
export function counterfactualBuilder(spec: CounterfactualSpec): CounterfactualBuilder {
  return spec.kind === 'sigmoid' ? sigmoidBuilder(spec) : softmaxBuilder(spec);
}

/** The suggestion grid of scalar alphas: 0.01 to 0.99 by 0.01. */
export function scalarGrid(): number[] {
  return Array.from({ length: 99 }, (_, i) => Math.round((i + 1)) / 100);
}

/** alpha_c proportional to s_c^-beta, normalised to sum 1 (classes with s_c = 0 get the largest weight). */
export function inverseShareVector(trueShares: number[], beta: number): number[] {
  const positive = trueShares.filter((s) => s > 0);
  const floor = positive.length ? Math.min(...positive) : 1;
  const raw = trueShares.map((s) => Math.pow(s > 0 ? s : floor, -beta));
  const sum = raw.reduce((a, b) => a + b, 0);
  return raw.map((v) => round4(v / sum));
}

/** The beta grid of vector suggestions: 0 to 1 by 0.01. */
export function betaGrid(): number[] {
  return Array.from({ length: 101 }, (_, i) => i / 100);
}

export function round4(v: number): number {
  return Math.round(v * 1e4) / 1e4;
}
