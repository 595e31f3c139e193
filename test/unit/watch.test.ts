// The watch (src/core/watch/): a live run's files followed as they grow. Every report it gives is
// checked against `analyze` of the same bytes, so the watch is the analysis, epoch by epoch.
import { strict as assert } from 'node:assert';
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze } from '../../src/core/analyze';
import { isInputError } from '../../src/core/readers/errors';
import { FileTail } from '../../src/core/watch/tail';
import { RunWatch, type WatchEvent, type WatchOptions } from '../../src/core/watch/session';
import type { AnalysisReport } from '../../src/core/report';

const root = join(__dirname, '..', '..');
const COLLAPSE = join(root, 'test', 'fixtures', 'watch', 'collapse-onset', 'val_preds.jsonl');
const LIGHTNING = join(root, 'test', 'fixtures', 'real-logs', 'runs', 'a_lightning_binary_alpha097');
const SETTLE = 1000;

/** The dump's meta line and its records by epoch (lines with their newline). */
function dumpLines(path: string): { meta: string; epochs: Map<number, string> } {
  const [meta, ...records] = readFileSync(path, 'utf8').split('\n').filter((l) => l !== '');
  const epochs = new Map<number, string>();
  for (const r of records) {
    const e = (JSON.parse(r) as { epoch: number }).epoch;
    epochs.set(e, (epochs.get(e) ?? '') + r + '\n');
  }
  return { meta: meta! + '\n', epochs };
}

/** A watch on a clock the test moves. */
async function watchOn(paths: string[], dir: string, extra: Partial<WatchOptions> = {}): Promise<{ watch: RunWatch; clock: { t: number }; tick(advance?: number): Promise<WatchEvent[]> }> {
  const clock = { t: 0 };
  const watch = await RunWatch.open({ paths, displayBase: dir, settleMs: SETTLE, now: () => clock.t, ...extra });
  return {
    watch,
    clock,
    async tick(advance = 0) {
      clock.t += advance;
      const events: WatchEvent[] = [];
      for await (const e of watch.tick()) events.push(e);
      return events;
    },
  };
}

/** A tick that reads what is there, then one after the settle time (the last epoch completes). */
async function readAndSettle(w: { tick(advance?: number): Promise<WatchEvent[]> }): Promise<WatchEvent[]> {
  return [...(await w.tick()), ...(await w.tick(SETTLE))];
}

const epochsOf = (events: WatchEvent[]) => events.filter((e): e is Extract<WatchEvent, { type: 'epoch' }> => e.type === 'epoch');

describe('watch: following a run as it grows', function () {
  this.timeout(120_000);
  let dir: string;
  let n = 0;
  const fresh = () => {
    const d = join(dir, `case-${n++}`);
    mkdirSync(d);
    return d;
  };
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'focal-lens-watch-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  /** A fresh folder whose val.jsonl holds the fixture's first epoch, watched. */
  const watchFirstEpoch = async () => {
    const d = fresh();
    const path = join(d, 'val.jsonl');
    const { meta, epochs } = dumpLines(COLLAPSE);
    writeFileSync(path, meta + epochs.get(1)!);
    return { path, epochs, w: await watchOn([path], d) };
  };

  it('a file tail: appended bytes from where it left off; truncation, replacement, a rewrite and deletion', async () => {
    const d = fresh();
    const path = join(d, 'log.txt');
    writeFileSync(path, 'abc\nde');
    const tail = new FileTail(path);
    assert.deepEqual(await tail.poll(), { kind: 'grown', size: 6 });
    assert.equal(Buffer.from((await tail.read()).bytes).toString(), 'abc\nde');
    assert.equal(tail.atLineEnd, false);
    assert.deepEqual(await tail.poll(), { kind: 'same' });
    appendFileSync(path, 'f\n');
    assert.deepEqual(await tail.poll(), { kind: 'grown', size: 8 });
    const more = await tail.read();
    assert.equal(more.offset, 6);
    assert.equal(Buffer.from(more.bytes).toString(), 'f\n');
    truncateSync(path, 2);
    const truncated = await tail.poll();
    assert.equal(truncated.kind, 'reset');
    assert.match((truncated as { reason: string }).reason, /truncated to 2 bytes \(8 were read\)/);
    assert.equal(tail.offset, 0);
    await tail.read();
    writeFileSync(join(d, 'new.txt'), 'xyz\n');
    renameSync(join(d, 'new.txt'), path);
    assert.deepEqual(await tail.poll(), { kind: 'reset', reason: 'replaced by a new file' });
    await tail.read();
    await tail.poll();
    // the same file written again from its start, now longer (Lightning rewrites metrics.csv so)
    writeFileSync(path, 'XYZ\nmore\n');
    assert.deepEqual(await tail.poll(), { kind: 'reset', reason: 'rewritten from the start' });
    rmSync(path);
    assert.deepEqual(await tail.poll(), { kind: 'gone' });
  });

  it('a dump appended in pieces cut anywhere: each epoch once complete, with the report analyze gives for those epochs', async () => {
    const d = fresh();
    const path = join(d, 'val_preds.jsonl');
    const all = readFileSync(COLLAPSE);
    // the run has written its meta line so far
    writeFileSync(path, all.subarray(0, all.indexOf(10) + 1));
    const w = await watchOn([path], d);
    const seen: Array<Extract<WatchEvent, { type: 'epoch' }>> = [];
    // pieces of a prime length: lines, numbers and multi-line epochs are cut at every kind of place
    const piece = 7919;
    let written = all.indexOf(10) + 1;
    while (written < all.length) {
      appendFileSync(path, all.subarray(written, Math.min(all.length, written + piece)));
      written += piece;
      seen.push(...epochsOf(await w.tick(10)));
    }
    // the last epoch: complete once no record has come for the settle time
    assert.deepEqual(seen.map((e) => e.epoch), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    seen.push(...epochsOf(await w.tick(SETTLE)));
    assert.deepEqual(seen.map((e) => e.epoch), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    assert.ok(seen.every((e) => e.revised.length === 0));
    assert.deepEqual(epochsOf(await w.tick(SETTLE)), [], 'an epoch is judged once');
    const whole = await analyze({ paths: [path], displayBase: d });
    assert.deepEqual(seen[11]!.report, whole);
    // an earlier epoch's report is analyze's on the dump as it was when that epoch was complete
    const { meta, epochs } = dumpLines(COLLAPSE);
    const then = join(d, 'then');
    mkdirSync(then);
    writeFileSync(join(then, 'val_preds.jsonl'), meta + [1, 2, 3, 4, 5, 6, 7, 8].map((e) => epochs.get(e)).join(''));
    assert.deepEqual(seen[7]!.report, await analyze({ paths: [join(then, 'val_preds.jsonl')], displayBase: then }));
    assert.equal(seen[7]!.report.verdict.status, 'collapsed');
    assert.equal(seen[6]!.report.verdict.status, 'drifting');
    w.watch.close();
  });

  it('a partial last line waits for its end; the epoch before it completes when the next epoch\'s record does', async () => {
    const { path, epochs, w } = await watchFirstEpoch();
    assert.deepEqual(epochsOf(await w.tick()), []);
    const second = epochs.get(2)!;
    const cut = second.indexOf('\n') - 100;
    appendFileSync(path, second.slice(0, cut));
    // half a record: not read as one (no error), and it holds epoch 1 open however long it waits
    assert.deepEqual(epochsOf(await w.tick(SETTLE * 5)), []);
    appendFileSync(path, second.slice(cut));
    assert.deepEqual(epochsOf(await w.tick()).map((e) => e.epoch), [1]);
    assert.deepEqual(epochsOf(await w.tick(SETTLE)).map((e) => e.epoch), [2]);
    w.watch.close();
  });

  it('a truncated dump (a run resumed from a checkpoint) and a replaced one are read again from the start', async () => {
    const d = fresh();
    const path = join(d, 'val.jsonl');
    const { meta, epochs } = dumpLines(COLLAPSE);
    writeFileSync(path, meta + epochs.get(1)! + epochs.get(2)! + epochs.get(3)!);
    const w = await watchOn([path], d);
    assert.deepEqual(epochsOf(await readAndSettle(w)).map((e) => e.epoch), [1, 2, 3]);
    // resume=True drops the epochs from the resumed one on, then the run writes them again
    truncateSync(path, Buffer.byteLength(meta + epochs.get(1)!));
    appendFileSync(path, epochs.get(2)!);
    const resumed = await readAndSettle(w);
    assert.deepEqual(resumed.filter((e) => e.type === 'restart').map((e) => (e as { reason: string }).reason), [`truncated to ${Buffer.byteLength(meta + epochs.get(1)! + epochs.get(2)!)} bytes (${Buffer.byteLength(meta + epochs.get(1)! + epochs.get(2)! + epochs.get(3)!)} were read)`]);
    const again = epochsOf(resumed);
    assert.deepEqual(again.map((e) => e.epoch), [1, 2]);
    assert.deepEqual(again[1]!.report, await analyze({ paths: [path], displayBase: d }));
    // a writer that writes a new file and renames it over the old one
    const next = join(d, 'val.jsonl.new');
    writeFileSync(next, meta + epochs.get(5)!);
    renameSync(next, path);
    const replaced = await readAndSettle(w);
    assert.deepEqual(replaced.filter((e) => e.type === 'restart').map((e) => (e as { reason: string }).reason), ['replaced by a new file']);
    assert.deepEqual(epochsOf(replaced).map((e) => e.epoch), [5]);
    assert.equal(epochsOf(replaced)[0]!.report.input.samples, 2000);
    w.watch.close();
  });

  it('a DDP rank file that appears later is followed too: its records join their epochs', async () => {
    const d = fresh();
    const { meta, epochs } = dumpLines(COLLAPSE);
    // rank 0 and rank 1 each hold half of every epoch's samples (one file each, as the writer does)
    const half = (e: number, rank: number) =>
      epochs
        .get(e)!
        .split('\n')
        .filter((l) => l)
        .map((l) => {
          const r = JSON.parse(l) as { targets: number[]; logits: number[] };
          const mine = (_: number, i: number) => i % 2 === rank;
          return JSON.stringify({ ...r, targets: r.targets.filter(mine), logits: r.logits.filter(mine) }) + '\n';
        })
        .join('');
    const rank0 = join(d, 'val.jsonl');
    const rank1 = join(d, 'val.rank1.jsonl');
    writeFileSync(rank0, meta + half(1, 0) + half(2, 0));
    const w = await watchOn([rank0], d);
    const first = await readAndSettle(w);
    assert.deepEqual(epochsOf(first).map((e) => e.epoch), [1, 2]);
    const onlyRank0 = epochsOf(first)[0]!.report.epochs[0]!.samples;
    writeFileSync(rank1, meta + half(1, 1) + half(2, 1));
    const joined = await w.tick();
    assert.deepEqual(joined.filter((e) => e.type === 'file').map((e) => (e as { file: string }).file), ['val.rank1.jsonl']);
    // rank 1's records of epoch 1 are in at once (it has epoch 2 records), epoch 2's once rank 1 is quiet
    assert.deepEqual(epochsOf(joined).map((e) => [e.epoch, e.revised]), [[2, [1]]]);
    const revisedNow = epochsOf(await w.tick(SETTLE));
    assert.deepEqual(revisedNow.map((e) => [e.epoch, e.revised]), [[2, [2]]]);
    const last = revisedNow[revisedNow.length - 1]!.report;
    assert.deepEqual(last.input.files, ['val.jsonl', 'val.rank1.jsonl']);
    assert.deepEqual(last.epochs.map((e) => e.samples), [2000, 2000]);
    assert.ok(onlyRank0 < 2000);
    // the same numbers as analyze of both files: the samples come in another order and other kernel
    // batches (epoch 1 was judged once before rank 1 came), so the float32 block sums agree to float32 precision
    const both = await analyze({ paths: [rank0, rank1], displayBase: d });
    assert.deepEqual(last.verdict.perEpoch, both.verdict.perEpoch);
    for (const [i, e] of last.epochs.entries()) {
      for (const [k, c] of e.perClass.entries()) {
        const want = both.epochs[i]!.perClass[k]!;
        assert.equal(c.count, want.count);
        assert.equal(c.predShare, want.predShare);
        assert.ok(Math.abs(c.balance - want.balance) <= 1e-6 * Math.abs(want.balance), `${c.balance} vs ${want.balance}`);
      }
    }
    w.watch.close();
  });

  it('a damaged line: the error names file and line, the epochs before it were reported; --lenient skips it and goes on', async () => {
    const d = fresh();
    const path = join(d, 'val.jsonl');
    const { meta, epochs } = dumpLines(COLLAPSE);
    const before = meta + epochs.get(1)! + epochs.get(2)!;
    const badLine = before.split('\n').length;
    writeFileSync(path, before + '{"epoch":3,"split":"val","targets":[0,1],"logits":[0.5]}\n' + epochs.get(3)!);
    const strict = await watchOn([path], d);
    const got: WatchEvent[] = [];
    await assert.rejects(
      async () => {
        for await (const e of strict.watch.tick()) got.push(e);
      },
      (err: unknown) => isInputError(err) && err.message === `val.jsonl:${badLine}: expected "targets" to have 1 entries (one per row of "logits"), got 2`,
    );
    // epoch 2 is not complete: no record of a later epoch was read, and its records stopped at the damage
    assert.deepEqual(epochsOf(got).map((e) => e.epoch), [1]);
    strict.watch.close();
    const lenient = await watchOn([path], d, { lenient: true });
    const events = epochsOf(await readAndSettle(lenient));
    assert.deepEqual(events.map((e) => e.epoch), [1, 2, 3]);
    const report = events[2]!.report;
    assert.equal(report.input.skipped, 2);
    assert.deepEqual(report.input.issues?.map((i) => [i.file, i.line]), [['val.jsonl', badLine]]);
    assert.deepEqual(report, await analyze({ paths: [path], displayBase: d, lenient: true }));
    lenient.watch.close();
  });

  it('a run folder of metric logs (Lightning CSVLogger) appended row by row: one report per evaluation, the last as analyze gives it', async () => {
    const d = fresh();
    const run = join(d, 'run');
    mkdirSync(join(run, 'csv', 'version_0'), { recursive: true });
    copyFileSync(join(LIGHTNING, 'csv', 'version_0', 'hparams.yaml'), join(run, 'csv', 'version_0', 'hparams.yaml'));
    const rows = readFileSync(join(LIGHTNING, 'csv', 'version_0', 'metrics.csv'), 'utf8').split(/(?<=\n)/);
    const metrics = join(run, 'csv', 'version_0', 'metrics.csv');
    const w = await watchOn([run], d);
    const seen: number[] = [];
    // the folder has no log yet: the watch waits for it
    assert.deepEqual(await w.tick(), []);
    writeFileSync(metrics, rows[0]!);
    for (const row of rows.slice(1)) {
      appendFileSync(metrics, row);
      seen.push(...epochsOf(await w.tick(10)).map((e) => e.epoch));
    }
    const end = epochsOf(await w.tick(SETTLE));
    seen.push(...end.map((e) => e.epoch));
    assert.deepEqual(seen, Array.from({ length: 18 }, (_, i) => i));
    assert.deepEqual(end[end.length - 1]!.report, await analyze({ paths: [run], displayBase: d }));
    w.watch.close();
  });

  it('a TensorBoard event file copied in pieces cut inside records: read on from its last complete record', async () => {
    const d = fresh();
    const run = join(d, 'tb');
    mkdirSync(run);
    const source = join(LIGHTNING, 'tensorboard', 'version_0');
    const name = 'events.out.tfevents.1796150045.vm.8957.0';
    copyFileSync(join(source, 'hparams.yaml'), join(run, 'hparams.yaml'));
    const bytes = readFileSync(join(source, name));
    writeFileSync(join(run, name), bytes.subarray(0, 5000));
    const w = await watchOn([run], d);
    let events = await w.tick();
    for (let at = 5000; at < bytes.length; at += 6007) {
      appendFileSync(join(run, name), bytes.subarray(at, Math.min(bytes.length, at + 6007)));
      events = events.concat(await w.tick(10));
    }
    events = events.concat(await w.tick(SETTLE));
    const reports = epochsOf(events);
    assert.ok(reports.length >= 10, `${reports.length} evaluations reported`);
    const whole = await analyze({ paths: [run], displayBase: d });
    assert.deepEqual(reports[reports.length - 1]!.report, whole);
    assert.equal(whole.input.skipped, undefined, 'no record was taken for damaged');
    w.watch.close();
  });

  it('ends when the watched file is deleted', async () => {
    const { path, w } = await watchFirstEpoch();
    await w.tick();
    rmSync(path);
    assert.deepEqual(await w.tick(), [{ type: 'gone', file: 'val.jsonl' }]);
    w.watch.close();
  });

  it('the report of each epoch is complete JSON (what the extension gets)', async () => {
    const { w } = await watchFirstEpoch();
    const [event] = epochsOf(await readAndSettle(w));
    const report = JSON.parse(JSON.stringify(event!.report)) as AnalysisReport;
    assert.equal(report.verdict.status, 'healthy');
    assert.equal(report.input.epochs, 1);
    w.watch.close();
  });
});
