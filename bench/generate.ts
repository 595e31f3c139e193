// The bench's data, from the project's seeded PRNG (src/core/seeded-random.ts): the same bytes on
// every run. Bundled by scripts/bench.mjs; not shipped.
//
//   generate dump <csv> <npz> <samples> <classes> <epochs>   CSV of every epoch, .npz of the last
//   generate npz <npz> <samples> <classes>                     one epoch as .npz, streamed to disk
//   generate jsonl <jsonl> <bytes>                             binary per-batch JSONL of about <bytes>
//   generate metrics <csv> <bytes>                             a Lightning metrics.csv of about <bytes>
//
// Samples: imbalanced classes (prior proportional to 1 / (k + 1)); logits Gaussian with a class
// margin that grows with the epoch, printed with 4 significant digits as a training script would.
import { createWriteStream, openSync, writeSync, closeSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { seededRandom } from '../src/core/seeded-random';

const SEED = 20240917;

/** Draws (target, logits) samples of `C` classes at `epoch`. */
function sampler(C: number, seed = SEED): (epoch: number, logits: string[]) => number {
  const rnd = seededRandom(seed);
  const gauss = () => {
    const u = 1 - rnd();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd());
  };
  const cum: number[] = [];
  let total = 0;
  for (let k = 0; k < C; k++) cum.push((total += 1 / (k + 1)));
  return (epoch, logits) => {
    const u = rnd() * total;
    let y = 0;
    while (cum[y]! < u) y++;
    for (let k = 0; k < C; k++) logits[k] = (gauss() * 1.2 + (k === y ? 0.8 * epoch : 0) - 0.15 * k).toPrecision(4);
    return y;
  };
}

function npyHeader(descr: string, shape: number[]): Uint8Array {
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header += ' '.repeat(pad % 64) + '\n';
  const out = new Uint8Array(10 + header.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]);
  out.set(Buffer.from(header, 'latin1'), 10);
  return out;
}

/**
 * A stored (uncompressed) zip, what numpy.savez writes, streamed: each member's bytes come from
 * `fill` piece by piece, its CRC and sizes are patched into the local header after. Zip64 fields
 * are not needed below 4 GiB.
 */
class StoredZipWriter {
  private fd: number;
  private offset = 0;
  private central: Buffer[] = [];
  private count = 0;
  constructor(path: string) {
    this.fd = openSync(path, 'w');
  }
  member(name: string, pieces: Iterable<Uint8Array>): void {
    const nameB = Buffer.from(name);
    const start = this.offset;
    const lh = Buffer.alloc(30);
    lh.writeUInt32LE(0x04034b50, 0);
    lh.writeUInt16LE(20, 4);
    lh.writeUInt16LE(nameB.length, 26);
    this.write(lh);
    this.write(nameB);
    let crc = 0;
    let size = 0;
    for (const p of pieces) {
      crc = crc32(p, crc);
      size += p.length;
      this.write(p);
    }
    lh.writeUInt32LE(crc >>> 0, 14);
    lh.writeUInt32LE(size, 18);
    lh.writeUInt32LE(size, 22);
    writeSync(this.fd, lh, 0, 30, start);
    const ch = Buffer.alloc(46);
    ch.writeUInt32LE(0x02014b50, 0);
    ch.writeUInt16LE(20, 4);
    ch.writeUInt16LE(20, 6);
    ch.writeUInt32LE(crc >>> 0, 16);
    ch.writeUInt32LE(size, 20);
    ch.writeUInt32LE(size, 24);
    ch.writeUInt16LE(nameB.length, 28);
    ch.writeUInt32LE(start, 42);
    this.central.push(ch, nameB);
    this.count++;
  }
  close(): void {
    const cd = Buffer.concat(this.central);
    const cdAt = this.offset;
    this.write(cd);
    const eocd = Buffer.alloc(22);
    eocd.writeUInt32LE(0x06054b50, 0);
    eocd.writeUInt16LE(this.count, 8);
    eocd.writeUInt16LE(this.count, 10);
    eocd.writeUInt32LE(cd.length, 12);
    eocd.writeUInt32LE(cdAt, 16);
    this.write(eocd);
    closeSync(this.fd);
  }
  private write(b: Uint8Array): void {
    let done = 0;
    while (done < b.length) done += writeSync(this.fd, b, done, b.length - done, this.offset + done);
    this.offset += b.length;
  }
}

const bytesOf = (a: Float32Array | BigInt64Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** An .npz of one epoch: logits [N, C] float32, targets [N] int64 (np.savez of numpy defaults). */
function writeNpz(path: string, logits: Float32Array, targets: BigInt64Array, C: number): void {
  const N = targets.length;
  const zip = new StoredZipWriter(path);
  zip.member('logits.npy', [npyHeader('<f4', [N, C]), bytesOf(logits)]);
  zip.member('targets.npy', [npyHeader('<i8', [N]), bytesOf(targets)]);
  zip.close();
}

async function dump(csvPath: string, npzPath: string, N: number, C: number, epochs: number): Promise<void> {
  const draw = sampler(C);
  const out = createWriteStream(csvPath);
  out.write(`epoch,target,${Array.from({ length: C }, (_, k) => `logit_${k}`).join(',')}\n`);
  const lastLogits = new Float32Array(N * C);
  const lastTargets = new BigInt64Array(N);
  const logits: string[] = new Array<string>(C);
  for (let e = 1; e <= epochs; e++) {
    let buf = '';
    for (let i = 0; i < N; i++) {
      const y = draw(e, logits);
      buf += `${e},${y},${logits.join(',')}\n`;
      if (e === epochs) {
        for (let k = 0; k < C; k++) lastLogits[i * C + k] = Number(logits[k]);
        lastTargets[i] = BigInt(y);
      }
      if (buf.length > 1 << 20) {
        if (!out.write(buf)) await new Promise<void>((r) => out.once('drain', () => r()));
        buf = '';
      }
    }
    out.write(buf);
  }
  await new Promise<void>((r) => out.end(r));
  writeNpz(npzPath, lastLogits, lastTargets, C);
}

/** One epoch of N samples as .npz, generated a slice at a time (never the whole array in memory). */
function bigNpz(path: string, N: number, C: number): void {
  const SLICE = 1 << 18;
  const zip = new StoredZipWriter(path);
  const logitsOf = function* (): Generator<Uint8Array> {
    yield npyHeader('<f4', [N, C]);
    const draw = sampler(C);
    const row: string[] = new Array<string>(C);
    for (let s = 0; s < N; s += SLICE) {
      const n = Math.min(SLICE, N - s);
      const z = new Float32Array(n * C);
      for (let i = 0; i < n; i++) {
        draw(2, row);
        for (let k = 0; k < C; k++) z[i * C + k] = Number(row[k]);
      }
      yield bytesOf(z);
    }
  };
  const targetsOf = function* (): Generator<Uint8Array> {
    yield npyHeader('<i8', [N]);
    const draw = sampler(C); // the same stream: the same targets as the logits above
    const row: string[] = new Array<string>(C);
    for (let s = 0; s < N; s += SLICE) {
      const n = Math.min(SLICE, N - s);
      const t = new BigInt64Array(n);
      for (let i = 0; i < n; i++) t[i] = BigInt(draw(2, row));
      yield bytesOf(t);
    }
  };
  zip.member('logits.npy', logitsOf());
  zip.member('targets.npy', targetsOf());
  zip.close();
}

/**
 * A binary per-batch JSONL of about `bytes` (the focal_lens writer's layout: a meta line, then
 * one record of 1,000 samples per line), epochs of 1M samples.
 */
async function jsonl(path: string, bytes: number): Promise<void> {
  const rnd = seededRandom(SEED);
  const out = createWriteStream(path);
  out.write(`${JSON.stringify({ meta: { loss: 'sigmoid_focal', alpha: 0.25, gamma: 2, convention: 'positive' } })}\n`);
  let written = 0;
  const BATCH = 1000;
  const PER_EPOCH = 1000;
  let buf = '';
  for (let line = 0; written < bytes; line++) {
    const epoch = Math.floor(line / PER_EPOCH) + 1;
    const targets: number[] = [];
    const logits: string[] = [];
    for (let i = 0; i < BATCH; i++) {
      const y = rnd() < 0.1 ? 1 : 0;
      targets.push(y);
      logits.push((rnd() * 4 - 3 + (y ? 1.5 : 0) + 0.01 * epoch).toPrecision(4));
    }
    const text = `{"epoch":${epoch},"targets":[${targets.join(',')}],"logits":[${logits.join(',')}]}\n`;
    buf += text;
    written += text.length;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await new Promise<void>((r) => out.once('drain', () => r()));
      buf = '';
    }
  }
  out.write(buf);
  await new Promise<void>((r) => out.end(r));
}

/**
 * A Lightning metrics.csv as CSVLogger writes it: a training row per logged step (train_loss only),
 * a validation row per epoch with per-class recall and precision, sparse columns left empty; the
 * last of 10 classes collapses after epoch 100.
 */
async function metrics(path: string, bytes: number): Promise<void> {
  const C = 10;
  const classes = Array.from({ length: C }, (_, k) => `c${k}`);
  const header = ['epoch', 'step', 'train_loss', 'val_loss', ...classes.map((c) => `val_precision_${c}`), ...classes.map((c) => `val_recall_${c}`)];
  const empty = ','.repeat(header.length - 3);
  const rand = seededRandom(7);
  const out = createWriteStream(path);
  let written = 0;
  let buf = '';
  const push = async (line: string): Promise<void> => {
    buf += `${line}\n`;
    written += line.length + 1;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await new Promise<void>((r) => out.once('drain', () => r()));
      buf = '';
    }
  };
  await push(header.join(','));
  for (let epoch = 0, step = 0; written < bytes; epoch++) {
    for (let i = 0; i < 2000; i++, step++) await push(`${epoch},${step},${(0.5 * Math.exp(-step / 1e6) + 0.01 * rand()).toFixed(17)}${empty}`);
    const val = classes.map((_, k) => (k === C - 1 && epoch > 100 ? 0 : 0.3 + 0.6 * rand()));
    await push(`${epoch},${step},,${(0.2 + 0.1 * rand()).toFixed(17)},${val.map((v) => (v === 0 ? 0 : 0.5 + 0.4 * rand()).toFixed(17)).join(',')},${val.map((v) => v.toFixed(17)).join(',')}`);
  }
  out.write(buf);
  await new Promise<void>((r) => out.end(r));
}

async function main(): Promise<void> {
  const [cmd, ...a] = process.argv.slice(2);
  if (cmd === 'dump') await dump(a[0]!, a[1]!, Number(a[2]), Number(a[3]), Number(a[4]));
  else if (cmd === 'npz') bigNpz(a[0]!, Number(a[1]), Number(a[2]));
  else if (cmd === 'jsonl') await jsonl(a[0]!, Number(a[1]));
  else if (cmd === 'metrics') await metrics(a[0]!, Number(a[1]));
  else throw new Error(`usage: generate dump|npz|jsonl|metrics ... (got ${cmd})`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 2;
});
