import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from './src/core/compute/backend';
const C = 10, n = 104704;
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system)/1000; };
(async () => {
  await selectBackend((process.argv[2] as 'wasm') ?? 'wasm');
  const s = tf.tensor2d(new Float32Array(C*n).map(() => Math.random()*6-3), [C, n]);
  const y = tf.tensor2d(new Float32Array(C*n).map(() => Math.random() < 0.1 ? 1 : 0), [C, n]);
  const a = tf.tensor2d(new Array(C).fill(0.25), [C,1]);
  const ops: [string, () => tf.Tensor][] = [
    ['tensor2d', () => tf.tensor2d(new Float32Array(C*n), [C, n])],
    ['sub1', () => tf.sub(1, y)], ['neg', () => tf.neg(s)], ['abs', () => tf.abs(s)], ['exp', () => tf.exp(s)], ['log1p', () => tf.log1p(y)],
    ['minimum0', () => tf.minimum(s, 0)], ['sigmoid', () => tf.sigmoid(s)], ['mul', () => tf.mul(y, s)], ['add', () => tf.add(y, s)],
    ['square', () => tf.square(s)], ['mulScalar', () => tf.mul(s, 2)], ['mulBcast', () => tf.mul(y, a)], ['greater', () => tf.greater(s, 0.5)],
    ['cast', () => tf.cast(y, 'bool')], ['stack5', () => tf.stack([s, s, s, s, s])], ['pow', () => tf.pow(y, tf.scalar(1.5))],
  ];
  for (const [name, f] of ops) {
    f().dispose();
    const c0 = cpu();
    for (let i = 0; i < 10; i++) f().dispose();
    console.log(name.padEnd(10), ((cpu()-c0)/10).toFixed(2), 'ms cpu per', C*n, 'elements');
  }
})();
