import { strict as assert } from 'node:assert';
import {
  conventionVector,
  counterfactual,
  counterfactualBuilder,
  gNeg,
  gPos,
  inferredShare,
  inverseShareVector,
  minPositiveShare,
  betaGrid,
  scalarGrid,
  softmaxSlope,
} from '../../src/core/analysis/counterfactual';
import { gMinus, gPlus, softmaxScoreSlope } from '../../src/core/focal';
import { rng } from './seeded-random';


/** The loss-minimum p of a region with local positive share q under alpha (bisection on the gradient balance). */
function optimumP(q: number, alpha: number, gamma: number): number {
  let lo = 1e-7;
  let hi = 1 - 1e-7;
  for (let i = 0; i < 80; i++) {
    const mid = (lo + hi) / 2;
    const push = alpha * q * gPos(mid, gamma) - (1 - alpha) * (1 - q) * gNeg(mid, gamma);
    if (push > 0) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

describe('counterfactual alpha (docs/method.md, "Counterfactual")', () => {
  it('g+, g- and |f\'| agree with src/core/focal.ts', () => {
    for (const p of [0.01, 0.2, 0.5, 0.8, 0.99]) {
      for (const g of [0, 1, 2, 3.5]) {
        assert.ok(Math.abs(gPos(p, g) - gPlus(p, g)) < 1e-12);
        assert.ok(Math.abs(gNeg(p, g) - gMinus(p, g)) < 1e-12);
        assert.ok(Math.abs(softmaxSlope(p, g) - softmaxScoreSlope(p, g)) < 1e-9 * Math.max(1, softmaxSlope(p, g)));
      }
    }
  });

  it('at p = 0.5 the inferred share is 1 - alpha0 (section 4), independent of gamma', () => {
    for (const a of [0.25, 0.5, 0.96]) for (const g of [0, 2, 5]) assert.ok(Math.abs(inferredShare(0.5, a, g) - (1 - a)) < 1e-12);
    assert.ok(Math.abs(minPositiveShare(0.75, 2) - 0.25) < 1e-12);
  });

  it('inverts the loss minimum: q_hat(p*(q)) = q', () => {
    for (const q of [0.01, 0.04, 0.3, 0.7]) {
      const p = optimumP(q, 0.25, 2);
      assert.ok(Math.abs(inferredShare(p, 0.25, 2) - q) < 1e-6, `q ${q}`);
    }
  });

  it('sigmoid binary: at alpha\' = alpha0 it reproduces the observed predictions; alpha\' moves the threshold to q > 1 - alpha\'', () => {
    const r = rng(1);
    const N = 20000;
    const probs = new Float32Array(N);
    const targets = new Int32Array(N);
    const qs = new Float64Array(N);
    for (let i = 0; i < N; i++) {
      const q = Math.pow(r(), 3); // many low-share regions
      qs[i] = q;
      probs[i] = optimumP(q, 0.25, 2);
      targets[i] = r() < q ? 1 : 0;
    }
    const cf = counterfactual({ kind: 'sigmoid', numClasses: 1, samples: N, probabilities: probs, targets, targetLayout: 'index', gamma: 2, alpha0: 0.25, classes: ['negative', 'positive'] });
    const obs = cf.observed();
    const same = cf.evaluate(0.25);
    assert.deepEqual(same.perClass.map((c) => c.predShare), obs.perClass.map((c) => c.predShare));
    assert.equal(same.macroF1, obs.macroF1);
    for (const a of [0.1, 0.5, 0.8, 0.96]) {
      let expected = 0;
      for (let i = 0; i < N; i++) if (qs[i]! > 1 - a) expected++;
      const got = cf.evaluate(a).perClass[1]!.predShare * N;
      assert.ok(Math.abs(got - expected) <= N * 0.002, `alpha ${a}: ${got} vs ${expected}`);
    }
    // monotone in alpha'
    let prev = -1;
    for (let a = 0.01; a < 1; a += 0.05) {
      const s = cf.evaluate(a).perClass[1]!.predShare;
      assert.ok(s >= prev);
      prev = s;
    }
  });

  it('sigmoid one-vs-rest (multi-hot) reproduces observed predictions at alpha0 and reports per-class rows', () => {
    const r = rng(2);
    const N = 3000;
    const C = 3;
    const probs = new Float32Array(N * C);
    const targets = new Uint8Array(N * C);
    for (let i = 0; i < N * C; i++) {
      probs[i] = r();
      targets[i] = r() < probs[i]! * 0.5 ? 1 : 0;
    }
    const cf = counterfactual({ kind: 'sigmoid', numClasses: C, samples: N, probabilities: probs, targets, targetLayout: 'multi-hot', gamma: 2, alpha0: [0.25, 0.5, 0.9], classes: ['a', 'b', 'c'] });
    const obs = cf.observed();
    const same = cf.evaluate([0.25, 0.5, 0.9]);
    assert.deepEqual(same.perClass.map((c) => c.predShare), obs.perClass.map((c) => c.predShare));
    assert.deepEqual(same.perClass.map((c) => c.class), ['a', 'b', 'c']);
    for (let c = 0; c < C; c++) {
      let pred = 0;
      for (let i = 0; i < N; i++) if (probs[i * C + c]! > 0.5) pred++;
      assert.ok(Math.abs(obs.perClass[c]!.predShare - pred / N) < 1e-12);
    }
  });

  it('softmax: at alpha0 it reproduces argmax p; an all-equal alpha is the locally most frequent class', () => {
    const r = rng(3);
    const N = 5000;
    const C = 4;
    const probs = new Float32Array(N * C);
    const targets = new Int32Array(N);
    for (let i = 0; i < N; i++) {
      let s = 0;
      for (let c = 0; c < C; c++) {
        const v = Math.exp(3 * r());
        probs[i * C + c] = v;
        s += v;
      }
      for (let c = 0; c < C; c++) probs[i * C + c]! /= s;
      targets[i] = Math.floor(r() * C);
    }
    const alpha0 = [0.1, 0.2, 0.3, 0.4];
    const cf = counterfactual({ kind: 'softmax', numClasses: C, samples: N, probabilities: probs, targets, targetLayout: 'index', gamma: 2, alpha0, classes: ['w', 'x', 'y', 'z'] });
    const obs = cf.observed();
    const same = cf.evaluate(alpha0);
    assert.deepEqual(same.perClass.map((c) => c.predShare), obs.perClass.map((c) => c.predShare));
    // shifting weight to class 0 predicts it more often
    assert.ok(cf.evaluate([0.7, 0.1, 0.1, 0.1]).perClass[0]!.predShare > cf.evaluate([0.25, 0.25, 0.25, 0.25]).perClass[0]!.predShare);
    // predShares sum to 1
    const sum = cf.evaluate([1, 1, 1, 1]).perClass.reduce((s, c) => s + c.predShare, 0);
    assert.ok(Math.abs(sum - 1) < 1e-12);
  });

  it('a builder fed batch by batch (some converted while waiting) equals the one-shot counterfactual', async () => {
    const r = rng(11);
    const C = 4;
    const sizes = [700, 1, 1299];
    const N = sizes.reduce((a, b) => a + b, 0);
    const probs = new Float32Array(N * C);
    const targets = new Int32Array(N);
    for (let i = 0; i < N; i++) {
      let s = 0;
      for (let c = 0; c < C; c++) s += probs[i * C + c] = Math.exp(3 * r());
      for (let c = 0; c < C; c++) probs[i * C + c]! /= s;
      targets[i] = Math.floor(r() * C);
    }
    const classes = ['w', 'x', 'y', 'z'];
    for (const kind of ['softmax', 'sigmoid'] as const) {
      const spec = { kind, numClasses: C, gamma: 2, alpha0: kind === 'softmax' ? [0.1, 0.2, 0.3, 0.4] : 0.25 };
      const whole = counterfactual({ ...spec, samples: N, probabilities: probs, targets, targetLayout: 'index', classes });
      const discarded = counterfactualBuilder(spec);
      const builder = counterfactualBuilder(spec);
      let start = 0;
      for (const n of sizes) {
        const batch = { samples: n, probabilities: probs.slice(start * C, (start + n) * C), targets: targets.subarray(start, start + n), targetLayout: 'index' as const };
        builder.add(batch);
        discarded.add({ ...batch, probabilities: batch.probabilities.slice() });
        start += n;
        const waiting = new Promise((resolve) => setTimeout(resolve, 5));
        builder.workWhile(waiting); // converts pending batches meanwhile
        discarded.workWhile(waiting);
        await waiting;
      }
      discarded.discard();
      const parts = builder.build(classes);
      assert.deepEqual(parts.observed(), whole.observed());
      for (const a of kind === 'softmax' ? [[0.25, 0.25, 0.25, 0.25], [0.7, 0.1, 0.1, 0.1]] : [0.1, 0.5, 0.9]) {
        assert.deepEqual(parts.evaluate(a), whole.evaluate(a), `${kind} alpha ${String(a)}`);
      }
      if (kind === 'softmax') {
        const family = { kind: 'beta' as const, logShares: [-1, -2, -3, -4] };
        assert.deepEqual(parts.sweep!(family, betaGrid()), whole.sweep!(family, betaGrid()));
      }
    }
  });

  it('softmax sweeps over the beta and class0 grids match per-alpha evaluation', () => {
    const r = rng(5);
    const N = 4000;
    const C = 3;
    const probs = new Float32Array(N * C);
    const targets = new Int32Array(N);
    for (let i = 0; i < N; i++) {
      let s = 0;
      for (let c = 0; c < C; c++) {
        const v = Math.exp(2 * r());
        probs[i * C + c] = v;
        s += v;
      }
      for (let c = 0; c < C; c++) probs[i * C + c]! /= s;
      targets[i] = r() < 0.7 ? 0 : r() < 0.8 ? 1 : 2;
    }
    const cf = counterfactual({ kind: 'softmax', numClasses: C, samples: N, probabilities: probs, targets, targetLayout: 'index', gamma: 2, alpha0: [0.2, 0.3, 0.5], classes: ['a', 'b', 'c'] });
    const shares = [0.7, 0.24, 0.06];
    const betas = betaGrid();
    const sw = cf.sweep!({ kind: 'beta', logShares: shares.map((s) => Math.log(s)) }, betas);
    let mismatched = 0;
    betas.forEach((b, i) => {
      const direct = cf.counts(inverseShareVector(shares, b));
      for (let c = 0; c < C; c++) mismatched += Math.abs(direct.predicted[c]! - sw[i]!.predicted[c]!);
    });
    assert.ok(mismatched <= 2 * betas.length, `mismatched ${mismatched}`); // 4-decimal rounding of the vectors only
    for (const conv of ['class0-alpha', 'class0-complement'] as const) {
      const grid = scalarGrid();
      const s0 = cf.sweep!({ kind: 'class0', sign: conv === 'class0-alpha' ? 1 : -1 }, grid);
      grid.forEach((a, i) => {
        const direct = cf.counts(conventionVector(conv, a, C));
        assert.deepEqual(Array.from(s0[i]!.predicted), Array.from(direct.predicted), `${conv} ${a}`);
        assert.deepEqual(Array.from(s0[i]!.tp), Array.from(direct.tp), `${conv} ${a}`);
      });
    }
  });

  it('convention vectors and the s^-beta grid', () => {
    assert.deepEqual(conventionVector('class0-alpha', 0.25, 3), [0.25, 0.75, 0.75]);
    assert.deepEqual(conventionVector('class0-complement', 0.25, 3), [0.75, 0.25, 0.25]);
    assert.deepEqual(conventionVector('uniform', 0.25, 2), [0.25, 0.25]);
    assert.deepEqual(inverseShareVector([0.5, 0.5], 1), [0.5, 0.5]);
    const v = inverseShareVector([0.8, 0.2], 1);
    assert.ok(Math.abs(v[1]! / v[0]! - 4) < 1e-3);
    assert.deepEqual(inverseShareVector([0.8, 0.2], 0), [0.5, 0.5]);
  });

  it('is fast on 1M samples x 10 classes (softmax and one-vs-rest sigmoid)', function () {
    this.timeout(120000);
    const N = 1_000_000;
    const C = 10;
    const r = rng(4);
    const probs = new Float32Array(N * C);
    const targets = new Int32Array(N);
    for (let i = 0; i < N; i++) {
      let s = 0;
      for (let c = 0; c < C; c++) {
        const v = r() + 0.01;
        probs[i * C + c] = v;
        s += v;
      }
      for (let c = 0; c < C; c++) probs[i * C + c]! /= s;
      targets[i] = Math.floor(r() * C);
    }
    let t0 = performance.now();
    const soft = counterfactual({ kind: 'softmax', numClasses: C, samples: N, probabilities: probs, targets, targetLayout: 'index', gamma: 2, alpha0: null, classes: Array.from({ length: C }, (_, c) => `c${c}`) });
    const shares = Array.from({ length: C }, (_, c) => (c + 1) / 55);
    soft.sweep!({ kind: 'beta', logShares: shares.map((s) => Math.log(s)) }, betaGrid());
    for (const a of [0.25, 0.5, 0.75]) soft.evaluate(conventionVector('class0-alpha', a, C));
    const softMs = performance.now() - t0;
    t0 = performance.now();
    const sig = counterfactual({ kind: 'sigmoid', numClasses: C, samples: N, probabilities: probs, targets, targetLayout: 'index', gamma: 2, alpha0: 0.25, classes: Array.from({ length: C }, (_, c) => `c${c}`) });
    for (let a = 1; a < 100; a++) sig.evaluate(a / 100);
    const sigMs = performance.now() - t0;
    console.log(`      1M x 10: softmax build + 101-beta sweep + 3 alphas ${softMs.toFixed(0)} ms; sigmoid build + 99 alphas ${sigMs.toFixed(0)} ms`);
    assert.ok(softMs < 30000 && sigMs < 30000);
  });
});
