// The report webview's live what-if (src/core/compute/what-if-kernel.ts, tfjs) against the
// counterfactual engine the report's what-if rows come from (analysis/counterfactual.ts, float64),
// on one epoch extracted by `focal-lens samples` (src/core/samples/). Both backends the headless
// webview falls back to (wasm, cpu) run it.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { analyze } from '../../src/core/analyze';
import { selectBackend } from '../../src/core/compute/backend';
import { WhatIfKernel, whatIfSpec } from '../../src/core/compute/what-if-kernel';
import type { WhatIfRow } from '../../src/core/report';
import { extractEpochSamples } from '../../src/core/samples/extract';
import { decodeEpochSamples, encodeEpochSamples } from '../../src/core/samples/format';
import { runSamplesCommand } from '../../src/cli/samples';
import { rng } from './seeded-random';

const root = join(__dirname, '..', '..');
const ex = (name: string) => join(root, 'examples', name);

/** Rows agree up to float32 decisions near q*: shares within `tol` of the samples, metrics within 2 tol. */
function assertRowsClose(actual: WhatIfRow, expected: WhatIfRow, samples: number, what: string): void {
  const tol = Math.max(1e-9, 3 / samples);
  actual.perClass.forEach((c, i) => {
    const e = expected.perClass[i]!;
    assert.equal(c.class, e.class);
    assert.ok(Math.abs(c.predShare - e.predShare) <= tol, `${what} ${c.class} predShare ${c.predShare} vs ${e.predShare}`);
    assert.ok(Math.abs(c.recall - e.recall) <= 2 * tol + 1e-9 || Math.abs(c.recall - e.recall) < 0.01, `${what} ${c.class} recall ${c.recall} vs ${e.recall}`);
  });
  assert.ok(Math.abs(actual.macroF1 - expected.macroF1) < 0.005, `${what} macro-F1 ${actual.macroF1} vs ${expected.macroF1}`);
  assert.ok(Math.abs(actual.balancedAccuracy - expected.balancedAccuracy) < 0.005, `${what} balanced accuracy ${actual.balancedAccuracy} vs ${expected.balancedAccuracy}`);
}

describe('per-sample epochs for the webview (focal-lens samples)', function () {
  this.timeout(120000);
  let tmp: string;
  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'focal-lens-samples-'));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('extracts one epoch exactly (count, layout) and round-trips through the binary file', async () => {
    const s = await extractEpochSamples([ex('binary-alpha-0.96.jsonl')], { epoch: 3, maxSamples: 1_000_000 });
    assert.equal(s.samples, 5200);
    assert.equal(s.total, 5200);
    assert.equal(s.sampled, false);
    assert.equal(s.numClasses, 1);
    assert.equal(s.layout, 'binary');
    const positives = Array.from(s.targets).filter((t) => t === 1).length;
    assert.equal(positives, 200);
    const back = decodeEpochSamples(encodeEpochSamples(s));
    assert.deepEqual({ ...back, scores: undefined, targets: undefined }, { ...s, scores: undefined, targets: undefined });
    assert.deepEqual(Array.from(back.scores), Array.from(s.scores));
    assert.deepEqual(Array.from(back.targets), Array.from(s.targets));
  });

  it('caps an epoch at maxSamples with a seeded uniform sample, and says it sampled', async () => {
    const a = await extractEpochSamples([ex('binary-alpha-0.96.jsonl')], { epoch: 10, maxSamples: 1000 });
    const b = await extractEpochSamples([ex('binary-alpha-0.96.jsonl')], { epoch: 10, maxSamples: 1000 });
    assert.equal(a.samples, 1000);
    assert.equal(a.total, 5200);
    assert.equal(a.sampled, true);
    assert.deepEqual(Array.from(a.scores), Array.from(b.scores), 'the same seed gives the same sample');
    // the dump lists its 200 positives after... wherever they are: a uniform sample keeps about 1000 x 200 / 5200 = 38 (3 sd: +-18)
    const positives = Array.from(a.targets).filter((t) => t === 1).length;
    assert.ok(positives > 20 && positives < 57, `positives in the sample: ${positives}`);
  });

  it('names the epochs a dump has when asked for one it has not', async () => {
    await assert.rejects(extractEpochSamples([ex('binary-alpha-0.96.jsonl')], { epoch: 42, maxSamples: 10 }), /no epoch 42 \(epochs: 1, 2, 3, 4, 5, 6, 7, 8, 9, 10\)/);
  });

  it('the CLI writes the file and prints its header; bad usage exits 2 with the reason', async () => {
    const out = join(tmp, 'e2.bin');
    let stdout = '';
    let stderr = '';
    const io = { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) }, env: {} };
    assert.equal(await runSamplesCommand(['--epoch', '2', '--out', out, '--max-samples', '100', '--', ex('softmax-4class-vector.jsonl')], io), 0);
    const header = JSON.parse(stdout);
    assert.equal(header.samples, 100);
    assert.equal(header.sampled, true);
    assert.equal(header.layout, 'softmax');
    assert.equal(decodeEpochSamples(new Uint8Array(readFileSync(out))).numClasses, 4);
    assert.equal(await runSamplesCommand(['--out', out, ex('softmax-4class-vector.jsonl')], io), 2);
    assert.match(stderr, /--epoch expects an integer epoch/);
    stderr = '';
    assert.equal(await runSamplesCommand(['--epoch', '1', '--out', out, '--progress', 'json', join(tmp, 'missing.jsonl')], io), 2);
    const event = JSON.parse(stderr.trim().split('\n').pop()!);
    assert.equal(event.type, 'error');
    assert.match(event.message, /missing\.jsonl/);
  });

  it('rejects a truncated samples file with a reason', () => {
    assert.throws(() => decodeEpochSamples(new Uint8Array(8)), /bad magic/);
    const bytes = encodeEpochSamples({ epoch: 1, samples: 2, total: 2, sampled: false, numClasses: 1, scoreKind: 'logits', targetLayout: 'index', layout: 'binary', scores: new Float32Array([0.5, -1]), targets: new Int32Array([1, 0]) });
    assert.throws(() => decodeEpochSamples(bytes.subarray(0, bytes.length - 4)), /expected/);
  });
});

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`live what-if kernel on tfjs ${backend} matches the counterfactual engine`, function () {
    this.timeout(180000);
    before(async () => {
      await selectBackend(backend);
    });

    const cases: Array<{ name: string; paths: () => string[]; flags?: Record<string, unknown> }> = [
      { name: 'binary sigmoid, alpha 0.96 (logits)', paths: () => [ex('binary-alpha-0.96.jsonl')] },
      { name: 'softmax, per-class alpha vector', paths: () => [ex('softmax-4class-vector.jsonl')] },
      { name: 'multi-label sigmoid, 3 heads (synthetic)', paths: () => [multiLabelDump()] },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        const report = await analyze({ paths: c.paths(), backend });
        const last = report.epochs[report.epochs.length - 1]!;
        const samples = await extractEpochSamples(c.paths(), { epoch: last.epoch, maxSamples: 1_000_000 });
        assert.equal(samples.samples, last.samples);
        const kernel = new WhatIfKernel(samples, whatIfSpec(report, samples.numClasses));
        const before = tf.memory().numTensors;
        try {
          for (const row of report.whatIf) {
            const live = await kernel.evaluate(row.alpha);
            assertRowsClose(live, row, samples.samples, `alpha ${JSON.stringify(row.alpha)}`);
          }
          // at the run's own alpha the counterfactual reproduces the run's predictions (docs/method.md)
          const logged = report.whatIf.find((r) => r.label === 'logged')!;
          const live = await kernel.evaluate(logged.alpha);
          live.perClass.forEach((x, i) => assert.ok(Math.abs(x.predShare - last.perClass[i]!.predShare) <= 3 / samples.samples, `${x.class}: ${x.predShare} vs observed ${last.perClass[i]!.predShare}`));
          assert.equal(tf.memory().numTensors, before, 'evaluate leaks no tensors');
        } finally {
          kernel.dispose();
        }
      });
    }
  });
}

let multiLabelPath: string | null = null;
/** A seeded 3-head multi-label dump: each head's logit leans towards its label. */
function multiLabelDump(): string {
  if (multiLabelPath) return multiLabelPath;
  const random = rng(7);
  const lines = [JSON.stringify({ meta: { loss: 'sigmoid_focal', alpha: 0.75, gamma: 2, convention: 'positive', classes: ['cat', 'dog', 'bird'] } })];
  for (let epoch = 1; epoch <= 2; epoch++) {
    for (let i = 0; i < 3000; i++) {
      const targets = [random() < 0.3 ? 1 : 0, random() < 0.1 ? 1 : 0, random() < 0.05 ? 1 : 0];
      const logits = targets.map((t) => (t ? 1.2 : -1.5) + 1.6 * (random() - 0.5) * 2 + epoch * 0.1);
      lines.push(JSON.stringify({ epoch, targets, logits }));
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'focal-lens-ml-'));
  multiLabelPath = join(dir, 'multilabel.jsonl');
  writeFileSync(multiLabelPath, lines.join('\n') + '\n');
  return multiLabelPath;
}
