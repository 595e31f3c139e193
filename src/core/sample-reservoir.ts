/**
 * Whole samples (a row of scores and its target) kept up to a cap: every sample while under it,
 * then a seeded uniform sample of all of them (reservoir sampling, algorithm R: the n-th sample
 * replaces a random slot with probability cap / n), so memory is bounded whatever the epoch's size
 * and the sample is the same on every run of the same input. Used by the counterfactual's cap
 * (analysis/sample-cap.ts) and by `focal-lens samples` (samples/extract.ts).
 */
import { seededRandom } from './seeded-random';

export class SampleReservoir {
  /** Row-major, `kept` rows of `columns` (grown as needed, never past the cap). */
  private scoreRows: Float32Array;
  /** One class index per row, or `columns` 0/1 values per row (multi-hot). */
  private targetRows: Int32Array | Uint8Array;
  kept = 0;
  seen = 0;
  private readonly random: () => number;

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
    this.random = seededRandom(seed);
  }

  /** Offer `samples` rows: row-major scores and their targets (index or multi-hot, as constructed). */
  add(scores: Float32Array | Float64Array, targets: ArrayLike<number>, samples: number): void {
    const C = this.columns;
    const per = this.multiHot ? C : 1;
    // while under the cap every row is kept: copied in one go
    const head = Math.min(samples, this.cap - this.kept);
    if (head > 0) {
      this.grow(this.kept + head);
      this.scoreRows.set(scores.subarray(0, head * C), this.kept * C);
      for (let k = 0; k < head * per; k++) this.targetRows[this.kept * per + k] = targets[k]!;
      this.kept += head;
      this.seen += head;
    }
    for (let i = Math.max(0, head); i < samples; i++) {
      this.seen++;
      const slot = Math.floor(this.random() * this.seen);
      if (slot >= this.cap) continue;
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
