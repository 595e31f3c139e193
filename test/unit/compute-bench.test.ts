/**
 * Throughput of the compute engine: one 1,000,000-sample x 10-class epoch per backend and loss kind.
 * Skipped unless FOCAL_LENS_BENCH=1 (it takes tens of seconds on the cpu backend):
 *
 *     FOCAL_LENS_BENCH=1 npx mocha --config test/unit/.mocharc.json test/unit/compute-bench.test.ts
 */
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs-core';

import { selectBackend } from '../../src/core/compute/backend';
import { EpochAccumulator, type ResolvedLoss } from '../../src/core/compute/epoch-accumulator';
import type { PredictionChunk } from '../../src/core/readers/types';

const N = 1_000_000;
const C = 10;
const CHUNK = 65_536;

function makeData(): { scores: Float32Array; targets: Int32Array } {
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x80000000);
  const scores = new Float32Array(N * C);
  const targets = new Int32Array(N);
  for (let i = 0; i < N; i++) {
    const t = Math.min(C - 1, Math.floor(-Math.log(1 - rand()) * 2));
    targets[i] = t;
    for (let c = 0; c < C; c++) scores[i * C + c] = (rand() - 0.5) * 6 + (c === t ? 2 : -1);
  }
  return { scores, targets };
}

(process.env.FOCAL_LENS_BENCH ? describe : describe.skip)('compute engine throughput (1M x 10)', function () {
  this.timeout(600_000);
  const data = makeData();
  for (const backend of ['wasm', 'cpu'] as const) {
    for (const kind of ['sigmoid', 'softmax'] as const) {
      for (const gamma of [2, 1.5]) {
        it(`${backend} ${kind} gamma=${gamma}`, async function () {
          await selectBackend(backend);
          const loss: ResolvedLoss = { kind, gamma, classAlpha: new Array(C).fill(kind === 'sigmoid' ? 0.25 : 0.5), threshold: 0.5, numClasses: C };
          const run = () => {
            const t0 = performance.now();
            const acc = new EpochAccumulator(loss, null);
            for (let s = 0; s < N; s += CHUNK) {
              const n = Math.min(CHUNK, N - s);
              const chunk: PredictionChunk = {
                epoch: 1, scoreKind: 'logits', numClasses: C, scores: data.scores.subarray(s * C, (s + n) * C),
                targetLayout: 'index', targets: data.targets.subarray(s, s + n), samples: n,
              };
              acc.add(chunk);
            }
            const r = acc.finish(1);
            return { ms: performance.now() - t0, r };
          };
          const first = run();
          const second = backend === 'cpu' ? first : run();
          console.log(`      ${backend} ${kind} gamma=${gamma}: first ${first.ms.toFixed(0)} ms, warm ${second.ms.toFixed(0)} ms, tensors ${tf.memory().numTensors}`);
          assert.equal(second.r.report.samples, N);
        });
      }
    }
  }
});
