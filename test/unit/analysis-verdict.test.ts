import { strict as assert } from 'node:assert';
import type { ClassEpochStats, EpochReport, WhatIfRow } from '../../src/core/report';
import { checkCollapse, epochShares, verdict, type VerdictContext } from '../../src/core/analysis/verdict';

/** A binary epoch: n samples, nPos positives, predicted-positive share and positive recall. */
function binaryEpoch(epoch: number, predPos: number, recallPos: number, n = 5200, nPos = 200): EpochReport {
  const tp = recallPos * nPos;
  const predicted = predPos * n;
  const fp = predicted - tp;
  const nNeg = n - nPos;
  const tn = nNeg - fp;
  const cls = (name: string, count: number, trueShare: number, predShare: number, recall: number, precision: number): ClassEpochStats => ({
    class: name,
    count,
    trueShare,
    predShare,
    recall,
    precision,
    f1: precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0,
    focalSum: 0,
    meanWeightPos: 0,
    meanWeightNeg: 0,
    gradPos: 1,
    gradNeg: 1,
    balance: 1,
    factors: { alpha: 1, count: 1, gamma: 1 },
  });
  return {
    epoch,
    samples: n,
    focalSum: 0,
    ceSum: 0,
    perClass: [
      cls('negative', nNeg, nNeg / n, 1 - predPos, tn / nNeg, n - predicted > 0 ? tn / (n - predicted) : 0),
      cls('positive', nPos, nPos / n, predPos, recallPos, predicted > 0 ? tp / predicted : 0),
    ],
  };
}

function row(alpha: number, predPos: number, recallPos: number): WhatIfRow {
  return {
    alpha,
    perClass: [
      { class: 'negative', predShare: 1 - predPos, recall: 0.9, precision: 0.9, f1: 0.9 },
      { class: 'positive', predShare: predPos, recall: recallPos, precision: 0.2, f1: 0.2 },
    ],
    macroF1: 0.5,
    balancedAccuracy: 0.5,
    accuracy: 0.5,
  };
}

function ctx(alpha: number, neutral: WhatIfRow | null): VerdictContext {
  return {
    kind: 'sigmoid',
    layout: 'binary',
    alpha,
    alphaVector: null,
    gamma: 2,
    convention: 'positive',
    threshold: 0.5,
    neutral,
    neutralAlpha: 0.5,
    classAlpha: () => alpha,
    minShare: () => 1 - alpha,
  };
}

describe('verdict (docs/method.md, "Verdict")', () => {
  it('healthy: shares within 3x, no vanished class', () => {
    const epochs = [1, 2, 3, 4].map((e) => binaryEpoch(e, 0.05, 0.6));
    const v = verdict(epochs, ctx(0.25, row(0.5, 0.04, 0.55)));
    assert.equal(v.status, 'healthy');
    assert.equal(v.class, null);
    assert.equal(v.onsetEpoch, null);
    assert.equal(v.alphaDriven, false);
    assert.match(v.message, /Healthy/);
  });

  it('collapsed onto positives: one class takes >= 98% of predictions; onset = first epoch of the final run', () => {
    const shares = [0.1, 0.99, 0.5, 0.985, 0.99, 0.995];
    const epochs = shares.map((s, i) => binaryEpoch(i + 1, s, 1));
    const v = verdict(epochs, ctx(0.99, row(0.5, 0.06, 0.5)));
    assert.equal(v.status, 'collapsed');
    assert.equal(v.class, 'positive');
    assert.equal(v.onsetEpoch, 4);
    assert.equal(v.alphaDriven, true); // neutral counterfactual is not collapsed
    assert.match(v.message, /alpha 0.99/);
    assert.match(v.message, /at least 1% of similar samples/);
    assert.match(v.message, /From epoch 4 the model predicts 'positive' for 99.5%/);
    assert.match(v.message, /At alpha 0.5 the counterfactual predicts 'positive' for 6%/);
    // epoch 3 (2.6x, 25.7x, 13x over the window) is neither getting worse nor 10x off all along
    assert.deepEqual(
      v.perEpoch.map((p) => p.status),
      ['healthy', 'collapsed', 'healthy', 'collapsed', 'collapsed', 'collapsed'],
    );
  });

  it('drifting: a plateau 10x off stays drifting; a plateau 4x off that stopped getting worse is healthy', () => {
    const plateau = [0.5, 0.55, 0.48, 0.52].map((s, i) => binaryEpoch(i + 1, s, 0.9));
    assert.equal(verdict(plateau, ctx(0.96, null)).status, 'drifting');
    const mild = [0.16, 0.15, 0.155, 0.15].map((s, i) => binaryEpoch(i + 1, s, 0.9));
    assert.equal(verdict(mild, ctx(0.9, null)).status, 'healthy');
    // the same mild mismatch while it still grows is drifting
    const growing = [0.13, 0.14, 0.15].map((s, i) => binaryEpoch(i + 1, s, 0.9));
    assert.equal(verdict(growing, ctx(0.9, null)).status, 'drifting');
  });

  it('collapsed onto negatives: the positive class vanishes (recall <= 0.02)', () => {
    const epochs = [0.02, 0.01, 0.001, 0].map((s, i) => binaryEpoch(i + 1, s, s > 0.005 ? 0.2 : 0.01));
    const v = verdict(epochs, ctx(0.25, row(0.5, 0.03, 0.3)));
    assert.equal(v.status, 'collapsed');
    assert.equal(v.class, 'negative');
    assert.equal(v.onsetEpoch, 3);
    assert.match(v.message, /'positive' vanished/);
    assert.match(v.message, /at least 75% of similar samples/);
  });

  it('drifting: ratio >= 3 and getting worse over the last 3 epochs', () => {
    const epochs = [0.05, 0.08, 0.15, 0.2, 0.3].map((s, i) => binaryEpoch(i + 1, s, 0.8));
    const v = verdict(epochs, ctx(0.96, row(0.5, 0.03, 0.3)));
    assert.equal(v.status, 'drifting');
    assert.equal(v.class, 'positive');
    assert.equal(v.onsetEpoch, 3); // 0.15 / 0.0385 = 3.9x: first epoch of the final run beyond 3x
    assert.equal(v.alphaDriven, true); // 3% is more than halfway back from 30% to 3.8%
  });

  it('not drifting when the over-prediction recovers over the window', () => {
    const epochs = [0.4, 0.3, 0.2].map((s, i) => binaryEpoch(i + 1, s, 0.8));
    const v = verdict(epochs, ctx(0.96, row(0.5, 0.03, 0.3)));
    assert.equal(v.status, 'healthy');
  });

  it('not alpha-driven when the neutral counterfactual stays collapsed and does not move halfway back', () => {
    const epochs = [0.99, 0.995].map((s, i) => binaryEpoch(i + 1, s, 1));
    const v = verdict(epochs, ctx(0.9, row(0.5, 0.99, 1)));
    assert.equal(v.status, 'collapsed');
    assert.equal(v.alphaDriven, false);
    assert.match(v.message, /alpha alone does not explain it/);
  });

  it('alpha-driven without a collapse-free counterfactual when it moves halfway back', () => {
    const epochs = [0.99, 0.995].map((s, i) => binaryEpoch(i + 1, s, 1));
    const v = verdict(epochs, ctx(0.99, row(0.5, 0.45, 0.9)));
    assert.equal(v.alphaDriven, true);
  });

  it('a neutral alpha is never blamed', () => {
    const epochs = [0.99, 0.995].map((s, i) => binaryEpoch(i + 1, s, 1));
    const v = verdict(epochs, ctx(0.5, row(0.5, 0.995, 1)));
    assert.equal(v.alphaDriven, false);
  });

  it('checkCollapse ignores classes with fewer than 10 samples', () => {
    const e = binaryEpoch(1, 0.0, 0, 1000, 5);
    const shares = epochShares(e);
    assert.equal(checkCollapse(shares).collapsed, false);
  });

  it('a binary report with only the positive class gets its complement', () => {
    const e = binaryEpoch(1, 0.3, 0.9);
    e.perClass = [e.perClass[1]!];
    const shares = epochShares(e, ['negative', 'positive']);
    assert.equal(shares.length, 2);
    assert.equal(shares[0]!.class, 'negative');
    assert.ok(Math.abs(shares[0]!.predShare - 0.7) < 1e-12);
    assert.ok(Math.abs(shares[0]!.recall - (5000 - (0.3 * 5200 - 180)) / 5000) < 1e-12);
  });
});
