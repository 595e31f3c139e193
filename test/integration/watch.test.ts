// Watching a run in a real VS Code: the extension follows a dump that grows as a training loop
// writes it (`focal-lens watch` in a child process), the report panel shows each new epoch, and the
// drift that starts at epoch 3 of the fixture (a real torch run, test/fixtures/watch/collapse-onset)
// is announced exactly once, though the run then collapses at epoch 8.
import * as assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { WatchAnswer } from '../../src/extension/watch';
import { api, poll, workspaceFile } from './helpers';

const EXTENSION_ID = 'focal-lens.focal-lens';

/** The fixture's meta line and its records by epoch (lines with their newline). */
function fixtureEpochs(): { meta: string; epochs: Map<number, string>; truth: { firstDrifting: number; firstCollapsed: number } } {
  // the extension is loaded from the repository in development mode: its fixtures are beside it
  const dir = path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'test', 'fixtures', 'watch', 'collapse-onset');
  const [meta, ...records] = readFileSync(path.join(dir, 'val_preds.jsonl'), 'utf8').split('\n').filter((l) => l !== '');
  const epochs = new Map<number, string>();
  for (const r of records) {
    const e = (JSON.parse(r) as { epoch: number }).epoch;
    epochs.set(e, (epochs.get(e) ?? '') + r + '\n');
  }
  return { meta: meta! + '\n', epochs, truth: JSON.parse(readFileSync(path.join(dir, 'truth.json'), 'utf8')) as { firstDrifting: number; firstCollapsed: number } };
}

/** Until `ok()` holds (polled). */
const until = (what: string, ok: () => boolean, timeoutMs = 30_000) => poll(ok, Boolean, what, timeoutMs);

describe('Watching a run in the extension', function () {
  this.timeout(240_000);

  it('follows a growing dump: the report shows each new epoch, one warning when the drift starts, and the watch stops when the file is deleted', async () => {
    const focalLens = await api();
    const watched = focalLens.testing.watched;
    const { meta, epochs, truth } = fixtureEpochs();
    const dir = workspaceFile('live-run');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'val_preds.jsonl');
    // the run so far: the healthy epochs before the drift
    writeFileSync(file, meta + [...epochs.entries()].filter(([e]) => e < truth.firstDrifting).map(([, lines]) => lines).join(''));
    const warningsBefore = watched.warnings.length;
    const epochsBefore = watched.epochs.length;
    const shown = () => watched.epochs.slice(epochsBefore);
    const reportShown = () => {
      const state = focalLens.testing.analysisState();
      return state.phase === 'done' ? state.report : undefined;
    };

    const answer = await vscode.commands.executeCommand<WatchAnswer>('focalLens.watchRun', vscode.Uri.file(file));
    assert.equal(answer.watching, true, answer.message);
    assert.deepEqual(focalLens.testing.watching(), [file]);
    await until(`epoch ${truth.firstDrifting - 1} is shown`, () => shown().includes(truth.firstDrifting - 1));
    assert.equal(reportShown()?.input.epochs, truth.firstDrifting - 1);
    assert.equal(watched.warnings.length, warningsBefore, 'a warning while the run was healthy');
    assert.match(focalLens.testing.statusBar()?.text ?? '', new RegExp(`^\\$\\(eye\\) Focal Lens: healthy · epoch ${truth.firstDrifting - 1}$`));

    // the training loop writes an epoch at a time; the watch shows each as it completes
    const last = Math.max(...epochs.keys());
    for (let e = truth.firstDrifting; e <= last; e++) {
      const drawn = focalLens.testing.waitForWebviewRendered('panel', 60_000, true);
      appendFileSync(file, epochs.get(e)!);
      await until(`epoch ${e} is shown`, () => shown().includes(e));
      const report = reportShown();
      assert.equal(report?.input.epochs, e, 'the report shown is not the epoch watched');
      // the panel drew the new report
      assert.equal((await drawn).view, 'report');
      if (e === truth.firstDrifting) assert.equal(report?.verdict.status, 'drifting');
      if (e === truth.firstCollapsed) assert.equal(report?.verdict.status, 'collapsed');
      assert.match(focalLens.testing.statusBar()?.text ?? '', new RegExp(`^\\$\\(eye\\) Focal Lens: ${report?.verdict.status} onto 'positive' · epoch ${e}$`));
    }
    assert.deepEqual(shown(), Array.from({ length: last }, (_, i) => i + 1), 'each epoch shown once, in order');
    const warnings = watched.warnings.slice(warningsBefore);
    assert.equal(warnings.length, 1, `expected exactly one warning, got ${JSON.stringify(warnings)}`);
    assert.match(warnings[0]!, new RegExp(`drifting onto 'positive' since epoch ${truth.firstDrifting}`));

    // the run's file deleted: the watch ends by itself
    rmSync(file);
    await until('the watch stops', () => focalLens.testing.watching() === undefined);
    assert.doesNotMatch(focalLens.testing.statusBar()?.text ?? '', /\$\(eye\)/, 'the status bar still says watching');
  });

  it('analyzing another run stops the watch, so its next epoch cannot replace the report asked for', async () => {
    const focalLens = await api();
    const { meta, epochs } = fixtureEpochs();
    const dir = workspaceFile('live-run-2');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'val_preds.jsonl');
    writeFileSync(file, meta + epochs.get(1)!);
    const answer = await vscode.commands.executeCommand<WatchAnswer>('focalLens.watchRun', vscode.Uri.file(file));
    assert.equal(answer.watching, true, answer.message);
    const other = workspaceFile('binary-alpha-0.25.jsonl');
    const report = await focalLens.analyze({ logPaths: [other] });
    assert.ok(report, 'no report of the other run');
    assert.equal(focalLens.testing.watching(), undefined, 'the watch of the first run goes on');
    // an epoch written now is not shown: the views keep the run the user asked for
    appendFileSync(file, epochs.get(2)!);
    await new Promise((r) => setTimeout(r, 4_000));
    const state = focalLens.testing.analysisState();
    assert.ok(state.phase === 'done' && state.logPaths?.[0] === other, JSON.stringify({ ...state, report: undefined }));
    rmSync(dir, { recursive: true, force: true });
  });
});
