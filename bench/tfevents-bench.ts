// TensorBoard event files for `npm run bench` (bundled by scripts/bench.mjs; not shipped):
//   generate <path> <MB>   write a realistic event file of about MB megabytes
//   read <path>            read it with src/core/readers/tensorboard and print a summary (JSON)
// The summary (records, points per kind, a sum of every value) is what bench/peer_tfevents.py
// prints too, so the bench can check that both read the same numbers.
import { createWriteStream } from 'node:fs';
import protobuf from 'protobufjs';
import { frameRecord, readEventFile } from '../src/core/readers/tensorboard/index';
import { EVENT_PROTO } from '../src/core/readers/tensorboard/schema';

const SCALAR_TAGS = 40;
const TENSOR_SCALAR_TAGS = 8;
const PR_CLASSES = 4;
const PR_EVERY = 100;
const T = 127;

/**
 * A training run as torch.utils.tensorboard and tf.summary write it: per step, one event per
 * simple_value scalar (torch add_scalar), one per TF2-style tensor scalar; every PR_EVERY steps a
 * 127-threshold PR curve per class (float_val, as torch add_pr_curve writes them).
 */
async function generate(path: string, megabytes: number): Promise<void> {
  const root = protobuf.parse(EVENT_PROTO).root;
  const Event = root.lookupType('focallens.tensorboard.Event');
  const prCurveContent = root.lookupType('focallens.tensorboard.PrCurvePluginData').encode({ version: 0, numThresholds: T }).finish();
  const out = createWriteStream(path);
  let written = 0;
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  const emit = async (event: object) => {
    const rec = frameRecord(Event.encode(Event.fromObject(event)).finish());
    pending.push(rec);
    pendingBytes += rec.length;
    written += rec.length;
    if (pendingBytes > 1 << 20) {
      if (!out.write(Buffer.concat(pending))) await new Promise<void>((r) => out.once('drain', () => r()));
      pending = [];
      pendingBytes = 0;
    }
  };
  let seed = 12345;
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  await emit({ wallTime: 1.7e9, fileVersion: 'brain.Event:2' });
  for (let step = 0; written < megabytes * 1e6; step++) {
    const wallTime = 1.7e9 + step * 0.05;
    for (let k = 0; k < SCALAR_TAGS; k++) {
      // the first tags are per-class validation metrics, as a Lightning module logs them
      const tag = k < PR_CLASSES ? `val_recall_c${k}` : k < 2 * PR_CLASSES ? `val_precision_c${k - PR_CLASSES}` : `train/metric_${k}`;
      await emit({ wallTime, step, summary: { value: [{ tag, simpleValue: k < 2 * PR_CLASSES ? 0.3 + 0.6 * rand() : Math.exp(-step / 5e4) + rand() * 0.01 }] } });
    }
    for (let k = 0; k < TENSOR_SCALAR_TAGS; k++) {
      const value = new Float32Array([rand()]);
      const metadata = step === 0 ? { pluginData: { pluginName: 'scalars' } } : undefined;
      await emit({ wallTime, step, summary: { value: [{ tag: `epoch_${k}`, metadata, tensor: { dtype: 1, tensorContent: new Uint8Array(value.buffer) } }] } });
    }
    if (step % PR_EVERY === 0) {
      for (let c = 0; c < PR_CLASSES; c++) {
        const tp = new Array<number>(T);
        const fp = new Array<number>(T);
        let t = 0;
        let f = 0;
        for (let i = T - 1; i >= 0; i--) {
          t += Math.floor(rand() * 4);
          f += Math.floor(rand() * 40);
          tp[i] = t;
          fp[i] = f;
        }
        const rows = [tp, fp, fp.map((v) => fp[0]! - v), tp.map((v) => tp[0]! - v), tp.map((v, i) => v / Math.max(1e-7, v + fp[i]!)), tp.map((v) => v / Math.max(1e-7, tp[0]!))];
        await emit({
          wallTime,
          step,
          summary: {
            value: [{
              tag: `val/pr_curve_${c}`,
              metadata: { pluginData: { pluginName: 'pr_curves', content: prCurveContent } },
              tensor: { dtype: 1, tensorShape: { dim: [{ size: 6 }, { size: T }] }, floatVal: rows.flat() },
            }],
          },
        });
      }
    }
  }
  out.write(Buffer.concat(pending));
  await new Promise<void>((r) => out.end(() => r()));
}

async function read(path: string): Promise<void> {
  const t0 = performance.now();
  const c = await readEventFile(path, { displayName: path });
  let scalarPoints = 0;
  let sum = 0;
  for (const points of c.scalars.values()) {
    scalarPoints += points.length;
    for (const p of points) sum += p.value;
  }
  let prPoints = 0;
  for (const points of c.prCurves.values()) {
    prPoints += points.length;
    for (const p of points) for (const row of [p.tp, p.fp, p.tn, p.fn, p.precision, p.recall]) for (const v of row) sum += v;
  }
  console.log(JSON.stringify({ records: c.records, scalarTags: c.scalars.size, scalarPoints, prPoints, sum, issues: c.issues.length, inProcessSeconds: (performance.now() - t0) / 1000 }));
}

const [mode, path, size] = process.argv.slice(2);
(mode === 'generate' ? generate(path!, Number(size)) : read(path!)).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
