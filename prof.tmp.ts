import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from './src/core/compute/backend';
import { sigmoidKernel, softmaxKernel } from './src/core/compute/kernels';
import { EpochAccumulator } from './src/core/compute/epoch-accumulator';
const C = 10, n = 104704;
const scores = new Float32Array(C*n).map(() => Math.random()*6-3);
const y = new Float32Array(C*n).map(() => Math.random() < 0.1 ? 1 : 0);
const valid = new Float32Array(n).fill(1);
const t = new Int32Array(n).map(() => Math.floor(Math.random()*C));
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system)/1000; };
(async () => {
  await selectBackend((process.argv[2] as 'wasm') ?? 'wasm');
  for (const gamma of [2, 1.5]) {
    const kl = { gamma, classAlpha: new Array(C).fill(0.25), threshold: 0.5 };
    sigmoidKernel({ scoreKind: 'logits', C, n, scores, y, valid }, kl, false, n);
    let w0 = performance.now(), c0 = cpu();
    for (let i = 0; i < 5; i++) sigmoidKernel({ scoreKind: 'logits', C, n, scores, y, valid }, kl, false, n);
    console.log('sigmoid kernel per 1M samples x10 gamma', gamma, ((performance.now()-w0)/5/n*1e6).toFixed(0), 'ms wall', ((cpu()-c0)/5/n*1e6).toFixed(0), 'ms cpu');
    softmaxKernel({ scoreKind: "logits", C, n, scores, targets: t, yT: y, valid }, kl, false, n);
    w0 = performance.now(); c0 = cpu();
    for (let i = 0; i < 5; i++) softmaxKernel({ scoreKind: "logits", C, n, scores, targets: t, yT: y, valid }, kl, false, n);
    console.log('softmax kernel per 1M samples x10 gamma', gamma, ((performance.now()-w0)/5/n*1e6).toFixed(0), 'ms wall', ((cpu()-c0)/5/n*1e6).toFixed(0), 'ms cpu');
  }
  // staging cost: accumulator with many chunks
  const N = 1_000_000;
  const S = new Float32Array(N*C).map(() => Math.random()*6-3);
  const T = new Int32Array(N).map(() => Math.floor(Math.random()*C));
  for (const kind of ['sigmoid', 'softmax'] as const) {
    const w0 = performance.now(), c0 = cpu();
    const acc = new EpochAccumulator({ kind, gamma: 2, classAlpha: null, threshold: 0.5, numClasses: C });
    for (let s = 0; s < N; s += 65536) { const m = Math.min(65536, N - s); acc.add({ epoch: 1, scoreKind: 'logits', numClasses: C, scores: S.subarray(s*C, (s+m)*C), targetLayout: 'index', targets: T.subarray(s, s+m), samples: m }); }
    acc.finish(1);
    console.log('accumulator', kind, (performance.now()-w0).toFixed(0), 'ms wall', (cpu()-c0).toFixed(0), 'ms cpu', tf.memory().numTensors);
  }
})();
