import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze, isUsageError, type AnalyzeProgress } from '../../src/core/analyze';
import { counterfactual } from '../../src/core/analysis/counterfactual';
import { SUGGESTION_MARGIN, suggest } from '../../src/core/analysis/suggestion';
import { staticStatus } from '../../src/core/analysis/verdict';
import { rng } from './seeded-random';


/** A binary JSONL dump: per epoch, logits drift upward by `shift` (the model says "positive" more and more). */
function binaryDump(epochs: number[], opts: { meta?: object | null; shift?: number; n?: number } = {}): string {
  const r = rng(7);
  const n = opts.n ?? 1000;
  const lines: string[] = [];
  if (opts.meta !== null) lines.push(JSON.stringify({ meta: opts.meta ?? { loss: 'sigmoid_focal', alpha: 0.25, gamma: 2 } }));
  for (const e of epochs) {
    const targets: number[] = [];
    const logits: number[] = [];
    for (let i = 0; i < n; i++) {
      const y = i % 25 === 0 ? 1 : 0;
      targets.push(y);
      logits.push(Math.round(((y ? 0.5 : -1.5) + (r() - 0.5) * 3 + (opts.shift ?? 0) * e) * 1000) / 1000);
    }
    lines.push(JSON.stringify({ epoch: e, targets, logits }));
  }
  return lines.join('\n') + '\n';
}

describe('analyze() pipeline', function () {
  this.timeout(120000);
  let tmp: string;
  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'focal-lens-analyze-'));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('reads meta, runs one accumulator per epoch, reports progress and why there is no suggestion', async () => {
    const f = join(tmp, 'a.jsonl');
    writeFileSync(f, binaryDump([1, 2, 3, 4, 5], { shift: 0.6 }));
    const events: AnalyzeProgress[] = [];
    const rep = await analyze({ paths: [f], backend: 'cpu', onProgress: (e) => events.push(e), whatIf: [0.9] });
    assert.equal(rep.epochs.length, 5);
    assert.deepEqual(rep.epochs.map((e) => e.epoch), [1, 2, 3, 4, 5]);
    assert.equal(rep.loss.alpha, 0.25);
    assert.equal(rep.loss.convention, 'positive');
    assert.equal(rep.counterfactualEpoch, 5);
    // rows in alpha order (issue 8, item 7)
    assert.deepEqual(rep.whatIf.map((w) => [w.alpha, w.label]), [[0.25, 'logged'], [0.5, 'neutral'], [0.9, 'what-if']]);
    // shifted logits are no model's loss minimum: the probabilities see no safe alpha, the labels do (issue 8, item 1)
    assert.equal(rep.suggestion, null);
    assert.equal(rep.suggestionDetail!.status, 'estimates-disagree');
    assert.equal(events.filter((e) => e.phase === 'epoch').length, 5);
    assert.equal(events[events.length - 1]!.phase, 'done');
    // the shift makes the model over-predict positives more each epoch
    assert.notEqual(rep.verdict.status, 'healthy');
    assert.equal(rep.verdict.class, 'positive');
  });

  it('flags override the meta', async () => {
    const f = join(tmp, 'b.jsonl');
    writeFileSync(f, binaryDump([1, 2]));
    const rep = await analyze({ paths: [f], backend: 'cpu', alpha: 0.75, gamma: 1 });
    assert.equal(rep.loss.alpha, 0.75);
    assert.equal(rep.loss.gamma, 1);
  });

  it('missing alpha or gamma is a usage error that names what is missing, in words of no face (no flags)', async () => {
    const f = join(tmp, 'nometa.jsonl');
    writeFileSync(f, binaryDump([1], { meta: null }));
    await assert.rejects(analyze({ paths: [f], backend: 'cpu' }), (e: Error) => {
      assert.ok(isUsageError(e));
      assert.match(e.message, /^alpha is not in .*nometa\.jsonl's meta \(nor is gamma\)$/);
      assert.deepEqual(e.needs.missing, ['alpha', 'gamma']);
      return true;
    });
    await assert.rejects(analyze({ paths: [f], backend: 'cpu', alpha: 0.25 }), (e: Error) => isUsageError(e) && /^gamma is not in .*'s meta$/.test(e.message) && e.missing.join() === 'gamma');
    const rep = await analyze({ paths: [f], backend: 'cpu', alpha: null, gamma: 2 });
    assert.equal(rep.loss.alpha, null);
  });

  it('interleaved epochs (an epoch reappears) are aggregated by epoch', async () => {
    const f = join(tmp, 'inter.jsonl');
    const one = binaryDump([1, 2], { n: 500 }).trim().split('\n');
    const two = binaryDump([1, 2], { n: 500, meta: null }).trim().split('\n');
    writeFileSync(f, [one[0], one[1], one[2], two[0], two[1]].join('\n') + '\n');
    const rep = await analyze({ paths: [f], backend: 'cpu' });
    assert.deepEqual(rep.epochs.map((e) => [e.epoch, e.samples]), [[1, 1000], [2, 1000]]);
    assert.equal(rep.counterfactualEpoch, 2);
    assert.ok(rep.notes?.some((n) => /interleaved/.test(n)));
  });

  it('multi-label sigmoid heads (multi-hot targets) with a per-class alpha vector', async () => {
    const r = rng(11);
    const f = join(tmp, 'ml.jsonl');
    const lines = [JSON.stringify({ meta: { loss: 'sigmoid_focal', alpha: [0.25, 0.5, 0.9], gamma: 2, classes: ['cat', 'dog', 'bird'] } })];
    for (const e of [1, 2, 3]) {
      const targets: number[][] = [];
      const logits: number[][] = [];
      for (let i = 0; i < 600; i++) {
        const t = [r() < 0.3 ? 1 : 0, r() < 0.1 ? 1 : 0, r() < 0.05 ? 1 : 0];
        targets.push(t);
        logits.push(t.map((y, c) => Math.round(((y ? 1 : -1) * 1.5 - c * 0.3 + (r() - 0.5) * 4) * 1000) / 1000));
      }
      lines.push(JSON.stringify({ epoch: e, targets, logits }));
    }
    writeFileSync(f, lines.join('\n') + '\n');
    const rep = await analyze({ paths: [f], backend: 'cpu' });
    assert.deepEqual(rep.classes, ['cat', 'dog', 'bird']);
    assert.equal(rep.loss.convention, 'vector');
    assert.deepEqual(rep.loss.alphaVector, [0.25, 0.5, 0.9]);
    assert.ok(Array.isArray(rep.suggestion!.alpha) && (rep.suggestion!.alpha as number[]).length === 3);
    assert.ok(rep.suggestion!.expected >= rep.suggestion!.current - 1e-9);
    const logged = rep.whatIf[0]!;
    const last = rep.epochs[rep.epochs.length - 1]!;
    for (const c of last.perClass) assert.ok(Math.abs(logged.perClass.find((w) => w.class === c.class)!.predShare - c.predShare) < 1e-9);
  });

  it('softmax dump with probabilities and a class0-complement scalar', async () => {
    const r = rng(12);
    const f = join(tmp, 'sm.jsonl');
    const lines = [JSON.stringify({ meta: { loss: 'softmax_focal', alpha: 0.25, convention: 'class0-complement', gamma: 2 } })];
    for (const e of [1, 2]) {
      for (let i = 0; i < 400; i++) {
        const y = i % 10 === 0 ? 2 : i % 3 === 0 ? 1 : 0;
        const raw = [0, 1, 2].map((c) => Math.exp((c === y ? 1 : 0) + r() * 2));
        const s = raw.reduce((a, b) => a + b, 0);
        lines.push(JSON.stringify({ epoch: e, target: y, probs: raw.map((v) => v / s) }));
      }
    }
    writeFileSync(f, lines.join('\n') + '\n');
    const rep = await analyze({ paths: [f], backend: 'cpu', objective: 'balanced-accuracy' });
    assert.equal(rep.loss.kind, 'softmax');
    assert.deepEqual(rep.loss.alphaVector, [0.75, 0.25, 0.25]);
    assert.equal(typeof rep.suggestion!.alpha, 'number');
    assert.equal(rep.whatIf.find((w) => w.label === 'logged')!.alpha, 0.25);
    assert.equal(rep.whatIf.find((w) => w.label === 'neutral')!.alpha, 0.5);
    const last = rep.epochs[rep.epochs.length - 1]!;
    const logged = rep.whatIf.find((w) => w.label === 'logged')!;
    for (const c of last.perClass) assert.ok(Math.abs(logged.perClass.find((w) => w.class === c.class)!.predShare - c.predShare) < 1e-9);
  });

  it('aborts with an AbortError', async () => {
    const f = join(tmp, 'c.jsonl');
    writeFileSync(f, binaryDump([1, 2, 3]));
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(analyze({ paths: [f], backend: 'cpu', signal: ac.signal }), (e: Error) => e.name === 'AbortError');
  });

  it('suggestion: the best alpha on the grid that neither estimate judges collapsed or drifting, with safe neighbours', () => {
    const r = rng(9);
    const N = 5000;
    const probs = new Float32Array(N);
    const targets = new Int32Array(N);
    for (let i = 0; i < N; i++) {
      targets[i] = r() < 0.1 ? 1 : 0;
      probs[i] = 1 / (1 + Math.exp(-((targets[i] ? 0 : -2) + (r() - 0.5) * 3)));
    }
    const cf = counterfactual({ kind: 'sigmoid', numClasses: 1, samples: N, probabilities: probs, targets, targetLayout: 'index', gamma: 2, alpha0: 0.25, classes: ['negative', 'positive'] });
    const nPos = targets.reduce((a, b) => a + b, 0);
    const reference = [
      { class: 'negative', count: N - nPos, trueShare: (N - nPos) / N, predShare: 0, recall: 0 },
      { class: 'positive', count: nPos, trueShare: nPos / N, predShare: 0, recall: 0 },
    ];
    const healthy = (a: number) =>
      [cf.evaluate(a), cf.evaluateCalibrated(a)].every(
        (row) => staticStatus(reference.map((c, i) => ({ ...c, predShare: row.perClass[i]!.predShare, recall: row.perClass[i]!.recall }))).status === 'healthy',
      );
    const logit = (a: number) => Math.log(a / (1 - a));
    const safe = (a: number) => healthy(a) && [-SUGGESTION_MARGIN, SUGGESTION_MARGIN].every((d) => healthy(1 / (1 + Math.exp(-(logit(a) + d)))));
    const ctx = { kind: 'sigmoid' as const, layout: 'binary' as const, convention: 'positive' as const, trueShares: [0.9, 0.1], observed: cf.observed(), reference };
    for (const objective of ['macro-f1', 'balanced-accuracy', 'accuracy'] as const) {
      const s = suggest(cf, { ...ctx, objective }).suggestion!;
      assert.ok(s, objective);
      // brute force over the grid
      let best = -Infinity;
      for (let a = 1; a < 100; a++) {
        if (!safe(a / 100)) continue;
        const row = cf.evaluate(a / 100);
        best = Math.max(best, objective === 'macro-f1' ? row.macroF1 : objective === 'accuracy' ? row.accuracy : row.balancedAccuracy);
      }
      assert.ok(Math.abs(best - s.expected) < 1e-12, objective);
      assert.ok(s.expected >= s.current - 1e-12, objective);
    }
    // balanced accuracy prefers a larger alpha than accuracy on a rare positive class
    const ba = suggest(cf, { ...ctx, objective: 'balanced-accuracy' }).suggestion!;
    const acc = suggest(cf, { ...ctx, objective: 'accuracy' }).suggestion!;
    assert.ok((ba.alpha as number) > (acc.alpha as number));
  });
});
