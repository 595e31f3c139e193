import { strict as assert } from 'node:assert';

import {
  PROB_EPS,
  balanceFactors,
  clipProb,
  crossEntropy,
  focalLoss,
  gMinus,
  gPlus,
  lossMultiplier,
  modulatingFactor,
  resolveClassAlpha,
  sigmoidGradMagnitude,
  sigmoidTarget,
  softmaxDlossDpt,
  softmaxGradNeg,
  softmaxGradPos,
  softmaxScoreSlope,
} from '../../src/core/focal';

function close(a: number, b: number, rel = 1e-12, what = ''): void {
  assert.ok(Math.abs(a - b) <= rel * Math.abs(b) + 1e-300, `${what} got ${a}, expected ${b}`);
}

/** Numerical derivative of a float64 function (central difference). */
function deriv(f: (x: number) => number, x: number, h = 1e-6): number {
  return (f(x + h) - f(x - h)) / (2 * h);
}
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

describe('focal.ts scalar formulas', () => {
  it('FL at p_t = 0.9, gamma 2 is 0.01 * -log 0.9', () => {
    close(focalLoss(0.9, 2), 0.01 * -Math.log(0.9));
    close(focalLoss(0.9, 2, 0.25), 0.25 * 0.01 * -Math.log(0.9));
    close(modulatingFactor(0.9, 2), 0.01, 1e-12);
    close(lossMultiplier(0.9, 2, 0.25), 0.0025, 1e-12);
  });

  it('gamma 0 is (alpha-weighted) cross-entropy', () => {
    for (const pt of [0.01, 0.3, 0.5, 0.99]) {
      close(focalLoss(pt, 0), crossEntropy(pt));
      close(focalLoss(pt, 0, 0.75), 0.75 * -Math.log(pt));
      assert.equal(modulatingFactor(pt, 0), 1);
    }
  });

  it('clips probabilities to [1e-7, 1 - 1e-7]', () => {
    assert.equal(clipProb(0), PROB_EPS);
    assert.equal(clipProb(1), 1 - PROB_EPS);
    assert.equal(clipProb(0.3), 0.3);
    close(crossEntropy(0), -Math.log(1e-7));
    assert.ok(Number.isFinite(focalLoss(0, 0.5)) && Number.isFinite(sigmoidGradMagnitude(1, 0.5)));
  });

  it('sigmoidTarget: p_t and a_t, alpha off when < 0 or null', () => {
    assert.deepEqual(sigmoidTarget(0.8, 1, 0.25), { pt: 0.8, alphaT: 0.25 });
    const neg = sigmoidTarget(0.8, 0, 0.25);
    close(neg.pt, 0.2);
    assert.equal(neg.alphaT, 0.75);
    assert.equal(sigmoidTarget(0.8, 0, -1).alphaT, 1);
    assert.equal(sigmoidTarget(0.8, 1, null).alphaT, 1);
  });

  it('sigmoid |dFL/dz| matches a numerical derivative for y = 1 and y = 0', () => {
    for (const gamma of [0, 0.5, 1, 2, 3.5]) {
      for (const z of [-4, -1, 0, 0.7, 3]) {
        const a = 0.25;
        const flPos = (x: number) => focalLoss(sigmoid(x), gamma, a);
        const flNeg = (x: number) => focalLoss(1 - sigmoid(x), gamma, 1 - a);
        close(sigmoidGradMagnitude(sigmoid(z), gamma, a), Math.abs(deriv(flPos, z)), 1e-6, `y=1 z=${z} g=${gamma}`);
        close(sigmoidGradMagnitude(1 - sigmoid(z), gamma, 1 - a), Math.abs(deriv(flNeg, z)), 1e-6, `y=0 z=${z} g=${gamma}`);
      }
    }
  });

  it('softmax gradients match numerical derivatives of FL(softmax(z))', () => {
    const z = [0.3, -1.2, 2.0, 0.1];
    const y = 1;
    const alpha = [0.1, 0.4, 0.3, 0.2];
    const softmax = (v: number[]) => {
      const m = Math.max(...v);
      const e = v.map((x) => Math.exp(x - m));
      const s = e.reduce((a, b) => a + b, 0);
      return e.map((x) => x / s);
    };
    for (const gamma of [0, 0.5, 2]) {
      const p = softmax(z);
      const fl = (v: number[]) => focalLoss(softmax(v)[y], gamma, alpha[y]);
      for (let c = 0; c < 4; c++) {
        const d = deriv((x) => fl(z.map((zz, k) => (k === c ? x : zz))), z[c]);
        const expected = c === y ? softmaxGradPos(p[y], gamma, alpha[y]) : softmaxGradNeg(p[y], p[c], gamma, alpha[y]);
        close(expected, Math.abs(d), 1e-6, `c=${c} gamma=${gamma}`);
      }
      // h = dFL/dp_t <= 0, and |h| p_t (1 - p_t) is the target-class gradient.
      const h = softmaxDlossDpt(p[y], gamma, alpha[y]);
      assert.ok(h <= 0);
      close(-h * p[y] * (1 - p[y]), softmaxGradPos(p[y], gamma, alpha[y]), 1e-12);
      close(softmaxScoreSlope(p[y], gamma), -h / alpha[y], 1e-12);
    }
  });

  it('section 5 g+ and g- are the alpha-free sigmoid gradients', () => {
    for (const p of [0.05, 0.5, 0.9]) {
      close(gPlus(p, 2), Math.pow(1 - p, 2) * ((1 - p) - 2 * p * Math.log(p)));
      close(gMinus(p, 2), Math.pow(p, 2) * (p - 2 * (1 - p) * Math.log(1 - p)));
    }
    // At p = 0.5 the two terms are equal, whatever gamma (section 4).
    for (const g of [0, 0.5, 2, 5]) close(gPlus(0.5, g), gMinus(0.5, g));
  });

  it('the three balance factors multiply to the balance', () => {
    const cases = [
      [9.06, 123.1, 220, 4980, 0.25, 0.75],
      [50, 20, 10, 990, 0.96, 0.04],
      [3, 7, 400, 600, 1, 1],
    ] as const;
    for (const [gp, gn, np, nn, ap, an] of cases) {
      const f = balanceFactors(gp, gn, np, nn, ap, an);
      close(f.alpha * f.count * f.gamma, f.balance, 1e-12);
      close(f.balance, gp / gn);
      close(f.alpha, ap / an);
      close(f.count, np / nn);
    }
    const z = balanceFactors(1, 0, 0, 10, 0.5, 0.5);
    assert.equal(z.balance, 0);
    assert.equal(z.count, 0);
  });

  describe('resolveClassAlpha (section 3 conventions)', () => {
    it('sigmoid positive: the scalar on y = 1 of every head; < 0 or null is off', () => {
      assert.deepEqual(resolveClassAlpha('sigmoid', 1, 0.25, 'positive'), [0.25]);
      assert.deepEqual(resolveClassAlpha('sigmoid', 3, 0.25, 'positive'), [0.25, 0.25, 0.25]);
      assert.equal(resolveClassAlpha('sigmoid', 3, -1, 'positive'), null);
      assert.equal(resolveClassAlpha('sigmoid', 3, null, 'positive'), null);
      assert.equal(resolveClassAlpha('sigmoid', 3, 0.5, 'uniform'), null);
      assert.deepEqual(resolveClassAlpha('sigmoid', 2, [0.1, 0.9], 'vector'), [0.1, 0.9]);
      assert.throws(() => resolveClassAlpha('sigmoid', 2, 0.25, 'class0-alpha'), RangeError);
    });
    it('softmax conventions', () => {
      assert.deepEqual(resolveClassAlpha('softmax', 3, 0.25, 'class0-alpha'), [0.25, 0.75, 0.75]);
      assert.deepEqual(resolveClassAlpha('softmax', 3, 0.25, 'class0-complement'), [0.75, 0.25, 0.25]);
      assert.deepEqual(resolveClassAlpha('softmax', 2, 0.25, 'positive'), [0.75, 0.25]);
      assert.deepEqual(resolveClassAlpha('softmax', 3, 0.25, 'uniform'), [0.25, 0.25, 0.25]);
      assert.deepEqual(resolveClassAlpha('softmax', 3, [1, 2, 3], 'vector'), [1, 2, 3]);
      assert.equal(resolveClassAlpha('softmax', 3, null, 'vector'), null);
      assert.throws(() => resolveClassAlpha('softmax', 3, [1, 2], 'vector'), RangeError);
      assert.throws(() => resolveClassAlpha('softmax', 3, 0.5, 'vector'), RangeError);
    });
  });
});
