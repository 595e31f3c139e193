import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from './src/core/compute/backend';
const C = 10, n = 104704;
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system)/1000; };
(async () => {
  await selectBackend('wasm');
  const s = tf.tensor2d(new Float32Array(C*n).map(() => Math.random()*6-3), [n, C]);
  const t = tf.tensor1d(new Int32Array(n).map(() => Math.floor(Math.random()*C)), 'int32');
  const y = tf.cast(tf.oneHot(t, C), 'float32');
  const v = tf.ones([n]);
  const ops: [string, () => tf.Tensor | tf.Tensor[]][] = [
    ['max1', () => tf.max(s, 1, true)], ['subB', () => tf.sub(s, tf.max(s, 1, true))], ['exp', () => tf.exp(s)],
    ['oneHot', () => tf.oneHot(t, C)], ['castOH', () => tf.cast(tf.oneHot(t, C), 'float32')], ['sum1', () => tf.sum(s, 1)],
    ['divB', () => tf.div(s, tf.reshape(v, [n, 1]))], ['argMax', () => tf.argMax(s, 1)], ['equal', () => tf.cast(tf.equal(t, t), 'float32')],
    ['concat', () => tf.concat([y, y], 1)], ['stack6', () => tf.stack([v, v, v, v, v, v], 1)],
    ['mm1', () => tf.matMul(tf.reshape(tf.concat([y, y], 1), [n/256, 256, 2*C]), tf.reshape(tf.stack([v, v, v, v, v, v], 1), [n/256, 256, 6]), true, false)],
    ['mm2', () => tf.matMul(tf.reshape(v, [n/256, 1, 256]), tf.reshape(s, [n/256, 256, C]))],
    ['mulB', () => tf.mul(y, tf.reshape(v, [n, 1]))],
    ['log1p_n', () => tf.log1p(v)], ['pow_n', () => tf.pow(v, tf.scalar(0.5))],
  ];
  for (const [name, f] of ops) {
    tf.tidy(f);
    const c0 = cpu();
    for (let i = 0; i < 10; i++) tf.tidy(() => { f(); });
    console.log(name.padEnd(10), ((cpu()-c0)/10).toFixed(2), 'ms cpu');
  }
})();
