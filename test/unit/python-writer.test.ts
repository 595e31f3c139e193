// The Python package's dumps, end to end: a tiny PyTorch training loop (Debian's python3 with
// python3-torch and python3-torchvision) writes its validation predictions with FocalLensWriter;
// analyze() reads them with no options and must find the loss settings in the meta and reproduce
// the focal-loss sums that torchvision / torch computed on the same logits in the training script.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze } from '../../src/core/analyze';
import { runPython } from '../../scripts/python';

interface TinyRun {
  binary: string;
  softmax: string;
  binarySums: Record<string, number>;
  softmaxSums: Record<string, number>;
}

function close(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= 1e-5 * Math.abs(expected), `${what}: ${actual} vs ${expected}`);
}

describe('Python FocalLensWriter dumps, analyzed with no flags', function () {
  this.timeout(180000);
  let tmp: string;
  let run: TinyRun;
  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'focal-lens-python-'));
    const out = runPython([join('test', 'unit', 'python', 'train_tiny.py'), tmp]).stdout;
    run = JSON.parse(out) as TinyRun;
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('a binary run: epochs, loss settings from the meta, torchvision focal sums, a verdict', async () => {
    const report = await analyze({ paths: [run.binary], backend: 'cpu' });
    assert.equal(report.input.format, 'jsonl');
    assert.deepEqual(report.epochs.map((e) => e.epoch), [1, 2, 3, 4]);
    assert.ok(report.epochs.every((e) => e.samples === 1000));
    assert.equal(report.loss.kind, 'sigmoid');
    assert.equal(report.loss.alpha, 0.25);
    assert.equal(report.loss.gamma, 2);
    assert.equal(report.loss.convention, 'positive');
    assert.deepEqual(report.classes, ['negative', 'positive']);
    for (const e of report.epochs) close(e.focalSum, run.binarySums[String(e.epoch)]!, `epoch ${e.epoch} focal sum`);
    assert.ok(['healthy', 'drifting', 'collapsed'].includes(report.verdict.status));
    assert.ok(report.verdict.message.length > 0);
  });

  it('a softmax run with an alpha vector', async () => {
    const report = await analyze({ paths: [run.softmax], backend: 'cpu' });
    assert.deepEqual(report.epochs.map((e) => e.epoch), [1, 2, 3, 4]);
    assert.equal(report.loss.kind, 'softmax');
    assert.deepEqual(report.loss.alphaVector, [0.2, 0.3, 0.5]);
    assert.equal(report.loss.convention, 'vector');
    assert.deepEqual(report.classes, ['low', 'mid', 'high']);
    for (const e of report.epochs) close(e.focalSum, run.softmaxSums[String(e.epoch)]!, `epoch ${e.epoch} focal sum`);
    assert.ok(report.verdict.status);
  });
});
