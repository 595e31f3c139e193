// The softmax counterfactual's counting passes (src/core/analysis/counterfactual-passes.ts) against
// a direct count: the first column of the largest sum wins, ties and sums that round together
// included (float64 sums for the counts, float32 for the label-calibrated rule).
import { strict as assert } from 'node:assert';
import { CALIBRATION_BINS, passesOver, type PassSegment } from '../../src/core/analysis/counterfactual-passes';
import { rng } from './seeded-random';

/** The first column of the largest sum, as the passes define it. */
function bruteCounts(rows: Float64Array[], targets: number[], logA: number[][], float32: boolean): { predicted: number[]; tp: number[] } {
  const C = rows[0]!.length;
  const predicted = new Array<number>(logA.length * C).fill(0);
  const tp = predicted.slice();
  rows.forEach((x, i) => {
    logA.forEach((a, k) => {
      let best = 0;
      let bestV = -Infinity;
      for (let c = 0; c < C; c++) {
        const v = float32 ? Math.fround(x[c]! + a[c]!) : x[c]! + a[c]!;
        if (c === 0 || v > bestV) [best, bestV] = [c, v];
      }
      predicted[k * C + best]! += 1;
      if (best === targets[i]) tp[k * C + best]! += 1;
    });
  });
  return { predicted, tp };
}

describe('counterfactual passes: the argmax under each alpha', function () {
  const C = 10;
  const r = rng(11);
  // values with exact ties and neighbours a float32 step or two apart, so that some sums round together
  const rows: Float64Array[] = [];
  const targets: number[] = [];
  for (let i = 0; i < 4000; i++) {
    const base = Math.fround(r() * 8 - 4);
    const x = new Float64Array(C);
    for (let c = 0; c < C; c++) {
      const u = r();
      x[c] =
        u < 0.2 ? base
        : u < 0.35 ? Math.fround(base * (1 + 2 ** -23))
        : u < 0.45 ? Math.fround(base + 2 ** -20)
        : // tiny values a float32 step apart: their float64 sums with log alpha round together
          u < 0.5 ? Math.fround(1e-9)
        : u < 0.55 ? Math.fround(Math.fround(1e-9) * (1 + 2 ** -22))
        : Math.fround(r() * 8 - 4);
    }
    rows.push(x);
    targets.push(Math.floor(r() * C));
  }
  const logQ = new Float32Array(rows.length * C);
  rows.forEach((x, i) => logQ.set(x, i * C));
  const segment: PassSegment = { logQ, targets: Int32Array.from(targets), pred: new Uint16Array(rows.length) };
  const run = passesOver([segment], new Float64Array(C + 1).fill(1));
  // class0-alpha vectors, and one with three distinct values
  const alphas = [
    [0.25, ...new Array(C - 1).fill(0.75)],
    [0.9, ...new Array(C - 1).fill(0.1)],
    [0.5, ...new Array(C - 1).fill(0.5)],
    [0.3, 0.3, 0.2, ...new Array(C - 3).fill(0.7)],
  ];
  const logA = alphas.map((a) => a.map(Math.log));

  it('counts what a direct count does (float64 sums)', () => {
    const [predicted, tp] = run('counts', { C, K: logA.length, logA: Float64Array.from(logA.flat()) });
    const want = bruteCounts(rows, targets, logA, false);
    assert.deepEqual([...predicted!], want.predicted);
    assert.deepEqual([...tp!], want.tp);
  });

  it('counts what a direct count does with sums rounded to float32 (the calibrated rule)', () => {
    // an identity table: each bin's log share is the bin's own value, so the rule compares log q_hat
    const B = CALIBRATION_BINS;
    const lo = new Float64Array(C).fill(-4);
    const scale = new Float64Array(C).fill(B / 8);
    const logShare = new Float64Array(C * B);
    for (let c = 0; c < C; c++) for (let b = 0; b < B; b++) logShare[c * B + b] = Math.fround(-4 + (b + 0.5) * (8 / B)) * (c % 3 === 0 ? 1 : 1 + 2 ** -23);
    const [predicted, tp] = run('calibrated', { C, K: logA.length, lo, scale, logA: Float64Array.from(logA.flat()), logShare });
    const binned = rows.map((x) => Float64Array.from(x, (v, c) => logShare[c * B + Math.min(B - 1, Math.floor((Math.fround(v) + 4) * scale[c]!))]!));
    const want = bruteCounts(binned, targets, logA, true);
    assert.deepEqual([...predicted!], want.predicted);
    assert.deepEqual([...tp!], want.tp);
  });
});
