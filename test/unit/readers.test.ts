import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { InputError, openPredictionDump, type OpenDumpOptions, type PredictionChunk } from '../../src/core/readers/index';

const FIX = join(__dirname, '../fixtures/readers');
const f = (name: string) => join(FIX, name);

interface All {
  format: string;
  files: string[];
  meta: unknown;
  epochKey: string;
  chunks: PredictionChunk[];
  perEpoch: Map<number, number>;
  samples: number;
  skipped: number;
  issues: { file: string; line?: number; byteOffset?: number; message: string }[];
}

async function readAll(paths: string[], opts: OpenDumpOptions = {}): Promise<All> {
  const dump = await openPredictionDump(paths, { displayBase: FIX, ...opts });
  const chunks: PredictionChunk[] = [];
  const perEpoch = new Map<number, number>();
  for await (const c of dump.chunks) {
    chunks.push(c);
    perEpoch.set(c.epoch, (perEpoch.get(c.epoch) ?? 0) + c.samples);
  }
  const { skipped, issues } = dump.issues();
  return { format: dump.format, files: dump.files, meta: dump.meta, epochKey: dump.epochKey, chunks, perEpoch, samples: chunks.reduce((s, c) => s + c.samples, 0), skipped, issues };
}

async function rejects(paths: string[], pattern: RegExp, opts: OpenDumpOptions = {}): Promise<InputError> {
  try {
    await readAll(paths, opts);
  } catch (e) {
    assert.ok(e instanceof InputError, `expected InputError, got ${(e as Error).stack}`);
    assert.match(e.message, pattern);
    return e;
  }
  assert.fail(`expected ${paths.join(', ')} to be rejected with ${pattern}`);
}

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-4) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol, `index ${i}: ${a[i]} vs ${b[i]}`);
};

describe('readers: good inputs', () => {
  let reference: All;
  before(async () => {
    reference = await readAll([f('softmax.jsonl')]);
  });

  it('JSONL with meta, per-sample multi-class', () => {
    assert.equal(reference.format, 'jsonl');
    assert.deepEqual(reference.meta, { loss: 'softmax_focal', alpha: [0.25, 0.5, 0.75, 1], gamma: 2, convention: 'vector', classes: ['a', 'b', 'c', 'd'] });
    assert.deepEqual([...reference.perEpoch], [[1, 6], [2, 6]]);
    const c = reference.chunks[0];
    assert.equal(c.numClasses, 4);
    assert.equal(c.layout, 'softmax');
    assert.equal(c.targetLayout, 'index');
    assert.equal(c.scoreKind, 'logits');
    assert.ok(c.targets instanceof Int32Array);
    assert.equal(c.scores.length, c.samples * 4);
  });

  for (const name of ['softmax.jsonl.gz', 'gzip-any-name.log', 'softmax.csv', 'softmax-crlf.csv', 'softmax.csv.gz', 'npz/stored.npz', 'npz/fortran-deflated.npz', 'npy-v1/logits.npy', 'npy-v1', 'npy-v2/val_targets.npy', 'npy-v3', 'npy-fortran', 'npy-bigendian', 'npy-float-labels']) {
    it(`${name}: same samples as the JSONL`, async () => {
      const r = await readAll([f(name)]);
      const scores = Float32Array.from(r.chunks.flatMap((c) => [...c.scores]));
      const targets = r.chunks.flatMap((c) => [...c.targets]);
      close(scores, Float32Array.from(reference.chunks.flatMap((c) => [...c.scores])), 1e-3);
      assert.deepEqual(targets, reference.chunks.flatMap((c) => [...c.targets]));
      if (name.includes('gz') || name.endsWith('.log')) assert.match(r.format, /\.gz$/);
      if (name.includes('csv')) assert.deepEqual([...r.perEpoch], [[1, 6], [2, 6]]);
      if (name === 'npy-bigendian') assert.deepEqual([...r.perEpoch], [[7, 12]]);
    });
  }

  it('JSONL per-batch binary, step-only and iteration logs, multi-label', async () => {
    const b = await readAll([f('batch-binary.jsonl')]);
    assert.deepEqual([...b.perEpoch], [[3, 3], [4, 2]]);
    assert.equal(b.chunks[0].layout, 'binary');
    assert.equal(b.chunks[0].numClasses, 1);
    close(b.chunks[0].scores, [-2.1, 0.3, -0.7]);
    const s = await readAll([f('steps.jsonl')]);
    assert.equal(s.epochKey, 'step');
    assert.deepEqual([...s.perEpoch], [[100, 3], [200, 3], [300, 3]]);
    const it = await readAll([f('binary-single.jsonl')]);
    assert.equal(it.epochKey, 'iteration');
    assert.equal(it.samples, 5);
    const m = await readAll([f('batch-multilabel.jsonl')]);
    assert.equal(m.chunks[0].layout, 'multilabel');
    assert.equal(m.chunks[0].targetLayout, 'multi-hot');
    assert.deepEqual([...m.chunks[0].targets], [0, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1, 0]);
    const mc = await readAll([f('batch-multiclass.jsonl')]);
    assert.deepEqual([...mc.chunks[0].targets], [2, 0]);
    assert.equal(mc.chunks[0].numClasses, 3);
  });

  it('probabilities (JSONL label/probs, CSV p_k, binary prob with split)', async () => {
    const p = await readAll([f('probs-label.jsonl')]);
    assert.equal(p.chunks[0].scoreKind, 'probs');
    const c = await readAll([f('probs.csv')]);
    assert.equal(c.samples, 12);
    const b = await readAll([f('binary-prob.csv')]);
    assert.equal(b.chunks[0].layout, 'binary');
    assert.equal(b.epochKey, 'step');
    assert.deepEqual(new Set(b.chunks.map((x) => x.split)), new Set(['train', 'val']));
    const v = await readAll([f('binary-prob.csv')], { split: 'val' });
    assert.equal(v.samples, 4);
    assert.ok(v.chunks.every((x) => x.split === 'val'));
  });

  it('split filter on JSONL', async () => {
    const all = await readAll([f('split.jsonl')]);
    assert.equal(all.samples, 12);
    const val = await readAll([f('split.jsonl')], { split: 'val' });
    assert.equal(val.samples, 4);
  });

  it('CSV multi-hot target columns', async () => {
    const r = await readAll([f('multilabel.csv')]);
    assert.equal(r.chunks[0].layout, 'multilabel');
    assert.deepEqual([...r.chunks[0].targets], [1, 0, 1, 0, 0, 0]);
  });

  it('.npz deflated with probs/labels/epoch, bool multi-hot, binary', async () => {
    const d = await readAll([f('npz/deflated.npz')]);
    assert.deepEqual([...d.perEpoch], [[1, 6], [2, 6]]);
    assert.equal(d.chunks[0].scoreKind, 'probs');
    const m = await readAll([f('npz/multilabel-bool.npz')]);
    assert.equal(m.chunks[0].layout, 'multilabel');
    const b = await readAll([f('npz/binary.npz')]);
    assert.equal(b.chunks[0].layout, 'binary');
  });

  it('a folder of per-epoch .npz: epoch from the file name, sorted numerically', async () => {
    const r = await readAll([f('epochs')]);
    assert.equal(r.format, 'npz-folder');
    assert.deepEqual([...r.perEpoch], [[1, 12], [2, 12], [10, 12]]);
    assert.deepEqual(r.files, ['epochs/epoch_001.npz', 'epochs/epoch_002.npz', 'epochs/epoch_010.npz']);
  });

  it('float16 probabilities with uint8 labels', async () => {
    const r = await readAll([f('npy-f16')]);
    assert.equal(r.chunks[0].layout, 'binary');
    close(r.chunks[0].scores, new Array(12).fill(0.25));
  });

  it('safetensors with __metadata__', async () => {
    const r = await readAll([f('dump.safetensors')]);
    assert.equal(r.format, 'safetensors');
    assert.deepEqual(r.meta, { loss: 'softmax_focal', gamma: 2, alpha: [0.1, 0.2, 0.3, 0.4] });
    assert.deepEqual([...r.perEpoch], [[3, 6], [4, 6]]);
    close(Float32Array.from(r.chunks.flatMap((c) => [...c.scores])), Float32Array.from(reference.chunks.flatMap((c) => [...c.scores])));
  });

  it('an aborted signal stops reading with an AbortError', async () => {
    for (const name of ['softmax.csv', 'npz/stored.npz']) {
      const ac = new AbortController();
      ac.abort();
      // Either the head read (text formats) or the first chunk throws.
      await assert.rejects(
        (async () => {
          const dump = await openPredictionDump([f(name)], { signal: ac.signal, displayBase: FIX });
          for await (const c of dump.chunks) void c;
        })(),
        (e: unknown) => (e as Error).name === 'AbortError',
      );
    }
  });

  it('array dumps with reused chunk buffers give every chunk as a fresh read does (read as they come)', async () => {
    for (const name of ['npz/stored.npz', 'npz/fortran-deflated.npz', 'npy-v1', 'npy-bigendian']) {
      const values = async (reuseBuffers: boolean) => {
        const dump = await openPredictionDump([f(name)], { displayBase: FIX, chunkSize: 2, reuseBuffers });
        const out: number[][] = [];
        // copied before the next chunk is asked for: reused buffers are valid until then only
        for await (const c of dump.chunks) out.push([c.epoch, c.samples, ...c.scores, ...c.targets]);
        return out;
      };
      const fresh = await values(false);
      assert.ok(fresh.length >= 3, `${name}: ${fresh.length} chunks (the test needs buffers taken in turn)`);
      assert.deepEqual(await values(true), fresh, name);
    }
  });

  it('chunks never exceed chunkSize and progress reaches the total', async () => {
    let last: [number, number] = [0, 0];
    const r = await readAll([f('softmax.csv')], { chunkSize: 5, onProgress: (a, b) => (last = [a, b]) });
    assert.ok(r.chunks.every((c) => c.samples <= 5));
    assert.equal(r.samples, 12);
    assert.equal(last[0], last[1]);
  });
});

describe('readers: the tail epoch (read before the stream starts)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fl-tail-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const tailOf = async (path: string, opts: OpenDumpOptions = {}) => {
    const dump = await openPredictionDump([path], { displayBase: dir, ...opts });
    for await (const _ of dump.chunks) void _; // read to the end: the files close
    return dump.tailEpoch;
  };

  it('CSV of 300 KB: the largest epoch among the whole rows of its last 64 KiB, of the split read, a torn first row and bad rows passed over', async () => {
    const rows = ['epoch,split,target,logit_0,logit_1'];
    for (let e = 1; e <= 6; e++) for (let i = 0; i < 2000; i++) rows.push(`${e},val,${i % 2},${(i % 7) / 10},-0.5`);
    // the last rows: a later epoch of another split, a damaged one of a yet later epoch
    for (let i = 0; i < 50; i++) rows.push(`9,train,0,0.1,0.2`);
    rows.push('12,val,0,not-a-number,0.2');
    const path = join(dir, 'dump.csv');
    writeFileSync(path, rows.join('\n') + '\n');
    assert.equal(await tailOf(path, { split: 'val', lenient: true }), 6);
    assert.equal(await tailOf(path, { lenient: true }), 9);
  });

  it('JSONL with a meta line; a file that fits the window whole; gzip has none', async () => {
    const path = join(dir, 'dump.jsonl');
    const lines = [JSON.stringify({ meta: { loss: 'sigmoid_focal', alpha: 0.25, gamma: 2 } })];
    for (const e of [3, 1, 2]) lines.push(JSON.stringify({ epoch: e, targets: [0, 1], logits: [0.5, -0.5] }));
    writeFileSync(path, lines.join('\n') + '\n');
    assert.equal(await tailOf(path), 3);
    const gz = join(dir, 'dump.jsonl.gz');
    writeFileSync(gz, gzipSync(Buffer.from(lines.join('\n') + '\n')));
    assert.equal(await tailOf(gz), undefined);
  });

  it('per-epoch .npz files: the epoch in the latest name; a single file has none', async () => {
    assert.equal(await tailOf(f('epochs')), 10);
    assert.equal(await tailOf(f('npz/stored.npz')), undefined);
  });
});

describe('readers: bad input', () => {
  it('empty files', async () => {
    await rejects([f('empty.jsonl')], /^empty\.jsonl: the file is empty/);
    await rejects([f('empty.csv')], /^empty\.csv: the file is empty/);
    await rejects([f('blank-lines.jsonl')], /blank-lines\.jsonl: the file is empty/);
    const dir = mkdtempSync(join(tmpdir(), 'fl-readers-'));
    try {
      writeFileSync(join(dir, 'header-only.csv'), 'epoch,target,logit\n');
      await rejects([join(dir, 'header-only.csv')], /^header-only\.csv: expected at least one record after the header, found none/, { displayBase: dir });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // Every record of another split: no error here (another file may hold the split).
    assert.equal((await readAll([f('split.jsonl')], { split: 'test' })).samples, 0);
  });

  it('truncated last line: strict error names the line; lenient skips it', async () => {
    await rejects([f('truncated-last-line.jsonl')], /^truncated-last-line\.jsonl:3: expected a JSON object, got invalid JSON .*truncated last line/);
    const r = await readAll([f('truncated-last-line.jsonl')], { lenient: true });
    assert.equal(r.samples, 2);
    assert.equal(r.skipped, 1);
    assert.equal(r.issues[0].line, 3);
    await rejects([f('truncated-last-line.csv')], /^truncated-last-line\.csv:3: expected 6 columns, got 4/);
  });

  it('NaN / Inf values', async () => {
    await rejects([f('nan.jsonl')], /^nan\.jsonl:2: expected "logits\[1\]" to be a finite number, got NaN/);
    await rejects([f('python-nan.jsonl')], /python-nan\.jsonl:1: .*finite number, got NaN/);
    await rejects([f('inf.csv')], /^inf\.csv:3: expected logit_1 to be a finite number, got Infinity/);
    const r = await readAll([f('inf.csv')], { lenient: true });
    assert.equal(r.samples, 2);
    assert.deepEqual(r.issues.map((i) => i.line), [3]);
  });

  it('probabilities outside [0, 1] and softmax rows not summing to 1', async () => {
    await rejects([f('prob-out-of-range.jsonl')], /^prob-out-of-range\.jsonl:2: expected "prob" to be a probability in \[0, 1\], got 1\.2/);
    await rejects([f('prob-not-sum.csv')], /^prob-not-sum\.csv:3: expected softmax probabilities p_0..p_2 to sum to 1 \(tolerance 1e-3\), got 0\.9/);
    const r = await readAll([f('prob-not-sum.csv')], { lenient: true });
    assert.equal(r.samples, 2);
  });

  it('a label outside the classes; non-integral labels', async () => {
    await rejects([f('label-out-of-range.jsonl')], /^label-out-of-range\.jsonl:2: expected "target" to be a class index in \[0, 3\], got 4/);
    await rejects([f('float-label.csv')], /^float-label\.csv:2: expected the target to be an integer class index in \[0, 3\], got 0\.5/);
    await rejects([f('npy-nonintegral-labels')], /npy-nonintegral-labels\/targets\.npy@byte \d+: expected "targets"\[0\] to be an integer class index in \[0, 3\], got \d\.5 \(dtype '<f4': float labels must be integral\)/);
  });

  it('array of the wrong length, mixed record shapes, invalid JSON', async () => {
    await rejects([f('logits-wrong-length.jsonl')], /^logits-wrong-length\.jsonl:17: expected "logits" to be an array of 4 numbers, got 3$/);
    await rejects([f('mixed-shapes.jsonl')], /^mixed-shapes\.jsonl:2: mixed record shapes: expected "logits" like the first record, got "probs"/);
    const r = await readAll([f('mixed-shapes.jsonl')], { lenient: true });
    assert.equal(r.samples, 2);
    assert.equal(r.skipped, 1);
    await rejects([f('not-json.jsonl')], /^not-json\.jsonl:2: expected a JSON object, got 'hello world'/);
    await rejects([f('bad-number.csv')], /^bad-number\.csv:2: expected logit_1 \(column 4\) to be a number, got 'abc'/);
    await rejects([f('bad-header.csv')], /^bad-header\.csv:1: expected a CSV header with logit_0/);
  });

  it('an absurdly long line is an error (capped), not an out-of-memory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fl-readers-'));
    try {
      const p = join(dir, 'long.jsonl');
      const ok = '{"epoch": 1, "target": 0, "logit": 0.5}\n';
      writeFileSync(p, ok + `{"epoch": 1, "target": 0, "logit": 0.5, "pad": "${'x'.repeat(17 << 20)}"}\n` + ok);
      await rejects([p], /long\.jsonl:2: line longer than 16 MiB/, { displayBase: dir });
      const r = await readAll([p], { lenient: true, displayBase: dir });
      assert.equal(r.samples, 2);
      assert.equal(r.skipped, 1);
      // The cap is an option.
      await rejects([f('softmax.jsonl')], /softmax\.jsonl:1: line longer than/, { maxLineBytes: 50 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('binary garbage', async () => {
    // what the file looks like, and what Focal Lens reads instead
    await rejects([f('garbage.bin')], /^garbage\.bin@byte \d+: not a prediction dump or a training log: binary data \(starts with [0-9a-f ]+\).*Focal Lens reads prediction dumps \(JSONL, CSV\/TSV, .*\) and metric logs/);
    await rejects([f('garbage.jsonl')], /^garbage\.jsonl@byte 0: not a prediction dump or a training log/);
  });

  it('wrong dtypes in .npy', async () => {
    await rejects([f('npy-strings')], /npy-strings\/logits\.npy@byte 10: expected a numeric array .* for "logits", got dtype '<U1' \(unicode strings\)/);
    await rejects([f('npy-complex')], /npy-complex\/logits\.npy@byte 10: .*got dtype '<c8' \(complex numbers\)/);
    await rejects([f('npy-object')], /npy-object\/logits\.npy@byte 10: .*got dtype '\|O' \(Python objects\)/);
  });

  it('truncated .npy data: strict error, lenient keeps the complete rows', async () => {
    await rejects([f('npy-truncated')], /npy-truncated\/logits\.npy@byte \d+: truncated data: expected 192 bytes \(12 x 4 of '<f4'\)/);
    const r = await readAll([f('npy-truncated')], { lenient: true });
    assert.equal(r.samples, 10);
    assert.equal(r.skipped, 2);
  });

  it('a lone .npy says what to add; an .npz without targets too', async () => {
    await rejects([f('npy-alone/logits.npy')], /expected an array named targets \(or labels, y\) next to "logits", got logits/);
    await rejects([f('npz/no-targets.npz')], /npz\/no-targets\.npz: expected an array named targets/);
  });

  it('corrupt and truncated zip archives', async () => {
    await rejects([f('npz/corrupt.npz')], /npz\/corrupt\.npz.*corrupt zip/);
    await rejects([f('npz/truncated.npz')], /npz\/truncated\.npz@byte \d+: corrupt zip: no end-of-central-directory record/);
    await rejects([f('npz/bad-crc.npz')], /CRC-32 mismatch/);
  });

  it('a missing path; files whose shapes disagree', async () => {
    await rejects([f('nope.jsonl')], /nope\.jsonl: no such file or folder/);
    await rejects([f('softmax.jsonl'), f('batch-binary.jsonl')], /^batch-binary\.jsonl: mixed record shapes across files: expected softmax logits with 4 classes like softmax\.jsonl/);
  });

  it('lenient mode keeps at most 20 reasons but counts every skipped record', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fl-readers-'));
    try {
      const p = join(dir, 'many.csv');
      let s = 'epoch,target,logit\n';
      for (let i = 0; i < 50; i++) s += `1,${i % 3 === 0 ? 7 : 1},0.5\n`;
      writeFileSync(p, s);
      const r = await readAll([p], { lenient: true, displayBase: dir });
      assert.equal(r.skipped, 17);
      assert.equal(r.issues.length, 17);
      assert.equal(r.samples, 33);
      let big = 'epoch,target,logit\n';
      for (let i = 0; i < 100; i++) big += '1,5,0.5\n';
      big += '1,1,0.5\n';
      writeFileSync(p, big);
      const r2 = await readAll([p], { lenient: true, displayBase: dir });
      assert.equal(r2.skipped, 100);
      assert.equal(r2.issues.length, 20);
      assert.equal(r2.issues[0].line, 2);
      assert.match(r2.issues[0].message, /expected the target to be a class index in \[0, 1\] \(binary\), got 5/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
