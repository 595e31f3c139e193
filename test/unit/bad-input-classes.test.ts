// One test per failure class of issue 12 that the fuzzers found: each input is built to be exactly
// that class, and each must fail as bad input (file and line or byte, what was expected), or be
// read with bounded time and memory, never as an internal error or as silent garbage.
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { analyze, checkEpochCount, MAX_EPOCH_CELLS, MAX_EPOCHS } from '../../src/core/analyze';
import { counterfactualBuilder, type SampleBatch } from '../../src/core/analysis/counterfactual';
import { cappedCounterfactual } from '../../src/core/analysis/sample-cap';
import { InputError, openPredictionDump, type OpenDumpOptions } from '../../src/core/readers/index';
import { MAX_CLASSES } from '../../src/core/readers/limits';
import { centralEntryOffset, csv, f32, i64, jsonl, npy, npyArrays, zip, type Dataset } from '../fuzz/builders';
import { rng } from './seeded-random';

function dataset(n: number, C: number, epochs: (i: number) => number, seed = 1): Dataset {
  const r = rng(seed);
  return {
    C,
    kind: 'logits',
    epochs: Array.from({ length: n }, (_, i) => epochs(i)),
    targets: Array.from({ length: n }, () => Math.floor(r() * (C === 1 ? 2 : C))),
    scores: Array.from({ length: n * C }, () => Math.round((r() * 6 - 3) * 1000) / 1000),
  };
}

async function read(paths: string[], opts: OpenDumpOptions = {}) {
  const dump = await openPredictionDump(paths, { workers: 0, ...opts });
  let samples = 0;
  const epochs = new Map<number, number>();
  for await (const c of dump.chunks) {
    samples += c.samples;
    epochs.set(c.epoch, (epochs.get(c.epoch) ?? 0) + c.samples);
  }
  return { samples, epochs, meta: dump.meta, ...dump.issues() };
}

async function refused(paths: string[], pattern: RegExp, opts: OpenDumpOptions = {}): Promise<InputError> {
  const e = await read(paths, opts).then(
    () => assert.fail(`expected ${pattern} for ${paths.join(', ')}`),
    (err: unknown) => err,
  );
  assert.ok(e instanceof InputError, `expected an InputError, got ${(e as Error).stack}`);
  assert.match(e.message, pattern);
  return e;
}

describe('bad input classes (issue 12)', function () {
  this.timeout(60_000);
  let dir: string;
  const file = (name: string, bytes: Uint8Array | string) => {
    const p = join(dir, name);
    writeFileSync(p, bytes);
    return p;
  };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'focal-lens-classes-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a deflated .npz member shorter than its header and directory claim: refused strict, complete rows kept lenient', async () => {
    const d = dataset(200, 3, () => 1);
    const arrays = npyArrays(d);
    const logits = arrays[0]!.bytes;
    // the header says 200 rows and so will the directory; the member holds 100
    const short = logits.slice(0, logits.length - 100 * 3 * 4);
    const archive = zip([{ name: 'logits.npy', data: short, deflate: true }, ...arrays.slice(1).map((a) => ({ name: a.name, data: a.bytes, deflate: true }))]);
    const v = new DataView(archive.buffer);
    const entry = centralEntryOffset(archive, 0);
    v.setUint32(entry + 24, logits.length, true);
    const p = file('short.npz', archive);
    const e = await refused([p], /short\.npz\[logits\.npy\]@byte \d+: truncated data: expected .* got \d+: the data ends before/, { displayBase: dir });
    assert.ok(e.byteOffset !== undefined);
    const lenient = await read([p], { lenient: true, displayBase: dir });
    assert.equal(lenient.samples, 100);
    assert.equal(lenient.skipped, 100);
  });

  it('a .npy header length that lies (inside a deflated .npz) is refused at its byte', async () => {
    for (const len of [0, 1, 2, 15]) {
      const arrays = npyArrays(dataset(10, 2, () => 0));
      const bad = arrays[0]!.bytes.slice();
      bad[8] = len;
      bad[9] = 0;
      const p = file(`len${len}.npz`, zip([{ name: 'logits.npy', data: bad, deflate: true }, { name: 'targets.npy', data: arrays[1]!.bytes, deflate: true }]));
      await refused([p], /\[logits\.npy\]@byte 8: expected a \.npy header length of at least 16 bytes, got \d+/, { displayBase: dir });
    }
  });

  it('decompression bombs: a declared size deflate cannot reach is refused before inflating, a member inflating past its size at the first byte over', async () => {
    const arrays = npyArrays(dataset(10, 1, () => 0));
    const honest = zip(arrays.map((a) => ({ name: a.name, data: a.bytes, deflate: true })));
    const v = new DataView(honest.buffer);
    const e0 = centralEntryOffset(honest, 0);
    v.setUint32(e0 + 24, 0xfffffff0, true);
    await refused([file('lies.npz', honest)], /lies\.npz@byte \d+: corrupt zip: member logits\.npy declares 4294967280 bytes from \d+ compressed, more than deflate's 1032:1 allows/, { displayBase: dir });

    // 64 MiB of zeros declared as 1 KiB: refused at the first inflated chunk past it
    const big = new Uint8Array(64 << 20);
    big.set(arrays[0]!.bytes);
    const bomb = zip([{ name: 'logits.npy', data: big, deflate: true }, { name: 'targets.npy', data: arrays[1]!.bytes, deflate: true }]);
    new DataView(bomb.buffer).setUint32(centralEntryOffset(bomb, 0) + 24, 1024, true);
    const before = process.memoryUsage().rss;
    await refused([file('bomb.npz', bomb)], /bomb\.npz\[logits\.npy\]@byte 1024: corrupt zip member: inflates to more than the 1024 bytes the zip directory declares/, { displayBase: dir });
    assert.ok(process.memoryUsage().rss - before < 64 << 20);
  });

  it('a CSV header or a shape that asks for gigabytes is refused with the limit', async () => {
    const cols = Array.from({ length: 20_000 }, (_, k) => `logit_${k}`);
    await refused([file('wide.csv', `epoch,target,${cols.join(',')}\n1,0,${cols.map(() => '0').join(',')}\n`)], new RegExp(`wide\\.csv:1: expected at most ${MAX_CLASSES} classes \\(score columns\\), got 20000 in the CSV header`), { displayBase: dir });
    await refused([file('wide.jsonl', `{"epoch": 1, "target": 0, "logits": [${new Array(20_000).fill(0).join(',')}]}\n`)], /wide\.jsonl:1: expected at most 10000 classes/, { displayBase: dir });
    const d = join(dir, 'shape');
    mkdirSync(d);
    writeFileSync(join(d, 'logits.npy'), npy('<f4', [3, 1_000_000_000], f32([0, 0, 0])));
    writeFileSync(join(d, 'targets.npy'), npy('<i8', [3], i64([0, 1, 0])));
    await refused([join(d, 'logits.npy')], /logits\.npy@byte 0: expected at most 10000 classes \(score columns\), got 1000000000/, { displayBase: dir });
  });

  it('gigabytes of blank lines in a .gz cost a byte compare each: 96 MiB of them read in a second or two, in bounded memory', async () => {
    // before the meta line, between records, and at the end
    const [meta, ...records] = jsonl(dataset(20, 1, () => 0)).split('\n');
    const blank = '\n'.repeat(32 << 20);
    const text = `${blank}${meta}\n${blank}${records.join('\n')}${blank}{"epoch": 0, "target": 1, "logit": 0.5}\n`;
    const p = file('blank.jsonl.gz', gzipSync(text, { level: 1 }));
    const t0 = Date.now();
    const before = process.memoryUsage().rss;
    const r = await read([p], { displayBase: dir });
    assert.equal(r.samples, 21);
    assert.equal(r.meta.gamma, 2);
    assert.ok(Date.now() - t0 < 10_000, `${Date.now() - t0} ms`);
    assert.ok(process.memoryUsage().rss - before < 128 << 20);
  });

  it('a UTF-8 byte-order mark and blank lines before the meta line: the meta is read', async () => {
    const body = jsonl(dataset(10, 1, () => 2));
    for (const [name, text] of [
      ['bom.jsonl', `\uFEFF${body}`],
      ['blank.jsonl', `\n\n  \r\n${body}`],
      ['both.jsonl', `\uFEFF\n\n${body}`],
    ]) {
      const r = await read([file(name!, text!)]);
      assert.deepEqual(r.meta, { loss: 'sigmoid_focal', alpha: 0.25, gamma: 2 }, name);
      assert.equal(r.samples, 10, name);
    }
    const csvText = csv(dataset(5, 2, () => 1));
    assert.equal((await read([file('bom.csv', `\uFEFF\n${csvText}`)])).samples, 5);
    // positions stay exact: the bad record after the blank lines is line 5
    await refused([file('lines.jsonl', `\uFEFF\n\n${body.split('\n')[0]}\n{"epoch": 1}\n`)], /lines\.jsonl:4: expected "logits"/, { displayBase: dir });
  });

  it('--lenient counts a skipped 50-sample batch line as 50 samples, like the array readers', async () => {
    const good = jsonl(dataset(100, 1, () => 0), { batch: 50 }).trimEnd().split('\n');
    const bad = JSON.stringify({ epoch: 0, targets: new Array(50).fill(1), logits: new Array(50).fill('x') });
    const r = await read([file('batch.jsonl', [...good, bad].join('\n') + '\n')], { lenient: true });
    assert.equal(r.samples, 100);
    assert.equal(r.skipped, 50);
    assert.equal(r.issues.length, 1);
  });

  it('epochs shuffled across a file: the same per-epoch results as in order, read in linear time', async () => {
    const d = dataset(4000, 1, (i) => i % 400);
    const ordered = { ...d, epochs: [...d.epochs].sort((a, b) => a - b) };
    const order = d.epochs.map((e, i) => [e, i] as const).sort((a, b) => a[0] - b[0]).map(([, i]) => i);
    ordered.targets = order.map((i) => d.targets[i]!);
    ordered.scores = order.map((i) => d.scores[i]!);
    const t0 = Date.now();
    const shuffled = await analyze({ paths: [file('shuffled.jsonl', jsonl(d))], backend: 'cpu' });
    const elapsed = Date.now() - t0;
    const sorted = await analyze({ paths: [file('sorted.jsonl', jsonl(ordered))], backend: 'cpu' });
    assert.equal(shuffled.epochs.length, 400);
    assert.ok(shuffled.notes?.some((n) => /interleaved/.test(n)));
    for (let e = 0; e < 400; e++) {
      assert.equal(shuffled.epochs[e]!.samples, sorted.epochs[e]!.samples);
      assert.ok(Math.abs(shuffled.epochs[e]!.focalSum - sorted.epochs[e]!.focalSum) < 1e-4);
    }
    assert.deepEqual(shuffled.whatIf.map((w) => w.macroF1), sorted.whatIf.map((w) => w.macroF1));
    assert.ok(elapsed < 20_000, `${elapsed} ms`);
  });

  it(`more than ${MAX_EPOCHS} distinct epochs, or epochs x classes over ${MAX_EPOCH_CELLS}, is refused with the file named`, () => {
    checkEpochCount(MAX_EPOCHS, 1, 'run.jsonl');
    assert.throws(() => checkEpochCount(MAX_EPOCHS + 1, 1, 'run.jsonl'), (e: Error) => e instanceof InputError && /^run\.jsonl: expected at most 20000 distinct epochs \(or steps\) with 2 classes/.test(e.message));
    checkEpochCount(256, 2048, 'run.jsonl');
    assert.throws(() => checkEpochCount(257, 2048, 'run.jsonl'), /expected at most 256 distinct epochs \(or steps\) with 2048 classes/);
  });

  it('one big epoch: the softmax counterfactual keeps a seeded sample of each class past its cap, rare classes whole, exact below it', () => {
    const spec = { kind: 'softmax' as const, numClasses: 3, gamma: 2, alpha0: [0.3, 0.3, 0.4], threshold: 0.5 };
    const r = rng(3);
    const batches: SampleBatch[] = [];
    const trueCount = [0, 0, 0];
    for (let b = 0; b < 40; b++) {
      const probabilities = new Float32Array(256 * 3);
      const targets = new Int32Array(256);
      for (let i = 0; i < 256; i++) {
        // class 2 is rare (3%): fewer samples than the per-class cap
        const u = r();
        const y = u < 0.6 ? 0 : u < 0.97 ? 1 : 2;
        targets[i] = y;
        trueCount[y]!++;
        const p = [r() + 0.01, r() + 0.01, r() + 0.01];
        p[y]! += 0.4;
        const s = p[0]! + p[1]! + p[2]!;
        for (let c = 0; c < 3; c++) probabilities[i * 3 + c] = p[c]! / s;
      }
      batches.push({ samples: 256, probabilities, targets, targetLayout: 'index' });
    }
    const copy = (b: SampleBatch): SampleBatch => ({ ...b, probabilities: b.probabilities.slice() });
    const alpha = [0.2, 0.3, 0.5];
    const run = (maxScores: number) => {
      const cf = cappedCounterfactual(spec, { maxScores });
      for (const b of batches) cf.add(copy(b));
      const engine = cf.build(['a', 'b', 'c']);
      return { engine, row: engine.evaluate(alpha), counts: engine.counts(alpha), calibrated: engine.evaluateCalibrated(alpha), sampled: cf.sampled() };
    };
    const exact = counterfactualBuilder(spec);
    for (const b of batches) exact.add(copy(b));
    const exactEngine = exact.build(['a', 'b', 'c']);
    const truth = { row: exactEngine.evaluate(alpha), counts: exactEngine.counts(alpha), calibrated: exactEngine.evaluateCalibrated(alpha) };
    const under = run(1 << 20);
    assert.equal(under.sampled, null);
    assert.deepEqual(under.row, truth.row);
    assert.deepEqual(under.calibrated, truth.calibrated);

    // 3 x 4 strata x 500 = 6,000 scores: classes 0 and 1 keep 500 each, class 2 all of its own
    const capped = run(3 * 2000);
    assert.ok(trueCount[2]! < 500 && trueCount[1]! > 500, `${trueCount}`);
    assert.deepEqual(capped.sampled, { seen: 10240, kept: 1000 + trueCount[2]!, perClass: 500 });
    assert.deepEqual(run(3 * 2000).row, capped.row, 'the same sample on every run');
    assert.deepEqual([...capped.counts.count], trueCount, 'true counts are whole: each kept sample stands for its class');
    assert.equal(capped.counts.total, 10240);
    // the rare class was kept whole: its true positives and recall are exact
    assert.equal(capped.counts.tp[2], truth.counts.tp[2]);
    assert.equal(capped.row.perClass[2]!.recall, truth.row.perClass[2]!.recall);
    for (let c = 0; c < 3; c++) {
      const est = capped.counts.predicted[c]! / 10240;
      const full = truth.counts.predicted[c]! / 10240;
      assert.ok(Math.abs(est - full) < 0.04, `class ${c}: predicted share ${est} vs ${full}`);
    }
    assert.ok(Math.abs(capped.row.accuracy - truth.row.accuracy) < 0.04, `${capped.row.accuracy} vs ${truth.row.accuracy}`);
    assert.ok(Math.abs(capped.calibrated.accuracy - truth.calibrated.accuracy) < 0.04, `${capped.calibrated.accuracy} vs ${truth.calibrated.accuracy}`);
    // a sweep over a grid (running sums of weighted marks) gives each alpha's counts; a class
    // nobody is predicted as counts exactly 0, not what rounding leaves of cancelled weights
    const grid = [1e-9, 0.2, 0.5, 0.9, 1 - 1e-9];
    const swept = capped.engine.sweep!({ kind: 'class0', sign: 1 }, grid);
    grid.forEach((a, g) => {
      const direct = capped.engine.counts([a, 1 - a, 1 - a]);
      for (let c = 0; c < 3; c++) {
        assert.ok(Math.abs(swept[g]!.predicted[c]! - direct.predicted[c]!) < 1e-6, `alpha ${a} class ${c}: ${swept[g]!.predicted[c]} vs ${direct.predicted[c]}`);
        assert.ok(Math.abs(swept[g]!.tp[c]! - direct.tp[c]!) < 1e-6, `alpha ${a} class ${c} tp`);
      }
    });
    assert.equal(swept[0]!.predicted[0], 0, 'class 0 at alpha 1e-9: never predicted');
    assert.deepEqual([swept[4]!.predicted[1], swept[4]!.predicted[2]], [0, 0], 'classes 1 and 2 at alpha 1 - 1e-9: never predicted');
  });

  it('a softmax with too many classes for one sample of each falls back to one uniform sample', () => {
    const C = 100;
    const spec = { kind: 'softmax' as const, numClasses: C, gamma: 2, alpha0: null, threshold: 0.5 };
    // one sample in each of 101 strata of 100 scores needs 10,100 scores: 10,000 allow a uniform sample of 100
    const cf = cappedCounterfactual(spec, { maxScores: 10_000 });
    const r = rng(5);
    for (let b = 0; b < 4; b++) {
      const probabilities = new Float32Array(256 * C);
      for (let i = 0; i < 256 * C; i++) probabilities[i] = (r() + 0.01) / (C * 0.51);
      cf.add({ samples: 256, probabilities, targets: Int32Array.from({ length: 256 }, () => Math.floor(r() * C)), targetLayout: 'index' });
    }
    assert.deepEqual(cf.sampled(), { seen: 1024, kept: 100, perClass: null });
    assert.equal(cf.build(Array.from({ length: C }, (_, c) => `c${c}`)).counts(0.5).total, 100);
  });
});
