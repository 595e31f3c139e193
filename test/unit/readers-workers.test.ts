// The worker-pool path of the text readers: the same rows, order and errors as in-thread parsing.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { InputError, openPredictionDump, type OpenDumpOptions } from '../../src/core/readers/index';

describe('readers: parse workers', () => {
  let dir: string;
  const saved = process.env.FOCAL_LENS_PARSE_WORKER;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fl-workers-'));
    await build({ entryPoints: [join(__dirname, '../../src/core/readers/parse-worker.ts')], outfile: join(dir, 'parse-worker.js'), bundle: true, platform: 'node', format: 'cjs', logLevel: 'warning' });
    process.env.FOCAL_LENS_PARSE_WORKER = join(dir, 'parse-worker.js');
  });
  after(() => {
    if (saved === undefined) delete process.env.FOCAL_LENS_PARSE_WORKER;
    else process.env.FOCAL_LENS_PARSE_WORKER = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  async function collect(path: string, opts: OpenDumpOptions) {
    const d = await openPredictionDump([path], { displayBase: dir, chunkSize: 1000, ...opts });
    const scores: number[] = [];
    const targets: number[] = [];
    const epochs: number[] = [];
    let firstBuffer: ArrayBufferLike | undefined;
    for await (const c of d.chunks) {
      firstBuffer ??= c.scores.buffer;
      scores.push(...c.scores);
      targets.push(...c.targets);
      for (let i = 0; i < c.samples; i++) epochs.push(c.epoch);
    }
    return { scores, targets, epochs, issues: d.issues(), firstBuffer };
  }

  for (const kind of ['csv', 'jsonl'] as const) {
    it(`${kind}: workers give the same rows in the same order as in-thread parsing`, async () => {
      const p = join(dir, `big.${kind}`);
      let s = kind === 'csv' ? 'epoch,target,logit_0,logit_1,logit_2\n' : '{"meta": {"loss": "softmax_focal"}}\n';
      for (let i = 0; i < 30000; i++) {
        const e = 1 + Math.floor(i / 10000);
        const z = [((i * 7) % 13) / 7 - 1, ((i * 3) % 11) / 5 - 1, (i % 17) / 3 - 2].map((x) => x.toFixed(3));
        if (i === 12345) s += kind === 'csv' ? `${e},9,${z.join(',')}\n` : `{"epoch": ${e}, "target": 9, "logits": [${z.join(', ')}]}\n`;
        else s += kind === 'csv' ? `${e},${i % 3},${z.join(',')}\n` : `{"epoch": ${e}, "target": ${i % 3}, "logits": [${z.join(', ')}]}\n`;
      }
      writeFileSync(p, s);
      const inThread = await collect(p, { workers: 0, lenient: true });
      const pooled = await collect(p, { workers: 2, lenient: true, parallelMinBytes: 1, parallelRangeBytes: 50000 });
      assert.equal(pooled.targets.length, 29999);
      assert.deepEqual(pooled.targets, inThread.targets);
      assert.deepEqual(pooled.epochs, inThread.epochs);
      assert.deepEqual(pooled.scores, inThread.scores);
      assert.deepEqual(pooled.issues, inThread.issues);
      assert.equal(pooled.issues.issues[0].line, 12347);
      // Reused buffers (valid until the next chunk is asked for, copied here): the same rows, and the
      // first block's buffer went back to a worker to be parsed into again (detached here).
      const reused = await collect(p, { workers: 2, lenient: true, parallelMinBytes: 1, parallelRangeBytes: 50000, reuseBuffers: true });
      assert.deepEqual(reused.scores, inThread.scores);
      assert.deepEqual(reused.targets, inThread.targets);
      assert.deepEqual(reused.epochs, inThread.epochs);
      assert.equal(reused.firstBuffer!.byteLength, 0, 'the first block was handed back');
      assert.ok(pooled.firstBuffer!.byteLength > 0, 'without reuseBuffers, blocks stay with the consumer');
      // Strict: the same error, with the absolute line number.
      await assert.rejects(collect(p, { workers: 2, parallelMinBytes: 1, parallelRangeBytes: 50000 }), (e: unknown) => e instanceof InputError && /big\.(csv|jsonl):12347: expected .*class index in \[0, 2\], got 9/.test(e.message));
    });
  }
});
