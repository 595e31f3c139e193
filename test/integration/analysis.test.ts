// The analysis path inside a real VS Code: the extension runs the engine in a child process,
// the report reaches both webviews through the typed protocol, and bad input produces an error
// that names file and line while the extension host keeps working.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { AnalysisReport } from '../../src/core/report';
import type { FocalLensApi } from '../../src/extension/extension';
import { api, workspaceFile } from './helpers';

/** The next `rendered` message of a webview whose content satisfies `accept`. */
async function renderedWhere(focalLens: FocalLensApi, kind: 'panel' | 'sidebar', accept: (r: { charts: number; tableRows: number; view: string }) => boolean) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const rendered = await focalLens.testing.waitForWebviewRendered(kind, Math.max(1, deadline - Date.now()));
    if (accept(rendered)) return rendered;
    assert.ok(Date.now() < deadline, `the ${kind} webview never showed what was expected; last: ${JSON.stringify(rendered)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('Analysis in the extension', function () {
  this.timeout(120_000);

  let report: AnalysisReport | undefined;

  it('analyzes the alpha 0.96 example off the extension host and shows the verdict', async () => {
    const focalLens = await api();
    report = await focalLens.analyze({ logPaths: [workspaceFile('binary-alpha-0.96.jsonl')] });
    assert.ok(report, 'no report');
    assert.equal(report.loss.kind, 'sigmoid');
    assert.equal(report.loss.alpha, 0.96);
    assert.deepEqual(report.classes, ['negative', 'positive']);
    assert.equal(report.input.epochs, 10);
    assert.equal(report.verdict.class, 'positive');
    assert.notEqual(report.verdict.status, 'healthy');
    assert.equal(report.verdict.alphaDriven, true);
    assert.ok(report.backend !== null && ['wasm', 'cpu', 'tensorflow'].includes(report.backend), String(report.backend));
  });

  it('draws the report in the panel: effective-weight charts and per-class tables', async () => {
    const focalLens = await api();
    const rendered = await renderedWhere(focalLens, 'panel', (r) => r.view === 'report' && r.charts >= 2);
    // One row per class in the weights and per-class tables, one per epoch in the shares table.
    assert.ok(rendered.tableRows >= 2 * 2 + 10, JSON.stringify(rendered));
  });

  it('shows the same verdict compactly in the side view', async () => {
    const focalLens = await api();
    await vscode.commands.executeCommand('focalLens.panel.focus');
    const rendered = await renderedWhere(focalLens, 'sidebar', (r) => r.view === 'report');
    assert.ok(rendered.charts >= 1, JSON.stringify(rendered));
  });

  it('names file and line of a bad record, and the extension keeps working', async () => {
    const focalLens = await api();
    const crashed = workspaceFile('logs', 'crashed-run.jsonl');
    await assert.rejects(focalLens.analyze({ logPaths: [crashed] }), (err: Error) => {
      assert.match(err.message, /crashed-run\.jsonl:30: expected "logit" to be a number/);
      return true;
    });
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes('focalLens.analyze'), 'the extension stopped answering');
  });

  it('keeps the partial results when asked to skip bad records', async () => {
    const focalLens = await api();
    const partial = await focalLens.analyze({ logPaths: [workspaceFile('logs', 'crashed-run.jsonl')], lenient: true });
    assert.ok(partial, 'no report in lenient mode');
    assert.equal(partial.input.skipped, 2, JSON.stringify(partial.input.issues));
    assert.equal(partial.input.samples, 79);
    assert.deepEqual(partial.classes, ['background', 'defect']);
  });

  it('says which loss settings a log without meta lacks, in no face\'s words, and analyzes it once they are given', async () => {
    const focalLens = await api();
    const csv = workspaceFile('softmax-4class-vector.csv');
    await assert.rejects(focalLens.analyze({ logPaths: [csv] }), (err: Error & { missing?: string[] }) => {
      assert.deepEqual(err.missing, ['alpha', 'gamma']);
      assert.equal(err.message, "alpha is not in softmax-4class-vector.csv's meta (nor is gamma)");
      return true;
    });
    const report = await focalLens.analyze({ logPaths: [csv], alpha: [0.1, 0.2, 0.3, 0.4], gamma: 2 });
    assert.ok(report);
    assert.equal(report.loss.kind, 'softmax');
    assert.equal(report.loss.convention, 'vector');
    assert.equal(report.classes.length, 4);
  });

  it('analyzes a run folder as its framework wrote it: the verdict from its metric logs, settings from its config', async () => {
    const focalLens = await api();
    const run = await focalLens.analyze({ logPaths: [workspaceFile('runs', 'hf-trainer-alpha-0.15')] });
    assert.ok(run, 'no report');
    assert.equal(run.basis, 'metrics');
    assert.equal(run.verdict.status, 'collapsed');
    assert.equal(run.loss.alpha, 0.15);
    assert.match(run.loss.origin?.alpha ?? '', /config\.json/);
    // names relative to the workspace folder
    assert.ok(run.verdict.evidence?.some((e) => /eval_recall_pos in runs\/hf-trainer-alpha-0\.15\/trainer_state\.json/.test(e)), JSON.stringify(run.verdict.evidence));
    const rendered = await renderedWhere(focalLens, 'panel', (r) => r.view === 'report' && r.tableRows > 0);
    assert.ok(rendered.charts >= 1, JSON.stringify(rendered));
  });

  it('an unrecognised file is refused as unsupported (nothing to skip), naming what it looks like', async () => {
    const focalLens = await api();
    await assert.rejects(focalLens.analyze({ logPaths: [workspaceFile('README.md')] }), (err: Error & { kind?: string }) => {
      assert.equal(err.kind, 'unsupported');
      assert.match(err.message, /^README\.md: not a prediction dump or a training log: text starting "# Example prediction dumps"/);
      return true;
    });
  });
});
