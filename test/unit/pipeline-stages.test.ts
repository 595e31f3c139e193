// The analysis pipeline stage by stage (src/core/pipeline/): each stage on its own, with the
// inputs the previous stage hands it.
import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selectBackend } from '../../src/core/compute/backend';
import { DEFAULT_THRESHOLDS } from '../../src/core/analysis/verdict';
import { scanRun } from '../../src/core/readers/scan';
import { readRun } from '../../src/core/run/read-run';
import { UsageError, type AnalyzeOptions } from '../../src/core/pipeline/options';
import { counterfactualSpec, resolveLoss, resolveSettings } from '../../src/core/pipeline/settings';
import { openDump, readEpochs } from '../../src/core/pipeline/read-epochs';
import { judgeRun, lastEpochEngine } from '../../src/core/pipeline/judge';
import { dumpReport } from '../../src/core/pipeline/report';
import { rng } from './seeded-random';

const none = () => undefined;

/** A binary JSONL dump: `epochs` epochs of n samples, written in `order` (epoch per batch). */
function writeDump(path: string, order: number[], n = 400): void {
  const r = rng(5);
  const lines = [JSON.stringify({ meta: { loss: 'sigmoid_focal', alpha: 0.75, gamma: 2, convention: 'positive' } })];
  for (const e of order) {
    const targets = Array.from({ length: n }, () => (r() < 0.1 ? 1 : 0));
    lines.push(JSON.stringify({ epoch: e, targets, logits: targets.map((y) => (y ? 1 : -2) + 1.5 * (r() - 0.5) + 0.2 * e) }));
  }
  writeFileSync(path, lines.join('\n') + '\n');
}

describe('pipeline stages', function () {
  this.timeout(60000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'focal-lens-stages-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  describe('settings', () => {
    const meta = { alpha: 0.75, gamma: 2 };
    it('flags over the meta over a config; a config the meta contradicts is a mismatch, not used', () => {
      const s = resolveSettings({ paths: [], gamma: 1.5, config: { alpha: 0.25, gamma: 3, source: 'train.py:3' } }, meta, 'd.jsonl');
      assert.equal(s.alpha, 0.75);
      assert.equal(s.gamma, 1.5);
      assert.deepEqual(s.sources, { alpha: 'log', gamma: 'flag', convention: 'default' });
      assert.deepEqual(s.mismatches.map((m) => [m.parameter, m.log, m.config]), [['alpha', 0.75, 0.25]]);
    });
    it('a config fills in what the meta lacks; nothing at all is a usage error naming what is missing', () => {
      assert.equal(resolveSettings({ paths: [], config: { alpha: 0.25, gamma: 2 } }, {}, 'd.jsonl').sources.alpha, 'config');
      assert.throws(() => resolveSettings({ paths: [] }, {}, 'd.jsonl'), (e: unknown) => e instanceof UsageError && e.missing.join() === 'alpha,gamma');
    });
    it('a library name in the meta is resolved with the loss kind the dump shows', () => {
      const s = resolveSettings({ paths: [] }, { alpha: 0.25, gamma: 2, convention: 'keras' }, 'd.jsonl');
      const chunk = { epoch: 0, scoreKind: 'logits' as const, numClasses: 3, scores: new Float32Array(3), targetLayout: 'index' as const, targets: new Int32Array(1), samples: 1 };
      assert.equal(resolveLoss({ paths: [] }, s, {}, chunk, 'd.jsonl').convention, 'uniform');
    });
  });

  describe('epochs', () => {
    it('an interleaved dump gives the same epochs as the same records in order (read twice, said so)', async () => {
      const ordered = join(dir, 'ordered.jsonl');
      const shuffled = join(dir, 'shuffled.jsonl');
      writeDump(ordered, [1, 1, 2, 2, 3, 3]);
      writeDump(shuffled, [1, 2, 3, 1, 2, 3]);
      const epochsOf = async (path: string) => {
        const opts: AnalyzeOptions = { paths: [path], backend: 'cpu' };
        const scan = await scanRun([path]);
        const { dump, open, split } = await openDump(scan.dumps, opts, none);
        const settings = resolveSettings(opts, dump.meta, path);
        return readEpochs({ dump, reopen: open, opts, settings, classesOpt: null, where: path, split, progress: none });
      };
      await selectBackend('cpu');
      const a = await epochsOf(ordered);
      const b = await epochsOf(shuffled);
      assert.deepEqual(a.epochs.map((e) => e.samples), [800, 800, 800]);
      assert.deepEqual(b.epochs.map((e) => e.epoch), [1, 2, 3]);
      assert.equal(a.notes.length, 0);
      assert.match(b.notes[0]!, /interleaved/);
      // the epochs of the two dumps hold different samples (the PRNG ran in another order): compare counts only
      assert.deepEqual(b.epochs.map((e) => e.samples), [800, 800, 800]);
      assert.ok(a.counterfactual && b.counterfactual);
    });

    /** Epochs and the last epoch's what-if of a dump, its tail hint as read, removed or forged. */
    const readWithTail = async (path: string, tail: 'as read' | 'none' | number) => {
      const opts: AnalyzeOptions = { paths: [path], backend: 'cpu' };
      const scan = await scanRun([path]);
      const { dump, open, split } = await openDump(scan.dumps, opts, none);
      const hint = dump.tailEpoch;
      if (tail === 'none') delete dump.tailEpoch;
      else if (tail !== 'as read') dump.tailEpoch = tail;
      const settings = resolveSettings(opts, dump.meta, path);
      const read = await readEpochs({ dump, reopen: open, opts, settings, classesOpt: null, where: path, split, progress: none });
      const engine = read.counterfactual!.build(['negative', 'positive']);
      return { hint, read, whatIf: [0.25, 0.5, 0.9].map((a) => engine.evaluate(a)), observed: engine.observed() };
    };

    it('the tail epoch of a dump in order spares the counterfactual of every earlier epoch, with the same report', async () => {
      const path = join(dir, 'tail.jsonl');
      writeDump(path, [1, 1, 2, 2, 3, 3]);
      await selectBackend('cpu');
      const hinted = await readWithTail(path, 'as read');
      const plain = await readWithTail(path, 'none');
      assert.equal(hinted.hint, 3);
      assert.deepEqual(hinted.read.epochs, plain.read.epochs);
      assert.deepEqual(hinted.whatIf, plain.whatIf);
      assert.deepEqual(hinted.observed, plain.observed);
      assert.deepEqual(hinted.read.notes, []);
    });

    it('a tail epoch the stream never delivers: the dump is read again for the last epoch\'s counterfactual, and the report says so', async () => {
      const path = join(dir, 'tail-lies.jsonl');
      writeDump(path, [1, 1, 2, 2, 3, 3]);
      await selectBackend('cpu');
      const forged = await readWithTail(path, 99);
      const plain = await readWithTail(path, 'none');
      assert.deepEqual(forged.read.epochs, plain.read.epochs);
      assert.deepEqual(forged.whatIf, plain.whatIf);
      assert.match(forged.read.notes[0]!, /read twice/);
    });
  });

  describe('judge and report', () => {
    it('from the last epoch\'s counterfactual: sorted what-if rows, a verdict, an explanation; the report names every source', async () => {
      const path = join(dir, 'run', 'val.jsonl');
      rmSync(join(dir, 'run'), { recursive: true, force: true });
      mkdirSync(join(dir, 'run'));
      writeDump(path, [1, 2, 3, 4]);
      writeFileSync(join(dir, 'run', 'hparams.yaml'), 'alpha: 0.9\ngamma: 2.0\nloss: torchvision.ops.sigmoid_focal_loss\n');
      const opts: AnalyzeOptions = { paths: [join(dir, 'run')], backend: 'cpu', whatIf: [0.6, 0.3] };
      const backend = await selectBackend('cpu');
      const scan = await scanRun(opts.paths, { displayBase: dir });
      const run = await readRun(scan);
      const { dump, open, split } = await openDump(scan.dumps, opts, none);
      const settings = resolveSettings({ ...opts, config: { alpha: 0.9, gamma: 2, source: 'run/hparams.yaml:1' } }, dump.meta, 'run/val.jsonl');
      const read = await readEpochs({ dump, reopen: open, opts, settings, classesOpt: null, where: 'run/val.jsonl', split, progress: none });
      const classes = read.epochs[0]!.perClass.map((c) => c.class);
      const { engine } = lastEpochEngine(read.counterfactual, classes, 4);
      assert.ok(engine);
      const judged = judgeRun({ epochs: read.epochs, engine, resolved: read.resolved, opts, thresholds: DEFAULT_THRESHOLDS, classes });
      const alphas = judged.whatIf.map((w) => w.alpha as number);
      assert.deepEqual(alphas, [...alphas].sort((x, y) => x - y));
      assert.ok(alphas.includes(0.6) && alphas.includes(0.3) && alphas.includes(0.75));
      assert.ok(judged.explanation?.perClass.length === 2);
      const report = dumpReport({ backend, dump: read.dump, run, given: [], thresholds: DEFAULT_THRESHOLDS, settings, origin: { alpha: "run/val.jsonl's meta" }, resolved: read.resolved, epochs: read.epochs, judged, counterfactualEpoch: 4, notes: [] });
      assert.equal(report.basis, 'predictions');
      assert.equal(report.input.samplesPerEpoch, 400);
      assert.equal(report.input.run, 'run');
      assert.deepEqual(report.input.sources!.map((s) => s.role), ['predictions', 'config']);
      assert.match(report.notes!.join(' '), /says alpha 0.9, the log recorded 0.75/);
      assert.deepEqual(counterfactualSpec(read.resolved).alpha0, 0.75);
    });
  });
});
