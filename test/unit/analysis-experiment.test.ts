// Counterfactual validation on a real training experiment (scripts/experiments/train_alphas.py):
// from the alpha = 0.5 run's final logits alone, predict the positive rate of runs retrained at
// other alphas (docs/method.md, "Counterfactual").
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { counterfactual } from '../../src/core/analysis/counterfactual';

const dir = join(__dirname, '..', 'fixtures', 'experiments');

interface Outcomes {
  runs: Array<{ alpha: number; final: { predPositiveRate: number; recall: number } }>;
}

describe('counterfactual alpha on a real training experiment', () => {
  const base = JSON.parse(readFileSync(join(dir, 'alpha_0.5_final.json'), 'utf8')) as { alpha: number; gamma: number; targets: number[]; logits: number[] };
  const outcomes = JSON.parse(readFileSync(join(dir, 'outcomes.json'), 'utf8')) as Outcomes;
  const N = base.targets.length;
  const probs = Float32Array.from(base.logits, (z) => 1 / (1 + Math.exp(-z)));
  const cf = counterfactual({
    kind: 'sigmoid',
    numClasses: 1,
    samples: N,
    probabilities: probs,
    targets: Int32Array.from(base.targets),
    targetLayout: 'index',
    gamma: base.gamma,
    alpha0: base.alpha,
    classes: ['negative', 'positive'],
  });

  it('reproduces the alpha 0.5 run itself', () => {
    const run = outcomes.runs.find((r) => r.alpha === 0.5)!;
    assert.ok(Math.abs(cf.evaluate(0.5).perClass[1]!.predShare - run.final.predPositiveRate) < 1e-9);
  });

  for (const alpha of [0.25, 0.75, 0.96]) {
    it(`predicts the retrained alpha ${alpha} run's positive rate within 0.05`, () => {
      const run = outcomes.runs.find((r) => r.alpha === alpha)!;
      const predicted = cf.evaluate(alpha).perClass[1]!.predShare;
      const diff = Math.abs(predicted - run.final.predPositiveRate);
      console.log(`      alpha ${alpha}: counterfactual ${predicted.toFixed(4)}, retrained ${run.final.predPositiveRate.toFixed(4)}, |diff| ${diff.toFixed(4)}`);
      assert.ok(diff <= 0.05, `counterfactual ${predicted} vs retrained ${run.final.predPositiveRate}`);
      const recall = cf.evaluate(alpha).perClass[1]!.recall;
      console.log(`        recall: counterfactual ${recall.toFixed(4)}, retrained ${run.final.recall.toFixed(4)}`);
      assert.ok(Math.abs(recall - run.final.recall) <= 0.1);
    });
  }
});
