import { readEventFile } from './src/core/readers/tensorboard/index';
import { histogramFromCurve, binnedBinaryEpoch, binnedCounterfactual } from './src/core/analysis/binned';
import truth from './test/fixtures/real-logs/truth.json';
import syn from './test/fixtures/golden/binned-synthetic.json';
(async () => {
  for (const [id, file] of [['a_lightning_binary_alpha097', 'runs/a_lightning_binary_alpha097/tensorboard/version_0/events.out.tfevents.1796150045.vm.8957.0'], ['b_lightning_binary_alpha080_healthy', 'runs/b_lightning_binary_alpha080_healthy/tensorboard/version_0/events.out.tfevents.1796150050.vm.8957.2']]) {
    const c = await readEventFile('test/fixtures/real-logs/' + file, { displayName: file });
    const curve = c.prCurves.get('val_pr_curve')!.at(-1)!;
    const tc = (truth as any).cases[id];
    const h = histogramFromCurve(curve);
    const e = binnedBinaryEpoch(curve.step + 1, h, { alpha: tc.alpha, gamma: tc.gamma }, ['neg', 'pos']);
    const fl = tc.truth.sigmoid_focal_loss_val_last_epoch;
    for (const k of [0, 1]) {
      const pc = e.report.perClass[k]!; const name = pc.class; const t = fl[name]; const le = tc.truth.last_epoch[name];
      console.log(id[0], name, 'focal', pc.focalSum.toFixed(4), t.focal_sum.toFixed(4), ((pc.focalSum / t.focal_sum - 1) * 100).toFixed(3) + '%', 'bounds', e.approximation.focalBounds[k], 'pred', pc.predShare.toFixed(6), le.pred_share, 'recall', pc.recall.toFixed(6), le.recall, 'prec', pc.precision.toFixed(6), le.precision);
    }
    const cf = binnedCounterfactual([h], { alpha: tc.alpha, gamma: tc.gamma }, ['neg', 'pos']);
    console.log('observed', JSON.stringify(cf.observed().perClass.map(r=>[r.predShare.toFixed(4), r.recall.toFixed(4)])), 'at 0.5', JSON.stringify(cf.evaluate(0.5).perClass.map(r=>[r.predShare.toFixed(4), r.recall.toFixed(4)])), 'neutral retrain truth', JSON.stringify(tc.neutral_alpha_retrain).slice(0, 300));
  }
  const keys = ['focalPos', 'focalNeg', 'gradPos', 'gradNeg', 'meanWeightPos', 'meanWeightNeg'] as const;
  for (const T of [127, 201, 11]) {
    const errs: Record<string, number[]> = {};
    for (const cv of (syn as any).curves) {
      if (cv.numThresholds !== T) continue;
      const h = histogramFromCurve(cv);
      for (const st of cv.settings) {
        const e = binnedBinaryEpoch(0, h, { alpha: st.alpha, gamma: st.gamma });
        const [n, p] = e.report.perClass;
        const got: any = { focalPos: p!.focalSum, focalNeg: n!.focalSum, gradPos: p!.gradPos, gradNeg: p!.gradNeg, meanWeightPos: p!.meanWeightPos, meanWeightNeg: p!.meanWeightNeg };
        for (const k of keys) (errs[k] ??= []).push(Math.abs(got[k] / st[k] - 1));
      }
    }
    const q = (a: number[], f: number) => { const s = a.slice().sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.floor(f * s.length))]!; };
    console.log(T, keys.map((k) => `${k} med ${(100 * q(errs[k]!, 0.5)).toFixed(3)}% p90 ${(100 * q(errs[k]!, 0.9)).toFixed(2)}% max ${(100 * Math.max(...errs[k]!)).toFixed(1)}%`).join(' '));
  }
})();
