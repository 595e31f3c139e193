// Dumps the e2e tests write into their (temporary) workspace: a 1,000,000 x 10 softmax run for the
// speed figures, and a small run whose class names hold HTML and script (hostile input). The unit and
// integration tests share them; the e2e suites import this file through tsx (test/harness/run-e2e.mjs).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { seededRandom } from '../../src/core/seeded-random';

interface Tensor {
  dtype: string;
  shape: number[];
  data: Float32Array | Int32Array;
}

/** Logits and class indices of a seeded imbalanced softmax run (prior 1 / (k + 1)), the model learning over the epochs. */
function softmaxRun(n: number, classes: number, epochs: number, seed: number): { logits: Float32Array; targets: Int32Array; epoch: Int32Array } {
  const rnd = seededRandom(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  const prior = Array.from({ length: classes }, (_, k) => 1 / (k + 1));
  const total = prior.reduce((a, b) => a + b, 0);
  const logits = new Float32Array(n * epochs * classes);
  const targets = new Int32Array(n * epochs);
  const epoch = new Int32Array(n * epochs);
  for (let e = 0; e < epochs; e++) {
    for (let i = 0; i < n; i++) {
      const row = e * n + i;
      let u = rnd() * total;
      let y = 0;
      while (y < classes - 1 && u > prior[y]!) u -= prior[y++]!;
      targets[row] = y;
      epoch[row] = e + 1;
      for (let k = 0; k < classes; k++) logits[row * classes + k] = gauss() * 1.2 + (k === y ? 0.9 * (e + 1) : 0) - 0.15 * k;
    }
  }
  return { logits, targets, epoch };
}

/** A safetensors file: 8-byte header length, the JSON header (with __metadata__), the tensors. */
function writeSafetensors(path: string, tensors: Record<string, Tensor>, metadata: Record<string, string>): void {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const [name, { dtype, shape, data }] of Object.entries(tensors)) {
    header[name] = { dtype, shape, data_offsets: [offset, offset + data.byteLength] };
    offset += data.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  writeFileSync(path, Buffer.concat([head, Buffer.from(json), ...Object.values(tensors).map((t) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength))]));
}

/** 1,000,000 samples x 10 classes x 2 epochs (80 MB of logits), alpha a per-class vector. */
export function writeSpeedDump(workspace: string): string {
  const n = 1_000_000;
  const classes = 10;
  const { logits, targets, epoch } = softmaxRun(n, classes, 2, 20261128);
  const path = join(workspace, 'speed-1M-x10.safetensors');
  writeSafetensors(
    path,
    { logits: { dtype: 'F32', shape: [2 * n, classes], data: logits }, targets: { dtype: 'I32', shape: [2 * n], data: targets }, epoch: { dtype: 'I32', shape: [2 * n], data: epoch } },
    {
      loss: 'softmax_focal',
      alpha: JSON.stringify(Array.from({ length: classes }, (_, k) => +(0.25 + 0.05 * k).toFixed(2))),
      gamma: '2',
      convention: 'vector',
      classes: JSON.stringify(Array.from({ length: classes }, (_, k) => `class ${k}`)),
    },
  );
  return path;
}

/** Class names that are markup: a report that renders them as HTML shows an image, runs the script, or breaks a table. */
export const HOSTILE_CLASSES = ['<img src=x onerror="window.__pwned=1">', '<script>window.__pwned=2</script>', 'a|b `c` &amp; "d"'];

/** A 3-class softmax run over 4 epochs whose class names are HOSTILE_CLASSES. */
export function writeHostileDump(workspace: string): string {
  const n = 600;
  const { logits, targets } = softmaxRun(n, 3, 4, 7);
  const lines = [JSON.stringify({ meta: { loss: 'softmax_focal', alpha: [0.2, 0.4, 0.4], gamma: 2, convention: 'vector', classes: HOSTILE_CLASSES } })];
  for (let e = 0; e < 4; e++) {
    for (let i = 0; i < n; i++) {
      const row = e * n + i;
      lines.push(JSON.stringify({ epoch: e + 1, target: targets[row], logits: Array.from(logits.subarray(row * 3, row * 3 + 3), (v) => +v.toFixed(4)) }));
    }
  }
  const path = join(workspace, 'hostile-classes.jsonl');
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}
