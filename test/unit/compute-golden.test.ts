/**
 * The compute engine against golden values from an independent implementation
 * (scripts/golden/make_golden.py: torchvision sigmoid_focal_loss, a plain torch softmax focal loss,
 * autograd gradients, float64), on both the wasm and the cpu tfjs backends, to 1e-5 relative.
 */
import { strict as assert } from 'node:assert';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';

import { selectBackend } from '../../src/core/compute/backend';
import { wasmHeapView } from '../../src/core/compute/kernels';
import { EpochAccumulator, type ResolvedLoss } from '../../src/core/compute/epoch-accumulator';
import type { SampleBatch } from '../../src/core/analysis/counterfactual';
import type { ClassEpochStats, EpochReport } from '../../src/core/report';
import type { PredictionChunk, ScoreKind, TargetLayout } from '../../src/core/readers/types';

const GOLDEN = join(__dirname, '..', 'fixtures', 'golden');
const REL = 1e-5;

interface GoldenEpoch extends EpochReport {
  focalSumTorchvision?: number;
}
interface GoldenFile {
  description: string;
  kind: 'sigmoid' | 'softmax';
  scoreKind: ScoreKind;
  numClasses: number;
  targetLayout: TargetLayout;
  classes: string[];
  inputs: { epoch: number; scores: number[]; targets: number[] }[];
  cases: { alpha: number | null; gamma: number; classAlpha: number[] | null; threshold: number; epochs: GoldenEpoch[] }[];
}

const files = readdirSync(GOLDEN)
  .filter((f) => f.endsWith('.json'))
  .sort();

let maxRel = 0;
after(() => { if (process.env.FOCAL_LENS_SHOW_ERR) console.log(`max relative error over all golden comparisons: ${maxRel.toExponential(2)}`); });

function close(actual: number, expected: number, what: string): void {
  if (expected !== 0) maxRel = Math.max(maxRel, Math.abs(actual - expected) / Math.abs(expected));
  const tol = REL * Math.abs(expected) + 1e-12;
  assert.ok(
    Math.abs(actual - expected) <= tol,
    `${what}: got ${actual}, expected ${expected} (rel err ${(Math.abs(actual - expected) / Math.abs(expected)).toExponential(2)})`,
  );
}

function compareClass(a: ClassEpochStats, e: ClassEpochStats, where: string): void {
  assert.equal(a.class, e.class, `${where} class name`);
  for (const k of [
    'count', 'trueShare', 'predShare', 'recall', 'precision', 'f1', 'focalSum',
    'meanWeightPos', 'meanWeightNeg', 'gradPos', 'gradNeg', 'balance',
  ] as const) {
    close(a[k], e[k], `${where} ${k}`);
  }
  for (const k of ['alpha', 'count', 'gamma'] as const) close(a.factors[k], e.factors[k], `${where} factors.${k}`);
}

/** A batch as onBatch sees it, with its targets copied (they are only valid during the call). */
/** A batch's arrays are valid during onBatch only (reused batch after batch): kept as copies. */
function copyBatch(b: SampleBatch): SampleBatch {
  return { ...b, probabilities: b.probabilities.slice(), targets: Array.from(b.targets) };
}

/** The batches' samples, probabilities and targets, concatenated. */
function joinBatches(batches: SampleBatch[]): { samples: number; probabilities: number[]; targets: number[] } {
  return {
    samples: batches.reduce((n, b) => n + b.samples, 0),
    probabilities: batches.flatMap((b) => Array.from(b.probabilities)),
    targets: batches.flatMap((b) => Array.from(b.targets)),
  };
}

/** Split an epoch's samples into uneven chunks, as a reader would. */
function* chunks(g: GoldenFile, input: GoldenFile['inputs'][number], sizes: number[]): Generator<PredictionChunk> {
  const C = g.numClasses;
  const perT = g.targetLayout === 'multi-hot' ? C : 1;
  const scores = Float32Array.from(input.scores);
  const targets = g.targetLayout === 'multi-hot' ? Uint8Array.from(input.targets) : Int32Array.from(input.targets);
  const N = scores.length / C;
  let start = 0;
  let i = 0;
  while (start < N) {
    const n = Math.min(sizes[i++ % sizes.length], N - start);
    yield {
      epoch: input.epoch,
      scoreKind: g.scoreKind,
      numClasses: C,
      scores: scores.subarray(start * C, (start + n) * C),
      targetLayout: g.targetLayout,
      targets: targets.subarray(start * perT, (start + n) * perT),
      samples: n,
    };
    start += n;
  }
}

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`compute engine vs golden values (${backend})`, function () {
    before(async function () {
      const sel = await selectBackend(backend);
      assert.equal(sel.name, backend);
      assert.equal(tf.getBackend(), backend);
    });

    for (const file of files) {
      const g = JSON.parse(readFileSync(join(GOLDEN, file), 'utf8')) as GoldenFile;
      for (const c of g.cases) {
        const label = `${file} alpha=${c.classAlpha ? c.classAlpha.join('/') : 'off'} gamma=${c.gamma}`;
        // Default batching (one kernel call), and small batches (several calls + a padded tail).
        for (const batchScores of [undefined, 700 * g.numClasses]) {
          it(`${label}${batchScores ? ' (small batches)' : ''}`, function () {
            const loss: ResolvedLoss = {
              kind: g.kind,
              gamma: c.gamma,
              classAlpha: c.classAlpha,
              threshold: c.threshold,
              numClasses: g.numClasses,
            };
            const before = tf.memory().numTensors;
            for (const [ei, input] of g.inputs.entries()) {
              const acc = new EpochAccumulator(loss, g.classes, { batchScores });
              for (const ch of chunks(g, input, [997, 64, 1500, 1])) acc.add(ch);
              const { report } = acc.finish(input.epoch);
              const e = c.epochs[ei];
              const where = `${label} epoch ${e.epoch}`;
              assert.equal(report.epoch, e.epoch);
              assert.equal(report.samples, e.samples);
              close(report.focalSum, e.focalSum, `${where} focalSum`);
              if (e.focalSumTorchvision !== undefined) {
                close(report.focalSum, e.focalSumTorchvision, `${where} focalSum vs torchvision reduction=sum`);
              }
              close(report.ceSum, e.ceSum, `${where} ceSum`);
              assert.equal(report.perClass.length, e.perClass.length);
              report.perClass.forEach((pc, i) => compareClass(pc, e.perClass[i], `${where} [${pc.class}]`));
              // The per-class focal sums add up to the epoch's (nothing counted twice).
              close(report.perClass.reduce((s, x) => s + x.focalSum, 0), e.focalSum, `${where} sum of per-class focalSum`);
            }
            assert.equal(tf.memory().numTensors, before, 'tensors leaked');
          });
        }
      }
    }

    it(backend === 'wasm' ? 'reads probabilities straight from the wasm heap, as dataSync has them' : 'reads probabilities through dataSync (no heap view off wasm)', function () {
      const x = tf.tidy(() => tf.softmax(tf.tensor2d([0.5, -1, 2, 0, 3, 1, -2, 0.25], [2, 4])));
      const view = wasmHeapView(x, 6);
      if (backend === 'wasm') assert.deepEqual(Array.from(view ?? []), Array.from(x.dataSync()).slice(0, 6), 'the heap view is taken and holds the values');
      else assert.equal(view, null);
      x.dispose();
    });

    it('hands each batch of per-sample probabilities and targets to onBatch', function () {
      const g = JSON.parse(readFileSync(join(GOLDEN, 'softmax-logits.json'), 'utf8')) as GoldenFile;
      const loss: ResolvedLoss = { kind: 'softmax', gamma: 2, classAlpha: null, threshold: 0.5, numClasses: 4 };
      const batches: SampleBatch[] = [];
      const acc = new EpochAccumulator(loss, g.classes, { onBatch: (b) => batches.push(copyBatch(b)), batchScores: 512 * 4 });
      for (const ch of chunks(g, g.inputs[0], [300, 1000])) acc.add(ch);
      acc.finish(1);
      const N = g.inputs[0].targets.length;
      assert.ok(batches.length > 1, 'one call per kernel batch');
      const r = joinBatches(batches);
      assert.equal(r.samples, N);
      assert.equal(r.probabilities.length, N * 4);
      assert.ok(batches.every((b) => b.targetLayout === 'index'));
      assert.deepEqual(r.targets, g.inputs[0].targets);
      for (const i of [0, 1, 777, N - 1]) {
        const z = g.inputs[0].scores.slice(i * 4, i * 4 + 4);
        const m = Math.max(...z);
        const den = z.reduce((s, x) => s + Math.exp(x - m), 0);
        for (let c = 0; c < 4; c++) close(r.probabilities[i * 4 + c], Math.exp(z[c] - m) / den, `p[${i},${c}]`);
      }
      const gb = JSON.parse(readFileSync(join(GOLDEN, 'multilabel-logits.json'), 'utf8')) as GoldenFile;
      const batchesB: SampleBatch[] = [];
      const accB = new EpochAccumulator({ kind: 'sigmoid', gamma: 2, classAlpha: null, threshold: 0.5, numClasses: 4 }, null, {
        onBatch: (b) => batchesB.push(copyBatch(b)),
        batchScores: 256 * 4,
      });
      for (const ch of chunks(gb, gb.inputs[0], [333])) accB.add(ch);
      accB.finish(1);
      const rb = joinBatches(batchesB);
      assert.ok(batchesB.every((b) => b.targetLayout === 'multi-hot'));
      assert.equal(rb.probabilities.length, gb.inputs[0].targets.length);
      assert.deepEqual(rb.targets, gb.inputs[0].targets);
      for (const i of [0, 5, 1499]) {
        for (let c = 0; c < 4; c++) close(rb.probabilities[i * 4 + c], 1 / (1 + Math.exp(-gb.inputs[0].scores[i * 4 + c])), `sigmoid p[${i},${c}]`);
      }
    });
  });
}
