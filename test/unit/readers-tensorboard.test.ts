import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../../src/core/readers/errors';
import {
  EMPTY_MESSAGE,
  TRUNCATED_MESSAGE,
  frameRecord,
  isEventFileName,
  looksLikeEventFile,
  readEventFile,
  type EventFileContents,
} from '../../src/core/readers/tensorboard/index';
import { rng } from './seeded-random';
import golden from '../fixtures/tensorboard/tfevents-golden.json';

// Expected values: scripts/golden/decode_tfevents.py (pure-Python TFRecord loop + python3-protobuf).
interface GoldenFile {
  records: number;
  scalars: Record<string, Array<[number, number, number]>>;
  prCurves: Record<string, Array<{ step: number; wallTime: number; numThresholds: number; rows: number[][] }>>;
  hparams: Record<string, number | string | boolean> | null;
}
const GOLDEN = golden.files as unknown as Record<string, GoldenFile>;
const REAL = join(__dirname, '../fixtures/real-logs');
const SYNTHETIC = join(__dirname, '../fixtures/tensorboard/events.out.tfevents.1700000000.synthetic.0.v2');
const CASE_A = 'runs/a_lightning_binary_alpha097/tensorboard/version_0/events.out.tfevents.1796150045.vm.8957.0';

function assertMatchesGolden(got: EventFileContents, want: GoldenFile): void {
  assert.equal(got.records, want.records);
  assert.deepEqual([...got.scalars.keys()].sort(), Object.keys(want.scalars).sort());
  for (const [tag, points] of Object.entries(want.scalars)) {
    assert.deepEqual(
      got.scalars.get(tag)!.map((p) => [p.step, p.wallTime, p.value]),
      points,
      `scalar ${tag}`,
    );
  }
  assert.deepEqual([...got.prCurves.keys()].sort(), Object.keys(want.prCurves).sort());
  for (const [tag, curves] of Object.entries(want.prCurves)) {
    const mine = got.prCurves.get(tag)!;
    assert.equal(mine.length, curves.length);
    curves.forEach((c, i) => {
      const m = mine[i]!;
      assert.deepEqual([m.step, m.wallTime, m.numThresholds], [c.step, c.wallTime, c.numThresholds]);
      assert.deepEqual([m.tp, m.fp, m.tn, m.fn, m.precision, m.recall].map((r) => Array.from(r)), c.rows, `${tag} step ${c.step}`);
    });
  }
  assert.deepEqual(got.hparams ?? null, want.hparams);
}

/** Offsets of the records of a well-formed TFRecord byte string. */
function recordOffsets(bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: number[] = [];
  for (let o = 0; o < bytes.length; o += 16 + view.getUint32(o, true)) out.push(o);
  return out;
}

describe('TensorBoard event files', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'focal-lens-tb-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, bytes: Uint8Array): string => {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    return path;
  };
  const caseA = () => new Uint8Array(readFileSync(join(REAL, CASE_A)));

  describe('real files match an independent decoder', () => {
    for (const rel of Object.keys(GOLDEN).filter((k) => k !== 'synthetic')) {
      it(rel.split('/')[1]!, async () => {
        const got = await readEventFile(join(REAL, rel), { displayName: rel });
        assert.equal(got.file, rel);
        assert.deepEqual(got.issues, []);
        assert.equal(got.skippedRecords, 0);
        assertMatchesGolden(got, GOLDEN[rel]!);
      });
    }

    it('Lightning run: 18 epochs of scalars and a 127-threshold PR curve per epoch (global_step = epoch)', async () => {
      const got = await readEventFile(join(REAL, CASE_A), { displayName: 'a' });
      assert.equal(got.scalars.get('val_recall_pos')!.length, 18);
      const curves = got.prCurves.get('val_pr_curve')!;
      assert.deepEqual(curves.map((c) => c.step), Array.from({ length: 18 }, (_, i) => i));
      assert.equal(curves[17]!.numThresholds, 127);
      // 80 positives and 2200 negatives in the val set (truth.json)
      assert.deepEqual([curves[17]!.tp[0], curves[17]!.fp[0]], [80, 2200]);
    });

    it('Keras (TF2) run: scalars stored as tensors with the scalars plugin', async () => {
      const rel = 'runs/e_keras_binary_focal_alpha098/tensorboard_run/logs/validation/events.out.tfevents.1796150071.vm.8957.1.v2';
      const got = await readEventFile(join(REAL, rel), { displayName: rel });
      const loss = got.scalars.get('epoch_loss')!;
      assert.equal(loss.length, 14);
      assert.deepEqual(loss.map((p) => p.step), Array.from({ length: 14 }, (_, i) => i));
    });
  });

  describe('a file written by python3-protobuf', () => {
    it('hparams, tensor_content / double_val / half_val scalars, metadata on the first value only, 64-bit steps, a TF-style PR curve', async () => {
      const got = await readEventFile(SYNTHETIC, { displayName: 'synthetic.v2' });
      assertMatchesGolden(got, GOLDEN.synthetic!);
      assert.equal(got.scalars.get('big_step')![0]!.step, 2 ** 40 + 3);
      assert.deepEqual(got.hparams, { alpha: 0.25, loss: 'sigmoid_focal', balanced: true });
    });

    it('reports the malformed values it skips (a vector "scalar", a PR curve of the wrong shape) and ignores other plugins', async () => {
      const got = await readEventFile(SYNTHETIC, { displayName: 'synthetic.v2' });
      const messages = got.issues.map((i) => i.message);
      assert.equal(messages.length, 2, messages.join('\n'));
      assert.match(messages[0]!, /^tag "vec" at step 6: a scalars-plugin tensor of shape \[3\] is not a scalar; value skipped$/);
      assert.match(messages[1]!, /^tag "bad_pr" at step 6: a PR curve must be a \[6, T\] tensor \(T >= 2\), got \[5, 11\]; value skipped$/);
      assert.ok(got.issues.every((i) => i.file === 'synthetic.v2' && typeof i.byteOffset === 'number'));
      assert.equal(got.skippedRecords, 0);
      assert.ok(!got.scalars.has('notes'));
    });
  });

  describe('damage', () => {
    it('a flipped data byte: that record is skipped with its byte offset, the rest is read', async () => {
      const bytes = caseA();
      const offsets = recordOffsets(bytes);
      bytes[offsets[5]! + 12 + 3]! ^= 0x40;
      const got = await readEventFile(write('flip-data', bytes), { displayName: 'flip-data' });
      assert.equal(got.records, 180);
      assert.equal(got.skippedRecords, 1);
      assert.deepEqual(got.issues.map((i) => [i.byteOffset, i.file]), [[offsets[5], 'flip-data']]);
      assert.match(got.issues[0]!.message, /^corrupt record \(data checksum mismatch\): its \d+ bytes are skipped$/);
      // record 5 is the first val_precision_neg point
      assert.equal(got.scalars.get('val_precision_neg')!.length, 17);
      assert.equal(got.prCurves.get('val_pr_curve')!.length, 18);
    });

    it('a flipped length byte: resynchronised at the next record, the skipped byte range reported', async () => {
      const bytes = caseA();
      const offsets = recordOffsets(bytes);
      bytes[offsets[7]! + 1]! ^= 0x01;
      const got = await readEventFile(write('flip-length', bytes), { displayName: 'flip-length' });
      assert.equal(got.records, 180);
      assert.equal(got.skippedRecords, 1);
      assert.equal(got.issues[0]!.byteOffset, offsets[7]);
      assert.equal(
        got.issues[0]!.message,
        `corrupt record length (checksum mismatch): bytes ${offsets[7]}..${offsets[8]! - 1} (${offsets[8]! - offsets[7]!} bytes) skipped to the next record whose length checksum verifies`,
      );
    });

    it('a corrupt length with nothing valid after it: the rest of the file is skipped', async () => {
      const bytes = caseA();
      const offsets = recordOffsets(bytes);
      const last = offsets.at(-1)!;
      bytes[last]! ^= 0xff;
      const got = await readEventFile(write('flip-last-length', bytes), { displayName: 'x' });
      assert.equal(got.records, 180);
      assert.match(got.issues[0]!.message, new RegExp(`no record header verifies before the end of the file; the rest of the file from byte ${last} is skipped$`));
    });

    it('a truncated file keeps the complete records', async () => {
      const bytes = caseA();
      const offsets = recordOffsets(bytes);
      const cut = offsets.at(-1)! + 20;
      const got = await readEventFile(write('truncated', bytes.subarray(0, cut)), { displayName: 'truncated' });
      assert.equal(got.records, 180);
      assert.deepEqual(got.issues, [{ file: 'truncated', byteOffset: offsets.at(-1), message: TRUNCATED_MESSAGE }]);
      // and inside a header
      const inHeader = await readEventFile(write('truncated-header', bytes.subarray(0, offsets[3]! + 5)), { displayName: 't' });
      assert.equal(inHeader.records, 3);
      assert.equal(inHeader.issues[0]!.byteOffset, offsets[3]);
    });

    it('a record that verifies but is not an Event is reported and skipped', async () => {
      const junk = frameRecord(Uint8Array.from([0x0f, 0xff, 0xff, 0xff, 0xff, 0xff]));
      const bytes = caseA();
      const joined = new Uint8Array(bytes.length + junk.length);
      joined.set(bytes);
      joined.set(junk, bytes.length);
      const got = await readEventFile(write('junk-record', joined), { displayName: 'j' });
      assert.equal(got.records, 182);
      assert.equal(got.skippedRecords, 1);
      assert.equal(got.issues[0]!.byteOffset, bytes.length);
      assert.match(got.issues[0]!.message, /^record does not decode as a TensorBoard Event \(.+\); skipped$/);
    });

    it('garbage is an InputError at byte 0 naming the file', async () => {
      const path = join(__dirname, '../fixtures/readers/garbage.bin');
      await assert.rejects(readEventFile(path, { displayName: 'garbage.bin' }), (e: unknown) => {
        assert.ok(e instanceof InputError);
        assert.equal(e.file, 'garbage.bin');
        assert.equal(e.byteOffset, 0);
        assert.match(e.message, /^garbage\.bin@byte 0: not a TensorBoard event file/);
        return true;
      });
    });

    it('an unreadable path is an InputError', async () => {
      await assert.rejects(readEventFile(join(dir, 'missing'), { displayName: 'missing' }), (e: unknown) => e instanceof InputError && /cannot open the file/.test(e.message));
    });

    it('an empty file: no records, said so', async () => {
      const got = await readEventFile(write('events.out.tfevents.0.empty', new Uint8Array(0)), { displayName: 'empty' });
      assert.equal(got.records, 0);
      assert.deepEqual(got.issues, [{ file: 'empty', byteOffset: 0, message: EMPTY_MESSAGE }]);
    });

    it('random damage never throws anything but InputError (seeded)', async () => {
      const next = rng(1234);
      const original = caseA();
      for (let round = 0; round < 60; round++) {
        const bytes = original.slice();
        const flips = 1 + Math.floor(next() * 8);
        for (let k = 0; k < flips; k++) bytes[Math.floor(next() * bytes.length)] = Math.floor(next() * 256);
        const cut = next() < 0.3 ? Math.floor(next() * bytes.length) : bytes.length;
        try {
          const got = await readEventFile(write(`fuzz-${round}`, bytes.subarray(0, cut)), { displayName: 'fuzz' });
          assert.ok(got.records + got.skippedRecords > 0 || cut < 12);
        } catch (e) {
          assert.ok(e instanceof InputError, `round ${round}: ${(e as Error).stack}`);
        }
      }
    });
  });

  describe('names, sniffing, abort, progress', () => {
    it('isEventFileName', () => {
      for (const yes of ['events.out.tfevents.1796150045.vm.8957.0', 'events.out.tfevents.1796150071.vm.8957.1.v2', 'runs/x/events.out.tfevents.1', 'C:\\logs\\events.out.tfevents.1.host']) {
        assert.ok(isEventFileName(yes), yes);
      }
      for (const no of ['', 'events.out.tfevents.', 'events.out.tfevents', 'xevents.out.tfevents.1', 'metrics.csv', 'events.out.tfevents/readme']) {
        assert.ok(!isEventFileName(no), no);
      }
    });

    it('looksLikeEventFile checks the first length checksum', () => {
      const head = caseA().subarray(0, 64);
      assert.ok(looksLikeEventFile(head));
      assert.ok(!looksLikeEventFile(head.subarray(0, 11)));
      assert.ok(!looksLikeEventFile(new Uint8Array(0)));
      assert.ok(!looksLikeEventFile(readFileSync(join(__dirname, '../fixtures/readers/garbage.bin'))));
      const bad = head.slice();
      bad[9]! ^= 1;
      assert.ok(!looksLikeEventFile(bad));
    });

    it('abort before and during reading', async () => {
      const path = join(REAL, CASE_A);
      const isAbort = (e: unknown) => e instanceof Error && e.name === 'AbortError';
      await assert.rejects(readEventFile(path, { displayName: 'a', signal: AbortSignal.abort() }), isAbort);
      const ctl = new AbortController();
      await assert.rejects(readEventFile(path, { displayName: 'a', signal: ctl.signal, onBytes: () => ctl.abort() }), isAbort);
    });

    it('onBytes adds up to the file size', async () => {
      let total = 0;
      await readEventFile(join(REAL, CASE_A), { displayName: 'a', onBytes: (n) => (total += n) });
      assert.equal(total, 64679);
    });

    it('streams records bigger than the read chunk', async () => {
      // one 3 MiB record between two small ones: the buffer grows for it and reading goes on
      const small = caseA().subarray(0, recordOffsets(caseA())[1]!);
      // an Event whose file_version (field 3, length-delimited) is 3 MiB of "a"
      const n = 3 << 20;
      const varint = [0x80 | (n & 0x7f), 0x80 | ((n >> 7) & 0x7f), 0x80 | ((n >> 14) & 0x7f), n >> 21];
      const payload = new Uint8Array(1 + varint.length + n).fill(0x61);
      payload.set([0x1a, ...varint]);
      const big = frameRecord(payload);
      const joined = new Uint8Array(small.length * 2 + big.length);
      joined.set(small);
      joined.set(big, small.length);
      joined.set(small, small.length + big.length);
      const got = await readEventFile(write('big-record', joined), { displayName: 'big' });
      assert.equal(got.records, 3);
      assert.deepEqual(got.issues, []);
    });
  });
});
