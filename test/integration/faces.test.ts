// Issue 10 inside a real VS Code: questions in words (answered through VS Code's own quick-input
// commands), the last good report kept when a run is escaped, cancelled or fails, a status bar that
// never contradicts the report on screen, settings that re-run what depends on them, and the native
// backend's install failing here (npm reaches the registry, not Google's storage) with WebAssembly
// computing on.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { AnalysisReport } from '../../src/core/report';
import type { FocalLensApi } from '../../src/extension/extension';
import type { PromptSnapshot } from '../../src/extension/prompts';
import { api, poll, sleep, workspaceFile } from './helpers';

const FLAG = /(^|\s)--[a-z]/;

/** The panel's next render whose status line satisfies `accept` (the latest render counts too). */
async function panelNotice(focalLens: FocalLensApi, accept: (notice: string) => boolean, what: string): Promise<string> {
  const deadline = Date.now() + 30_000;
  let last = await focalLens.testing.waitForWebviewRendered('panel', 30_000);
  while (!accept(last.notice ?? '')) {
    assert.ok(Date.now() < deadline, `the panel never showed ${what}; last notice: ${last.notice}`);
    last = await focalLens.testing.waitForWebviewRendered('panel', Math.max(1, deadline - Date.now()), true).catch(() => last);
  }
  return last.notice ?? '';
}

/** The question on screen once it is the one `accept` wants (the previous one may still be closing). */
function question(focalLens: FocalLensApi, accept: (q: PromptSnapshot) => boolean, what: string): Promise<PromptSnapshot> {
  return poll(() => focalLens.testing.prompts.current(), (q) => q !== undefined && accept(q), what, 60_000) as Promise<PromptSnapshot>;
}

const analyzeCommand = (file: string) => vscode.commands.executeCommand<AnalysisReport | undefined>('focalLens.analyze', vscode.Uri.file(file));
const accept = () => vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
const escape = () => vscode.commands.executeCommand('workbench.action.closeQuickOpen');

describe('Speaking to people (issue 10)', function () {
  this.timeout(180_000);
  const good = () => workspaceFile('binary-alpha-0.96.jsonl');
  const noMeta = () => workspaceFile('softmax-4class-vector.csv');
  let goodStatus = '';

  after(async () => {
    const config = vscode.workspace.getConfiguration('focalLens');
    for (const key of ['threshold', 'computeBackend']) await config.update(key, undefined, vscode.ConfigurationTarget.Global);
  });

  it('a log without alpha is asked for it in words; escaping restores the last good report', async () => {
    const focalLens = await api();
    await focalLens.analyze({ logPaths: [good()] });
    goodStatus = (await poll(() => focalLens.testing.statusBar(), (s) => s !== undefined, 'the verdict in the status bar', 60_000))!.text;
    assert.match(goodStatus, /Focal Lens: drifting onto 'positive' · (WebAssembly|TensorFlow native|plain JavaScript)$/);

    const pending = analyzeCommand(noMeta());
    const q = await question(focalLens, (s) => s.kind === 'input', 'the alpha question');
    assert.equal(q.title, 'Focal Lens: which alpha did this run train with?');
    for (const text of [q.title, q.prompt, q.placeholder]) assert.doesNotMatch(text, FLAG, text);
    // behind the question the views say what they wait for, over the last good report
    const waiting = focalLens.testing.analysisState();
    assert.equal(waiting.phase, 'running');
    assert.equal(waiting.phase === 'running' && waiting.previous?.loss.alpha, 0.96);
    assert.doesNotMatch(await panelNotice(focalLens, (n) => /Waiting for the run's alpha/.test(n), 'the wait for alpha'), FLAG);

    await escape();
    assert.equal(await pending, undefined);
    const restored = focalLens.testing.analysisState();
    assert.equal(restored.phase, 'done');
    assert.ok(restored.phase === 'done' && restored.source === 'binary-alpha-0.96.jsonl' && !restored.cancelled, JSON.stringify({ ...restored, report: undefined }));
    const notice = await panelNotice(focalLens, (n) => n.startsWith('Report of binary-alpha-0.96.jsonl'), 'the restored report');
    assert.doesNotMatch(notice, /Could not|not in .*meta/);
    assert.equal(focalLens.testing.statusBar()?.text, goodStatus);
  });

  it('alpha, gamma and what alpha means are asked in words, the workspace configs\' choice first; the next run asks nothing', async () => {
    const focalLens = await api();
    const pending = analyzeCommand(noMeta());
    await question(focalLens, (q) => /alpha/.test(q.title), 'the alpha question');
    focalLens.testing.prompts.fill('0.25');
    await accept();
    await question(focalLens, (q) => /gamma/.test(q.title), 'the gamma question');
    focalLens.testing.prompts.fill('2');
    await accept();
    const pick = await question(focalLens, (q) => q.kind === 'pick', 'what alpha means');
    assert.equal(pick.title, 'Focal Lens: what does alpha 0.25 mean in this run?');
    const labels = pick.items.map((i) => i.label);
    for (const label of ['Focal-Loss-Pytorch style: class 0 gets alpha', 'torchvision style: positives get alpha']) assert.ok(labels.includes(label), labels.join(' | '));
    // the workspace's configs (configs/focal_loss_pytorch_train.py, configs/apply_focal_loss_pytorch.py) call
    // Focal-Loss-Pytorch's focal_loss: that choice comes first, selected, naming the config it was found in
    assert.deepEqual(pick.active, ['Focal-Loss-Pytorch style: class 0 gets alpha']);
    assert.match(pick.items[0]!.description ?? '', /^what configs\/\w+\.py:\d+ \(Focal-Loss-Pytorch/);
    for (const text of [pick.title, pick.prompt, ...pick.items.flatMap((i) => [i.label, i.detail ?? ''])]) assert.doesNotMatch(text, FLAG, text);
    await accept();
    const report = await pending;
    assert.ok(report, 'no report');
    assert.deepEqual([report.loss.alpha, report.loss.gamma, report.loss.convention], [0.25, 2, 'class0-alpha']);
    // where each came from, in this face's words: not the CLI flag the answers reached it as
    assert.deepEqual([report.loss.origin?.alpha, report.loss.origin?.gamma, report.loss.origin?.convention], ['your answer in VS Code', 'your answer in VS Code', 'your answer in VS Code']);

    // remembered for this log: no question (one would leave the command waiting)
    const again = await Promise.race([analyzeCommand(noMeta()), sleep(90_000).then(() => 'asked again' as const)]);
    if (again === 'asked again') assert.fail(`a question was shown: ${JSON.stringify(focalLens.testing.prompts.current())}`);
    assert.deepEqual([again?.loss.alpha, again?.loss.convention], [0.25, 'class0-alpha']);
    assert.equal(again?.loss.origin?.alpha, 'your answer in VS Code');
  });

  it('an unrecognised file says so, offers nothing to skip, and the status bar shows no verdict', async () => {
    const focalLens = await api();
    await focalLens.analyze({ logPaths: [good()] });
    assert.equal(await analyzeCommand(workspaceFile('README.md')), undefined);
    const failed = focalLens.testing.analysisState();
    assert.equal(failed.phase, 'failed');
    assert.match(failed.phase === 'failed' ? failed.message : '', /^README\.md:1: not a prediction dump or a training log/);
    const notification = await poll(() => focalLens.testing.lastFailure(), (f) => /README\.md/.test(f?.message ?? ''), 'the failure notification', 60_000);
    assert.match(notification!.message, /^Focal Lens cannot read the log: README\.md:1: not a prediction dump/);
    assert.deepEqual(notification!.actions, []);
    assert.equal(focalLens.testing.statusBar(), undefined);
    const notice = await panelNotice(focalLens, (n) => /Could not analyze README\.md/.test(n), 'the failure');
    assert.match(notice, /Below: the previous report, of binary-alpha-0\.96\.jsonl/);
  });

  it('a cancelled run says "cancelled" and keeps the previous report, marked', async () => {
    const focalLens = await api();
    await focalLens.analyze({ logPaths: [good()] });
    const pending = focalLens.analyze({ logPaths: [workspaceFile('binary-alpha-0.25.jsonl')] });
    await poll(() => focalLens.testing.analysisState().phase, (p) => p === 'running', 'the run to start', 10_000);
    focalLens.testing.cancelAnalysis();
    assert.equal(await pending, undefined);
    const state = focalLens.testing.analysisState();
    assert.ok(state.phase === 'done' && state.cancelled && state.source === 'binary-alpha-0.96.jsonl', JSON.stringify({ ...state, report: undefined }));
    assert.match(await panelNotice(focalLens, (n) => /cancelled/.test(n), 'the cancelled notice'), /^Analysis cancelled\. This is the previous report:\s*Report of binary-alpha-0\.96\.jsonl/);
    assert.equal(focalLens.testing.statusBar()?.text, goodStatus);
  });

  it('changing a setting the report depends on re-runs it', async () => {
    const focalLens = await api();
    const config = vscode.workspace.getConfiguration('focalLens');
    await config.update('threshold', 0.4, vscode.ConfigurationTarget.Global);
    const rerun = await poll(() => focalLens.testing.analysisState(), (s) => s.phase === 'done' && s.report.loss.threshold === 0.4, 'the re-run at threshold 0.4', 60_000);
    assert.equal(rerun.phase === 'done' && rerun.source, 'binary-alpha-0.96.jsonl');
    await config.update('threshold', undefined, vscode.ConfigurationTarget.Global);
    await poll(() => focalLens.testing.analysisState(), (s) => s.phase === 'done' && s.report.loss.threshold === 0.5, 'the re-run at the default threshold', 60_000);
  });

  it('a forced native backend that is not installed says so, with Install and WebAssembly buttons', async () => {
    const focalLens = await api();
    await vscode.workspace.getConfiguration('focalLens').update('computeBackend', 'tensorflow', vscode.ConfigurationTarget.Global);
    // the setting re-runs the report on screen, which now fails on the backend
    const notification = await poll(() => focalLens.testing.lastFailure(), (f) => /TensorFlow native/.test(f?.message ?? ''), 'the backend notification', 60_000);
    assert.match(notification!.message, /^Focal Lens: the TensorFlow native backend is not installed where Focal Lens runs \(/);
    assert.doesNotMatch(notification!.message, /cannot read the log|--/);
    assert.deepEqual(notification!.actions, ['Install Native Backend', 'Use WebAssembly']);
    assert.equal(focalLens.testing.statusBar(), undefined);
    await vscode.workspace.getConfiguration('focalLens').update('computeBackend', undefined, vscode.ConfigurationTarget.Global);
  });

  it('Install Native Backend: npm fails here (libtensorflow comes from Google), the user reads why, WebAssembly computes on', async function () {
    this.timeout(360_000);
    const focalLens = await api();
    const outcome = await vscode.commands.executeCommand<{ installed: boolean; loads: boolean; reason?: string }>('focalLens.installNativeBackend', '@tensorflow/tfjs-node', 300_000);
    assert.ok(outcome, 'the command returned nothing');
    assert.equal(outcome.loads, false);
    assert.match(outcome.reason ?? '', /storage\.googleapis\.com|libtensorflow|cannot be reached|not on the PATH|did not finish/, outcome.reason);
    assert.match(focalLens.testing.nativeBackendLog(), /\$ npm(\.cmd)? install --prefix .*native-backend .*@tensorflow\/tfjs-node@4\.22\.0/);
    const report = await focalLens.analyze({ logPaths: [workspaceFile('binary-alpha-0.25.jsonl')] });
    assert.equal(report?.backend, 'wasm');
    assert.match((await poll(() => focalLens.testing.statusBar(), (s) => s !== undefined, 'the status bar', 60_000))!.text, / · WebAssembly$/);
  });
});
