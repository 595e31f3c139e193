/**
 * Whole samples (a row of scores and its target) kept up to a cap: every sample while under it,
 * then a seeded uniform sample of all of them (reservoir sampling, algorithm R: the n-th sample
 * replaces a random slot with probability cap / n), so memory is bounded whatever the epoch's size
 * and the sample is the same on every run of the same input. ReservoirSlots makes the choices;
 * SampleReservoir keeps the rows (for `focal-lens samples`, samples/extract.ts); the
 * counterfactual's cap (analysis/sample-cap.ts) makes the same choices (StratifiedSlots: per true
 * class) with its builder's own store as the reservoir, so that the rows it keeps are not held twice.
 */
import { seededRandom } from './seeded-random';

/** Algorithm R's choices: which of the samples offered in order are kept, and in which slot. */
export class ReservoirSlots {
  seen = 0;
  private readonly random: () => number;

  constructor(
    readonly cap: number,
    seed: number,
  ) {
    this.random = seededRandom(seed);
  }

  /** How many of the next `samples` still fit under the cap (they fill the next slots in order). */
  fill(samples: number): number {
    const fit = Math.max(0, Math.min(samples, this.cap - this.seen));
    this.seen += fit;
    return fit;
  }

  /** The slot the next sample replaces (each past the cap, with probability cap / seen), or -1. */
  next(): number {
    this.seen++;
    const slot = Math.floor(this.random() * this.seen);
    return slot < this.cap ? slot : -1;
  }
}

/** StratifiedSlots.offer(): the sample takes the next new slot. */
export const APPEND = -1;
/** StratifiedSlots.offer(): the sample is not kept. */
export const SKIP = -2;

/**
 * Algorithm R within each stratum (the softmax counterfactual's strata are the true classes), the
 * strata sharing one slot space numbered in the order samples were appended: a stratum keeps all
 * its samples up to `cap`, then a seeded uniform sample of `cap` of them, so a rare class is kept
 * whole however large the common ones are, and a kept sample of stratum s stands for
 * seen[s] / kept[s] samples (weights()).
 */
export class StratifiedSlots {
  readonly seen: Float64Array;
  readonly kept: Int32Array;
  /** Stratum s's slots at [s * cap, s * cap + kept[s]). */
  private readonly slotsOf: Int32Array;
  private appended = 0;
  private readonly random: () => number;

  constructor(
    readonly strata: number,
    readonly cap: number,
    seed: number,
  ) {
    this.seen = new Float64Array(strata);
    this.kept = new Int32Array(strata);
    this.slotsOf = new Int32Array(strata * cap);
    this.random = seededRandom(seed);
  }

  /** The fate of the next sample of stratum s: APPEND, the slot it replaces, or SKIP. */
  offer(s: number): number {
    const seen = ++this.seen[s]!;
    const kept = this.kept[s]!;
    if (kept < this.cap) {
      this.slotsOf[s * this.cap + kept] = this.appended++;
      this.kept[s] = kept + 1;
      return APPEND;
    }
    const j = Math.floor(this.random() * seen);
    return j < this.cap ? this.slotsOf[s * this.cap + j]! : SKIP;
  }

  /** Samples each kept sample of a stratum stands for (1 while the stratum is whole; 0 when empty). */
  weights(): Float64Array {
    return Float64Array.from(this.seen, (n, s) => (this.kept[s]! > 0 ? n / this.kept[s]! : 0));
  }

  /** Whether some stratum had more samples than its cap. */
  get sampled(): boolean {
    return this.seen.some((n, s) => n > this.kept[s]!);
  }

  get totalSeen(): number {
    return this.seen.reduce((a, b) => a + b, 0);
  }

  get totalKept(): number {
    return this.appended;
  }
}

export class SampleReservoir {
  /** Row-major, `kept` rows of `columns` (grown as needed, never past the cap). */
  private scoreRows: Float32Array;
  /** One class index per row, or `columns` 0/1 values per row (multi-hot). */
  private targetRows: Int32Array | Uint8Array;
  kept = 0;
  private readonly slots: ReservoirSlots;

  constructor(
    readonly columns: number,
    readonly multiHot: boolean,
    readonly cap: number,
    seed: number,
    initialRows = 1 << 16,
  ) {
    const rows = Math.min(cap, initialRows);
    this.scoreRows = new Float32Array(rows * columns);
    this.targetRows = multiHot ? new Uint8Array(rows * columns) : new Int32Array(rows);
    this.slots = new ReservoirSlots(cap, seed);
  }

  get seen(): number {
    return this.slots.seen;
  }

  /** Offer `samples` rows: row-major scores and their targets (index or multi-hot, as constructed). */
  add(scores: Float32Array | Float64Array, targets: ArrayLike<number>, samples: number): void {
    const C = this.columns;
    const per = this.multiHot ? C : 1;
    // while under the cap every row is kept: copied in one go
    const head = this.slots.fill(samples);
    if (head > 0) {
      this.grow(this.kept + head);
      this.scoreRows.set(scores.subarray(0, head * C), this.kept * C);
      for (let k = 0; k < head * per; k++) this.targetRows[this.kept * per + k] = targets[k]!;
      this.kept += head;
    }
    for (let i = head; i < samples; i++) {
      const slot = this.slots.next();
      if (slot < 0) continue;
      for (let c = 0; c < C; c++) this.scoreRows[slot * C + c] = scores[i * C + c]!;
      for (let k = 0; k < per; k++) this.targetRows[slot * per + k] = targets[i * per + k]!;
    }
  }

  /** Views of the kept rows. */
  get scores(): Float32Array {
    return this.scoreRows.subarray(0, this.kept * this.columns);
  }

  get targets(): Int32Array | Uint8Array {
    return this.targetRows.subarray(0, this.kept * (this.multiHot ? this.columns : 1));
  }

  /** Whether every sample offered was kept. */
  get complete(): boolean {
    return this.seen === this.kept;
  }

  private grow(needed: number): void {
    const C = this.columns;
    const rows = this.scoreRows.length / C;
    if (needed <= rows) return;
    const next = Math.min(this.cap, Math.max(needed, rows * 2, 256));
    const scores = new Float32Array(next * C);
    scores.set(this.scoreRows);
    this.scoreRows = scores;
    const targets = this.multiHot ? new Uint8Array(next * C) : new Int32Array(next);
    targets.set(this.targetRows);
    this.targetRows = targets;
  }
}
