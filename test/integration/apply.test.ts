// "Apply to config…" in a real VS Code: the alpha of a report is written where a config sets alpha,
// in that file's convention, after the diff against the proposed copy; and the HTML export of a run
// whose class names are markup.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { FocalLensApi } from '../../src/extension/extension';
import { HOSTILE_CLASSES, writeHostileDump } from '../e2e/fixtures';

async function api(): Promise<FocalLensApi> {
  const ext = vscode.extensions.getExtension<FocalLensApi>('focal-lens.focal-lens');
  assert.ok(ext, 'Focal Lens is not installed');
  return ext.isActive ? ext.exports : ext.activate();
}

function workspaceUri(...parts: string[]): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'no workspace folder is open');
  return vscode.Uri.joinPath(folder.uri, ...parts);
}

const proposedDiffs = () =>
  vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputTextDiff && t.input.modified.scheme === 'focal-lens-proposed');

describe('Apply an alpha to a config', function () {
  this.timeout(120_000);

  after(async () => {
    // the workspace is a temporary copy: saving the edited configs leaves no dirty editor behind
    await vscode.workspace.saveAll(false);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('writes the alpha converted to a Focal-Loss-Pytorch config (the scalar weighs class 0), after the diff', async () => {
    const focalLens = await api();
    await focalLens.analyze({ logPaths: [workspaceUri('binary-alpha-0.96.jsonl').fsPath] });
    const config = workspaceUri('configs', 'apply_focal_loss_pytorch.py');
    const doc = await vscode.workspace.openTextDocument(config);
    const line = doc.getText().split('\n').findIndex((l) => l.includes('criterion = focal_loss('));
    const before = doc.getText();

    // alpha 0.3 of the report's torchvision "positive" convention weighs the positives 0.3, i.e. class 0 0.7
    assert.equal(await vscode.commands.executeCommand('focalLens.applyAlpha', 0.3, config), true);
    const diff = proposedDiffs();
    assert.equal(diff.length, 1, 'the diff against the proposed copy is shown first');
    assert.equal(doc.getText(), before, 'nothing is written before Apply');

    assert.equal(await vscode.commands.executeCommand('focalLens.applyProposedAlpha'), true);
    assert.equal(doc.lineAt(line).text, 'criterion = focal_loss(alpha=0.7, gamma=2, num_classes=NUM_CLASSES)');
    assert.equal(doc.getText().split('\n').filter((l, i) => l !== before.split('\n')[i]).length, 1, 'only that line changed');
    assert.equal(proposedDiffs().length, 0, 'the diff closes');
  });

  it('finds the config linked to the analyzed log (CodeLens "Analyze with a training log…") and writes there', async () => {
    await api();
    const config = workspaceUri('configs', 'linked_train.py');
    const log = workspaceUri('binary-alpha-0.96.jsonl').fsPath;
    await vscode.commands.executeCommand('focalLens.analyzeWithLog', config, 0, [log]);
    const doc = await vscode.workspace.openTextDocument(config);
    const line = doc.getText().split('\n').findIndex((l) => l.includes('sigmoid_focal_loss('));
    assert.equal(await vscode.commands.executeCommand('focalLens.applyAlpha', 0.5), true);
    assert.equal(proposedDiffs().length, 1);
    assert.equal(await vscode.commands.executeCommand('focalLens.applyProposedAlpha'), true);
    assert.equal(doc.lineAt(line).text, '    return sigmoid_focal_loss(logits, targets.float(), alpha=0.5, gamma=2.0, reduction="sum")');
    await vscode.commands.executeCommand('focalLens.unlinkLog', config);
  });

  it('does not write when the file changed after the proposal', async () => {
    const config = workspaceUri('configs', 'apply_focal_loss_pytorch.py');
    const doc = await vscode.workspace.openTextDocument(config);
    assert.equal(await vscode.commands.executeCommand('focalLens.applyAlpha', 0.4, config), true);
    const edit = new vscode.WorkspaceEdit();
    edit.insert(config, new vscode.Position(0, 0), '# edited meanwhile\n');
    await vscode.workspace.applyEdit(edit);
    const text = doc.getText();
    assert.equal(await vscode.commands.executeCommand('focalLens.applyProposedAlpha'), false);
    assert.equal(doc.getText(), text);
  });

  it('exports a self-contained HTML file in which class names that are markup stay text', async () => {
    const focalLens = await api();
    const dump = writeHostileDump(workspaceUri().fsPath);
    const report = await focalLens.analyze({ logPaths: [dump] });
    assert.deepEqual(report?.classes, HOSTILE_CLASSES);
    const target = vscode.Uri.file(path.join(path.dirname(dump), 'hostile-report.html'));
    await vscode.commands.executeCommand('focalLens.exportReport', 'html', 2, target);
    const html = new TextDecoder().decode(await vscode.workspace.fs.readFile(target));
    assert.doesNotMatch(html, /<script|<img/i);
    assert.ok(html.includes('&lt;script&gt;window.__pwned=2&lt;/script&gt;'));
    assert.match(html, /Per class at epoch 2/);
  });
});
