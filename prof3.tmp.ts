import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from './src/core/compute/backend';
const C = 10, n = 104704;
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system)/1000; };
(async () => {
  await selectBackend('wasm');
  console.log('Step', !!tf.getKernel('Step','wasm'), 'Relu', !!tf.getKernel('Relu','wasm'), 'Sign', !!tf.getKernel('Sign','wasm'));
  const buf = new Float32Array(C*n).map(() => Math.random()*6-3);
  const s = tf.tensor2d(buf, [C, n]);
  const ops: [string, () => tf.Tensor][] = [
    ['tensor2d-prealloc', () => tf.tensor2d(buf, [C, n])],
    ['tensor2d+use', () => tf.neg(tf.tensor2d(buf, [C, n]))],
    ['relu', () => tf.relu(s)],
    ['step', () => tf.step(s)],
    ['minTensor', () => tf.minimum(s, tf.zerosLike(s))],
    ['greaterTensor', () => tf.greater(s, s)],
    ['sign', () => tf.sign(s)],
    ['dataSync-small', () => { const r = tf.sum(tf.reshape(s, [C, n/256, 256]), -1); r.dataSync(); return r; }],
  ];
  for (const [name, f] of ops) {
    tf.tidy(f);
    const c0 = cpu(); const w0 = performance.now();
    for (let i = 0; i < 10; i++) tf.tidy(() => { f(); });
    console.log(name.padEnd(18), ((cpu()-c0)/10).toFixed(2), 'ms cpu', ((performance.now()-w0)/10).toFixed(2), 'wall');
  }
})();
