import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAnalyzeCommand, type CliIo } from '../../src/cli/analyze';
import type { AnalysisReport } from '../../src/core/report';
import type { CliEvent } from '../../src/protocol/cli-events';

const root = join(__dirname, '..', '..');
const ex = (name: string) => join(root, 'examples', name);

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = {
    stdout: { write: (s: string) => (out += s), isTTY: false },
    stderr: { write: (s: string) => (err += s), isTTY: false },
    env: {},
  };
  const code = await runAnalyzeCommand(args, io);
  return { code, out, err };
}

describe('focal-lens analyze (CLI)', function () {
  this.timeout(120000);
  let tmp: string;
  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'focal-lens-cli-'));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('--help documents the options and the JSON progress mode', async () => {
    const r = await run(['--help']);
    assert.equal(r.code, 0);
    for (const flag of ['--alpha', '--alpha-vector', '--gamma', '--convention', '--what-if', '--objective', '--fail-on', '--progress', '--format']) {
      assert.ok(r.out.includes(flag), flag);
    }
    assert.match(r.out, /"type":"progress"/);
  });

  it('text report of the alpha 0.96 example: verdict first, drift onto positives, alpha-driven', async () => {
    const r = await run([ex('binary-alpha-0.96.jsonl'), '--backend', 'cpu']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^Verdict: (DRIFTING|COLLAPSED) onto 'positive'/);
    assert.match(r.out, /alpha-driven/);
    assert.match(r.out, /at least 4% of similar samples/);
    assert.match(r.out, /What if/);
    // only alpha 0.94 neither collapses nor drifts, and its neighbours do: no suggestion (issue 8, item 1)
    assert.match(r.out, /Suggestion: No suggestion: only alpha 0\.94 /);
    assert.match(r.out, /Backend: cpu/);
    assert.ok(!r.out.includes('\u001b['), 'no colours when stdout is not a terminal');
  });

  it('--fail-on drift exits 3 on the alpha 0.96 example; --fail-on collapse exits 3 on the alpha 0.25 example', async () => {
    assert.equal((await run([ex('binary-alpha-0.96.jsonl'), '--backend', 'cpu', '--fail-on', 'drift'])).code, 3);
    const low = await run([ex('binary-alpha-0.25.jsonl'), '--backend', 'cpu', '--fail-on', 'collapse', '--format', 'json']);
    assert.equal(low.code, 3);
    const rep = JSON.parse(low.out) as AnalysisReport;
    assert.equal(rep.verdict.status, 'collapsed');
    assert.equal(rep.verdict.class, 'negative');
  });

  it('JSON output is the AnalysisReport contract', async () => {
    const r = await run([ex('binary-alpha-0.96.jsonl'), '--backend', 'cpu', '--format', 'json', '--what-if', '0.5,0.8', '--objective', 'balanced-accuracy']);
    assert.equal(r.code, 0, r.err);
    const rep = JSON.parse(r.out) as AnalysisReport;
    assert.equal(rep.backend, 'cpu');
    assert.equal(rep.loss.kind, 'sigmoid');
    assert.equal(rep.loss.alpha, 0.96);
    assert.equal(rep.loss.gamma, 2);
    assert.equal(rep.loss.convention, 'positive');
    assert.deepEqual(rep.classes, ['negative', 'positive']);
    assert.equal(rep.input.format, 'jsonl');
    assert.equal(rep.input.epochs, rep.epochs.length);
    assert.ok(rep.epochs.length >= 2);
    assert.ok(['healthy', 'drifting', 'collapsed'].includes(rep.verdict.status));
    // rows in alpha order (issue 8, item 7); --what-if 0.5 is the neutral row already
    assert.deepEqual(rep.whatIf.map((w) => [w.alpha, w.label]), [[0.5, 'neutral'], [0.8, 'what-if'], [0.96, 'logged']]);
    assert.equal(rep.suggestion, null);
    assert.equal(rep.suggestionDetail!.status, 'unstable');
    // the logged row reproduces the last epoch's observed shares
    const last = rep.epochs[rep.epochs.length - 1]!;
    const logged = rep.whatIf.find((w) => w.label === 'logged')!;
    for (const c of last.perClass) {
      const w = logged.perClass.find((x) => x.class === c.class)!;
      assert.ok(Math.abs(w.predShare - c.predShare) < 1e-6, c.class);
      assert.ok(Math.abs(w.recall - c.recall) < 1e-6, c.class);
    }
  });

  it('markdown output', async () => {
    const r = await run([ex('softmax-4class-vector.jsonl'), '--backend', 'cpu', '--format', 'markdown']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^# Focal Lens report/);
    assert.match(r.out, /\| class \| count \|/);
    assert.match(r.out, /## Suggestion/);
  });

  it('a CSV without meta needs the loss settings as flags', async () => {
    const r = await run([ex('softmax-4class-vector.csv'), '--backend', 'cpu']);
    assert.equal(r.code, 2);
    assert.match(r.err, /alpha is not in .*softmax-4class-vector\.csv's meta \(nor is gamma\): pass --alpha 0\.25 .*; pass --gamma 2/);
    const ok = await run([ex('softmax-4class-vector.csv'), '--backend', 'cpu', '--alpha-vector', '0.1,0.2,0.3,0.4', '--gamma', '2', '--classes', 'background,car,person,bicycle', '--format', 'json']);
    assert.equal(ok.code, 0, ok.err);
    const rep = JSON.parse(ok.out) as AnalysisReport;
    assert.equal(rep.loss.convention, 'vector');
    assert.deepEqual(rep.classes, ['background', 'car', 'person', 'bicycle']);
  });

  it('--what-if-samples: a per-class sample of the last epoch (said in the notes), or every sample', async () => {
    const base = [ex('softmax-4class-vector.csv'), '--backend', 'cpu', '--alpha-vector', '0.1,0.2,0.3,0.4', '--gamma', '2', '--format', 'json'];
    const sampled = await run([...base, '--what-if-samples', '20']);
    assert.equal(sampled.code, 0, sampled.err);
    const rep = JSON.parse(sampled.out) as AnalysisReport;
    assert.ok((rep.notes ?? []).some((n) => /seeded sample of \d+ of the \d+ samples of epoch \d+: all of each class with at most 20 samples, 20 drawn uniformly from each larger class/.test(n)), (rep.notes ?? []).join('\n'));
    const all = JSON.parse((await run([...base, '--what-if-samples', 'all'])).out) as AnalysisReport;
    const byDefault = JSON.parse((await run(base)).out) as AnalysisReport;
    assert.ok(!(all.notes ?? []).some((n) => /sample of/.test(n)), 'every sample: no sampling note');
    assert.deepEqual(all.whatIf, byDefault.whatIf, 'a small epoch is whole either way');
    for (const bad of ['0', '2.5', 'some']) {
      const r = await run([...base, '--what-if-samples', bad]);
      assert.equal(r.code, 2, bad);
      assert.match(r.err, /--what-if-samples/);
    }
  });

  it('softmax with a scalar alpha and no convention asks for --convention', async () => {
    const r = await run([ex('softmax-4class-vector.csv'), '--backend', 'cpu', '--alpha', '0.25', '--gamma', '2']);
    assert.equal(r.code, 2);
    assert.match(r.err, /--convention class0-alpha/);
    const ok = await run([ex('softmax-4class-vector.csv'), '--backend', 'cpu', '--alpha', '0.25', '--gamma', '2', '--convention', 'class0-alpha', '--format', 'json']);
    assert.equal(ok.code, 0, ok.err);
    const rep = JSON.parse(ok.out) as AnalysisReport;
    assert.deepEqual(rep.loss.alphaVector, [0.25, 0.75, 0.75, 0.75]);
    assert.equal(typeof rep.suggestion!.alpha, 'number');
  });

  it('the JSON error event says what is wrong without flags and carries what a fix needs', async () => {
    const r = await run([ex('softmax-4class-vector.csv'), '--backend', 'cpu', '--alpha', '0.25', '--gamma', '2', '--progress', 'json']);
    assert.equal(r.code, 2);
    const event = r.err.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as CliEvent).find((e) => e.type === 'error');
    assert.ok(event && event.type === 'error', r.err);
    assert.deepEqual([event.kind, event.missing, event.alpha, event.loss, event.columns], ['usage', ['convention'], 0.25, 'softmax', 4]);
    assert.doesNotMatch(event.message, /--/);
    // the person at the terminal reads the flags
    assert.match(r.err, /^focal-lens analyze: alpha 0\.25 is a scalar and the loss is softmax: .*: say what it means with --convention class0-alpha/m);
  });

  it('a forced native backend that is not installed is a usage error naming the backend, not the log', async () => {
    const r = await run([ex('binary-alpha-0.25.jsonl'), '--backend', 'tensorflow', '--native-backend', join(tmp, 'nowhere'), '--progress', 'json']);
    assert.equal(r.code, 2);
    const event = r.err.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as CliEvent).find((e) => e.type === 'error');
    assert.ok(event && event.type === 'error' && event.backend, r.err);
    assert.equal(event.backend.name, 'tensorflow');
    assert.match(event.backend.reason, /neither @tensorflow\/tfjs-node-gpu nor @tensorflow\/tfjs-node is installed \(looked in .*nowhere or beside Focal Lens\)/);
    assert.equal(event.file, undefined);
    assert.match(r.err, /install it where the CLI runs .*--native-backend/);
  });

  it('the verdict thresholds are flags, checked against their range', async () => {
    const strict = await run([ex('binary-alpha-0.96.jsonl'), '--backend', 'cpu', '--drift-ratio', '100', '--severe-ratio', '1000', '--dominant-share', '1', '--format', 'json']);
    assert.equal(strict.code, 0, strict.err);
    const relaxed = await run([ex('binary-alpha-0.96.jsonl'), '--backend', 'cpu', '--format', 'json']);
    // the example drifts at the default 3x; nothing is 100x off
    assert.notEqual((JSON.parse(relaxed.out) as AnalysisReport).verdict.status, 'healthy');
    assert.equal((JSON.parse(strict.out) as AnalysisReport).verdict.status, 'healthy');
    const bad = await run([ex('binary-alpha-0.96.jsonl'), '--drift-window', '1.5']);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--drift-window expects a whole number, got 1\.5/);
  });

  it('bad input exits 2 naming file and line', async () => {
    const f = join(tmp, 'bad.jsonl');
    writeFileSync(f, '{"meta": {"alpha": 0.25, "gamma": 2}}\n{"epoch": 1, "target": 1, "logit": 0.3}\n{"epoch": 1, "target": 1, "logit": "x"\n');
    const r = await run([f, '--backend', 'cpu']);
    assert.equal(r.code, 2);
    assert.match(r.err, /bad\.jsonl:3/);
    const lenient = await run([f, '--backend', 'cpu', '--lenient', '--format', 'json']);
    assert.equal(lenient.code, 0, lenient.err);
    assert.equal((JSON.parse(lenient.out) as AnalysisReport).input.skipped, 1);
  });

  it('usage errors exit 2', async () => {
    assert.equal((await run([])).code, 2);
    assert.equal((await run([ex('binary-alpha-0.96.jsonl'), '--bogus'])).code, 2);
    assert.equal((await run([ex('binary-alpha-0.96.jsonl'), '--format', 'xml'])).code, 2);
    assert.equal((await run([ex('binary-alpha-0.96.jsonl'), '--alpha', 'abc'])).code, 2);
    const missing = await run([join(tmp, 'nope.jsonl'), '--backend', 'cpu']);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /nope\.jsonl/);
  });

  it('--progress json writes progress events as JSON lines on stderr', async () => {
    const r = await run([ex('binary-alpha-0.25.jsonl'), '--backend', 'cpu', '--progress', 'json', '--format', 'json']);
    assert.equal(r.code, 0);
    const events = r.err.trim().split('\n').map((l) => JSON.parse(l) as { type: string; phase: string });
    assert.ok(events.every((e) => e.type === 'progress'));
    const phases = new Set(events.map((e) => e.phase));
    for (const p of ['backend', 'read', 'epoch', 'counterfactual', 'done']) assert.ok(phases.has(p), p);
    assert.equal(events[events.length - 1]!.phase, 'done');
    const bad = await run([join(tmp, 'nope.jsonl'), '--backend', 'cpu', '--progress', 'json']);
    const last = JSON.parse(bad.err.trim().split('\n').pop()!) as { type: string; exitCode: number };
    assert.equal(last.type, 'error');
    assert.equal(last.exitCode, 2);
  });
});
