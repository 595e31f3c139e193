// The softmax counterfactual's counting passes (src/core/analysis/counterfactual-passes.ts) against
// a direct count: the first column of the largest sum wins, ties and sums that round together
// included (float64 sums for the counts, float32 for the label-calibrated rule).
import { strict as assert } from 'node:assert';
import { CALIBRATION_BINS, logShares, passesOver, type PassSegment } from '../../src/core/analysis/counterfactual-passes';
import { counterfactualBuilder } from '../../src/core/analysis/counterfactual';
import { cappedCounterfactual } from '../../src/core/analysis/sample-cap';
import { APPEND, StratifiedSlots } from '../../src/core/sample-reservoir';
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

describe('the softmax counterfactual store in pages', function () {
  // 1,024 classes make pages of 1,024 rows: a few thousand samples span several pages
  const C = 1024;
  const r = rng(23);
  const spec = { kind: 'softmax' as const, numClasses: C, gamma: 2, alpha0: null, threshold: 0.5 };
  const samples = 5000;
  const probabilities = new Float32Array(samples * C);
  const targets = new Int32Array(samples);
  for (let i = 0; i < samples; i++) {
    // 400 classes of 12 or 13 samples each
    const y = (i % 400) * 2;
    targets[i] = y;
    let sum = 0;
    const row = probabilities.subarray(i * C, (i + 1) * C);
    for (let c = 0; c < C; c++) sum += row[c] = r() + (c === y ? 2 : 0);
    for (let c = 0; c < C; c++) row[c] = row[c]! / sum;
  }
  const batches = [0, 700, 1500, 1501, 3333, samples].slice(1).map((end, k, ends) => {
    const start = k === 0 ? 0 : ends[k - 1]!;
    return { samples: end - start, probabilities: probabilities.slice(start * C, end * C), targets: targets.slice(start, end), targetLayout: 'index' as const };
  });
  const alphas = [new Array<number>(C).fill(1), Array.from({ length: C }, (_, c) => 1 + (c % 256) / 64)];

  /** Predicted and true-positive counts of argmax_c (log alpha_c + log q_hat_c) over the given rows, each weighing w[its class]. */
  function direct(rows: Array<{ p: Float32Array; y: number }>, alpha: number[], weight: (y: number) => number): { predicted: number[]; tp: number[] } {
    const predicted = new Array<number>(C).fill(0);
    const tp = predicted.slice();
    const logQ = new Float32Array(C);
    for (const { p, y } of rows) {
      logShares(p, logQ, 0, 1, 2, new Array<number>(C).fill(-0));
      let best = 0;
      for (let c = 1; c < C; c++) if (logQ[c]! + Math.log(alpha[c]!) > logQ[best]! + Math.log(alpha[best]!)) best = c;
      predicted[best]! += weight(y);
      if (best === y) tp[best]! += weight(y);
    }
    return { predicted, tp };
  }

  it('every sample kept, in batches that cross pages: the counts of a direct count', () => {
    const builder = counterfactualBuilder(spec);
    for (const b of batches) builder.add(b);
    const engine = builder.build(Array.from({ length: C }, (_, c) => `c${c}`));
    const rows = Array.from({ length: samples }, (_, i) => ({ p: probabilities.subarray(i * C, (i + 1) * C), y: targets[i]! }));
    for (const alpha of alphas) {
      const got = engine.counts(alpha);
      const want = direct(rows, alpha, () => 1);
      assert.deepEqual([...got.predicted], want.predicted);
      assert.deepEqual([...got.tp], want.tp);
    }
  });

  it('a per-class sample with replacements across pages: the counts of the same sample kept in a plain array', () => {
    // 4 samples a class at most: 1,600 kept rows (two pages), replacements in both
    const capped = cappedCounterfactual(spec, { samplesPerClass: 4 });
    for (const b of batches) capped.add({ ...b, probabilities: b.probabilities.slice() });
    const engine = capped.build(Array.from({ length: C }, (_, c) => `c${c}`));
    assert.deepEqual(capped.sampled(), { seen: samples, kept: 1600, perClass: 4 });
    // the same choices (seed and order), kept in a plain array
    const slots = new StratifiedSlots(C + 1, 4, 0x5eed);
    const kept: Array<{ p: Float32Array; y: number }> = [];
    for (let i = 0; i < samples; i++) {
      const fate = slots.offer(targets[i]!);
      const row = { p: probabilities.subarray(i * C, (i + 1) * C), y: targets[i]! };
      if (fate === APPEND) kept.push(row);
      else if (fate >= 0) kept[fate] = row;
    }
    const w = slots.weights();
    for (const alpha of alphas) {
      const got = engine.counts(alpha);
      const want = direct(kept, alpha, (y) => w[y]!);
      for (let c = 0; c < C; c++) {
        assert.ok(Math.abs(got.predicted[c]! - want.predicted[c]!) < 1e-9, `class ${c}: ${got.predicted[c]} vs ${want.predicted[c]}`);
        assert.ok(Math.abs(got.tp[c]! - want.tp[c]!) < 1e-9, `class ${c} tp`);
      }
    }
  });
});
