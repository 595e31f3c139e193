// Throughput of the compute engine alone, for `npm run bench -- --engine`: one epoch of N samples x
// 10 classes (in memory, from src/core/seeded-random.ts) per backend, loss kind and gamma, timed
// cold (first epoch: kernel compilation) and warm. Bundled by scripts/bench.mjs; not shipped.
//
//   compute-engine [samples] [--backends wasm,cpu]
//
// Prints one JSON object per line: backend, kind, gamma, cold and warm milliseconds, tensors left.
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend, type BackendPreference } from '../src/core/compute/backend';
import { EpochAccumulator, type ResolvedLoss } from '../src/core/compute/epoch-accumulator';
import type { PredictionChunk } from '../src/core/readers/types';
import { seededRandom } from '../src/core/seeded-random';

const C = 10;
const CHUNK = 65_536;

function makeData(N: number): { scores: Float32Array; targets: Int32Array } {
  const rand = seededRandom(12345);
  const scores = new Float32Array(N * C);
  const targets = new Int32Array(N);
  for (let i = 0; i < N; i++) {
    const t = Math.min(C - 1, Math.floor(-Math.log(1 - rand()) * 2));
    targets[i] = t;
    for (let c = 0; c < C; c++) scores[i * C + c] = (rand() - 0.5) * 6 + (c === t ? 2 : -1);
  }
  return { scores, targets };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const N = Number(args.find((a) => /^\d+$/.test(a)) ?? 1_000_000);
  const backends = (args.includes('--backends') ? args[args.indexOf('--backends') + 1]! : 'wasm,cpu').split(',') as BackendPreference[];
  const data = makeData(N);
  for (const backend of backends) {
    await selectBackend(backend);
    for (const kind of ['sigmoid', 'softmax'] as const) {
      for (const gamma of [2, 1.5]) {
        const loss: ResolvedLoss = { kind, gamma, classAlpha: new Array<number>(C).fill(kind === 'sigmoid' ? 0.25 : 0.5), threshold: 0.5, numClasses: C };
        const epoch = (): number => {
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
          const samples = acc.finish(1).report.samples;
          if (samples !== N) throw new Error(`${backend} ${kind}: ${samples} samples counted of ${N}`);
          return performance.now() - t0;
        };
        const cold = epoch();
        // the cpu backend has nothing to compile: its first epoch is its warm one
        const warm = backend === 'cpu' ? cold : epoch();
        process.stdout.write(`${JSON.stringify({ backend, kind, gamma, samples: N, coldMs: Math.round(cold), warmMs: Math.round(warm), tensors: tf.memory().numTensors })}\n`);
      }
    }
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 2;
});
