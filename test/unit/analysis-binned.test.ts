import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { binnedBinaryEpoch, binnedCounterfactual, binnedOneVsRestEpoch, histogramFromCurve, type BinnedHistogram } from '../../src/core/analysis/binned';
import { counterfactual } from '../../src/core/analysis/counterfactual';
import { readEventFile } from '../../src/core/readers/tensorboard/index';
import { rng } from './seeded-random';
import truth from '../fixtures/real-logs/truth.json';
import synthetic from '../fixtures/tensorboard/binned-synthetic.json';

const REAL = join(__dirname, '../fixtures/real-logs');

interface SyntheticSetting {
  alpha: number | null;
  gamma: number;
  focalPos: number;
  focalNeg: number;
  meanWeightPos: number;
  meanWeightNeg: number;
  gradPos: number;
  gradNeg: number;
  predictedPos: number;
  truePos: number;
}
interface SyntheticCurve {
  name: string;
  numThresholds: number;
  nNeg: number;
  nPos: number;
  tp: number[];
  fp: number[];
  settings: SyntheticSetting[];
}
const CURVES = (synthetic as unknown as { curves: SyntheticCurve[] }).curves;

const relErr = (got: number, want: number) => Math.abs(got / want - 1);
const quantile = (xs: number[], q: number) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;

/** TensorBoard's bucketing of per-sample probabilities (float32 p, floor(p (T - 1))). */
function tbHistogram(p: Float64Array, y: Uint8Array, T: number): BinnedHistogram {
  const positives = new Float64Array(T);
  const negatives = new Float64Array(T);
  for (let i = 0; i < p.length; i++) {
    const b = Math.floor(Math.fround(Math.fround(p[i]!) * (T - 1)));
    (y[i] ? positives : negatives)[b]! += 1;
  }
  return { numThresholds: T, positives, negatives };
}

describe('binned focal estimate from PR curves', () => {
  describe('real Lightning runs, last epoch, against the exact sums of truth.json', () => {
    const cases = [
      ['a_lightning_binary_alpha097', 'runs/a_lightning_binary_alpha097/tensorboard/version_0/events.out.tfevents.1796150045.vm.8957.0'],
      ['b_lightning_binary_alpha080_healthy', 'runs/b_lightning_binary_alpha080_healthy/tensorboard/version_0/events.out.tfevents.1796150050.vm.8957.2'],
    ] as const;
    for (const [id, rel] of cases) {
      it(`${id}: per-class focal sums within 1% (and inside the exact bounds), shares, recall and precision exact`, async () => {
        const c = truth.cases[id];
        const file = await readEventFile(join(REAL, rel), { displayName: rel });
        const curve = file.prCurves.get('val_pr_curve')!.at(-1)!;
        assert.equal(curve.step + 1, c.truth.epochs); // global_step is the 0-based epoch
        const hist = histogramFromCurve(curve);
        const { report, approximation } = binnedBinaryEpoch(c.truth.epochs, hist, { alpha: c.alpha, gamma: c.gamma }, ['neg', 'pos']);
        const noAlpha = binnedBinaryEpoch(c.truth.epochs, hist, { alpha: null, gamma: c.gamma }, ['neg', 'pos']).report;
        const ce = binnedBinaryEpoch(c.truth.epochs, hist, { alpha: null, gamma: 0 }, ['neg', 'pos']).report;
        const exact = c.truth.sigmoid_focal_loss_val_last_epoch;
        assert.equal(approximation.numThresholds, 127);
        assert.ok(approximation.thresholdExact);
        assert.match(approximation.note, /PR curve with 127 thresholds/);
        report.perClass.forEach((k, i) => {
          const name = k.class as 'neg' | 'pos';
          const last = c.truth.last_epoch[name];
          assert.equal(k.count, exact[name].count);
          assert.ok(relErr(k.focalSum, exact[name].focal_sum) < 0.01, `${name} focal ${k.focalSum} vs ${exact[name].focal_sum}`);
          assert.ok(relErr(noAlpha.perClass[i]!.focalSum, exact[name].focal_sum_without_alpha) < 0.01);
          assert.ok(relErr(ce.perClass[i]!.focalSum, exact[name].bce_sum) < 0.01);
          const b = approximation.focalBounds[i]!;
          assert.ok(b.lower <= exact[name].focal_sum && exact[name].focal_sum <= b.upper, `${name} bounds`);
          assert.ok(Math.abs(k.predShare - last.pred_share) < 1e-6);
          assert.ok(Math.abs(k.recall - last.recall) < 1e-6);
          assert.ok(Math.abs(k.precision - last.precision) < 1e-6);
        });
        assert.ok(relErr(report.focalSum, exact.total_focal_sum) < 0.01);
        // the two classes are one head seen from both sides
        assert.equal(report.perClass[0]!.gradPos, report.perClass[1]!.gradNeg);
        const pos = report.perClass[1]!;
        assert.ok(relErr(pos.factors.alpha * pos.factors.count * pos.factors.gamma, pos.balance) < 1e-12);
      });
    }
  });

  describe('synthetic PR curves with exact values (scripts/golden/make_binned_golden.py)', () => {
    const rows = CURVES.flatMap((cv) => cv.settings.map((st) => ({ cv, st, est: binnedBinaryEpoch(0, histogramFromCurve(cv), { alpha: st.alpha, gamma: st.gamma }) })));

    it('the exact focal sums always lie inside the bounds', () => {
      for (const { cv, st, est } of rows) {
        const [neg, pos] = est.approximation.focalBounds;
        assert.ok(neg!.lower <= st.focalNeg * (1 + 1e-9) && st.focalNeg <= neg!.upper * (1 + 1e-9), `${cv.name} T=${cv.numThresholds} FL-`);
        assert.ok(pos!.lower <= st.focalPos * (1 + 1e-9) && st.focalPos <= pos!.upper * (1 + 1e-9), `${cv.name} T=${cv.numThresholds} FL+`);
      }
    });

    it('counts, predicted positives and true positives at 0.5 are exact', () => {
      for (const { cv, st, est } of rows) {
        const [neg, pos] = est.report.perClass;
        assert.equal(pos!.count, cv.nPos);
        assert.equal(neg!.count, cv.nNeg);
        assert.ok(Math.abs(pos!.predShare * (cv.nPos + cv.nNeg) - st.predictedPos) < 1e-6, cv.name);
        assert.ok(Math.abs(pos!.recall * cv.nPos - st.truePos) < 1e-6, cv.name);
      }
    });

    // Measured error distribution of the estimator (the README quotes these); the bounds hold the
    // estimator to what it does today so that a change that makes it worse fails.
    const measured: Array<[number, keyof SyntheticSetting, number, number]> = [
      // T, quantity, median bound, 90th percentile bound
      [127, 'focalPos', 0.004, 0.06],
      [127, 'focalNeg', 0.003, 0.2],
      [127, 'gradPos', 0.001, 0.005],
      [201, 'focalPos', 0.004, 0.05],
      [201, 'focalNeg', 0.002, 0.15],
      [201, 'gradPos', 0.001, 0.005],
    ];
    for (const [T, key, median, p90] of measured) {
      it(`T = ${T}: ${key} relative error median < ${median * 100}%, 90th percentile < ${p90 * 100}%`, () => {
        const errs = rows.filter((r) => r.cv.numThresholds === T).map(({ st, est }) => {
          const [neg, pos] = est.report.perClass;
          const got = { focalPos: pos!.focalSum, focalNeg: neg!.focalSum, gradPos: pos!.gradPos } as Record<string, number>;
          return relErr(got[key]!, st[key] as number);
        });
        assert.ok(quantile(errs, 0.5) < median, `median ${quantile(errs, 0.5)}`);
        assert.ok(quantile(errs, 0.9) < p90, `p90 ${quantile(errs, 0.9)}`);
      });
    }

    it('bins well populated away from the ends: every quantity within 1% at T = 127 and 201', () => {
      for (const { cv, st, est } of rows) {
        if (!['typical', 'overlap', 'positive-collapse', 'bimodal'].includes(cv.name) || cv.numThresholds === 11) continue;
        const [neg, pos] = est.report.perClass;
        const pairs: Array<[number, number, string]> = [
          [pos!.focalSum, st.focalPos, 'FL+'],
          [neg!.focalSum, st.focalNeg, 'FL-'],
          [pos!.meanWeightPos, st.meanWeightPos, 'w+'],
          [pos!.meanWeightNeg, st.meanWeightNeg, 'w-'],
          [pos!.gradPos, st.gradPos, 'G+'],
          [pos!.gradNeg, st.gradNeg, 'G-'],
        ];
        for (const [got, want, what] of pairs) assert.ok(relErr(got, want) < 0.01, `${cv.name} T=${cv.numThresholds} a=${st.alpha} g=${st.gamma} ${what}: ${got} vs ${want}`);
      }
    });
  });

  describe('histogramFromCurve', () => {
    it('differences of TP and FP; the last bin is p = 1', () => {
      const h = histogramFromCurve({ numThresholds: 3, tp: [5, 3, 1], fp: [7, 2, 0] });
      assert.deepEqual(Array.from(h.positives), [2, 2, 1]);
      assert.deepEqual(Array.from(h.negatives), [5, 2, 0]);
    });

    it('rejects rows that grow with the threshold', () => {
      assert.throws(() => histogramFromCurve({ numThresholds: 3, tp: [1, 3, 0], fp: [1, 1, 1] }), /TP at threshold 0 is smaller than at threshold 1/);
      assert.throws(() => histogramFromCurve({ numThresholds: 1, tp: [1], fp: [1] }), RangeError);
    });
  });

  describe('counterfactual from bins', () => {
    // per-sample data, bucketed as TensorBoard does, so the sample engine is the reference
    const next = rng(99);
    const gauss = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
    const N = 20000;
    const p = new Float64Array(N);
    const y = new Uint8Array(N);
    for (let i = 0; i < N; i++) {
      y[i] = next() < 0.05 ? 1 : 0;
      p[i] = 1 / (1 + Math.exp(-(y[i] ? 0.5 + 1.5 * gauss() : -3 + 1.3 * gauss())));
    }
    const gamma = 2;
    const alpha0 = 0.9;
    const hist = tbHistogram(p, y, 127);
    const binned = binnedCounterfactual([hist], { alpha: alpha0, gamma }, ['neg', 'pos']);
    const samples = counterfactual({ kind: 'sigmoid', numClasses: 1, samples: N, probabilities: Float32Array.from(p), targets: y, targetLayout: 'index', gamma, alpha0, classes: ['neg', 'pos'] });

    it('observed(): the curve at the threshold, as the per-sample engine sees it', () => {
      const a = binned.observed();
      const b = samples.observed();
      a.perClass.forEach((r, k) => {
        assert.ok(Math.abs(r.predShare - b.perClass[k]!.predShare) < 1e-3);
        assert.ok(Math.abs(r.recall - b.perClass[k]!.recall) < 1e-3);
      });
      assert.equal(binned.samples, N);
      assert.ok(!binned.oneVsRest);
    });

    it('what-if rows within 0.005 of the per-sample engine over the alpha grid', () => {
      let worst = 0;
      for (const a of [0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99]) {
        const r = binned.evaluate(a);
        const s = samples.evaluate(a);
        r.perClass.forEach((c, k) => {
          worst = Math.max(worst, Math.abs(c.predShare - s.perClass[k]!.predShare), Math.abs(c.recall - s.perClass[k]!.recall));
        });
        assert.ok(Math.abs(r.macroF1 - s.macroF1) < 0.01, `alpha ${a}: macro-F1 ${r.macroF1} vs ${s.macroF1}`);
      }
      assert.ok(worst < 0.005, `worst ${worst}`);
    });

    it('alpha0 reproduces the run; more alpha, more positives; 0 and 1 are the limits', () => {
      const obs = binned.observed();
      assert.ok(Math.abs(binned.evaluate(alpha0).perClass[1]!.predShare - obs.perClass[1]!.predShare) < 1e-9);
      let prev = -1;
      for (let a = 0.01; a < 1; a += 0.01) {
        const share = binned.evaluate(a).perClass[1]!.predShare;
        assert.ok(share >= prev - 1e-12);
        prev = share;
      }
      assert.equal(binned.evaluate(1).perClass[1]!.predShare, 1);
      assert.equal(binned.evaluate(0).perClass[1]!.predShare, 0);
    });

    it('one-vs-rest heads: one curve per class', () => {
      const heads = [hist, tbHistogram(p.map((v) => 1 - v), y.map((v) => 1 - v), 127)];
      const engine = binnedCounterfactual(heads, { alpha: 0.5, gamma }, ['a', 'b']);
      assert.ok(engine.oneVsRest);
      assert.deepEqual(engine.classes, ['a', 'b']);
      const row = engine.evaluate([0.5, 0.5]);
      assert.equal(row.perClass.length, 2);
      const epoch = binnedOneVsRestEpoch(3, heads, { alpha: 0.5, gamma }, ['a', 'b']);
      assert.equal(epoch.report.samples, N);
      assert.equal(epoch.report.perClass[0]!.count + epoch.report.perClass[1]!.count, N);
      assert.ok(Math.abs(epoch.report.focalSum - epoch.report.perClass[0]!.focalSum - epoch.report.perClass[1]!.focalSum) < 1e-9);
      assert.equal(epoch.approximation.focalBounds.length, 2);
    });
  });
});
