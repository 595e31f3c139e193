// First integration checks, run inside a real VS Code extension host (code-server here,
// @vscode/test-electron on a desktop) with the real `vscode` module: no mocks.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

const EXTENSION_ID = 'focal-lens.focal-lens';

/** The part of the API `activate()` returns that these tests rely on. */
interface Rendered {
  kind: string;
  charts: number;
  tableRows: number;
}
interface FocalLensTestApi {
  analyze?(request: { logPaths: string[] }): Promise<unknown>;
  testing: { waitForWebviewRendered(kind: 'panel' | 'sidebar', timeoutMs?: number): Promise<Rendered> };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function activatedApi(): Promise<FocalLensTestApi> {
  const ext = vscode.extensions.getExtension<FocalLensTestApi>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not installed`);
  return ext.isActive ? ext.exports : ext.activate();
}

/** Polls the last `rendered` message of a webview until `accept` likes it. */
async function waitForRender(
  api: FocalLensTestApi,
  kind: 'panel' | 'sidebar',
  accept: (r: Rendered) => boolean = () => true,
  timeoutMs = 30_000,
): Promise<Rendered> {
  const deadline = Date.now() + timeoutMs;
  let last: Rendered | undefined;
  while (Date.now() < deadline) {
    last = await api.testing.waitForWebviewRendered(kind, Math.max(1, deadline - Date.now()));
    if (accept(last)) return last;
    await sleep(200);
  }
  throw new Error(`the ${kind} webview never rendered as expected; last: ${JSON.stringify(last)}`);
}

function webviewTabs(): vscode.Tab[] {
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputWebview);
}

describe('Focal Lens extension', () => {
  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('is installed and activates, returning its testing API', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is not installed`);
    const api = await activatedApi();
    assert.equal(ext.isActive, true);
    assert.equal(typeof api?.testing?.waitForWebviewRendered, 'function');
  });

  it('registers the focalLens.analyze command', async () => {
    await activatedApi();
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes('focalLens.analyze'), 'focalLens.analyze is not registered');
  });

  it('focalLens.analyze opens the report panel, whose webview reports it rendered', async () => {
    const api = await activatedApi();
    // The command shows the report panel, then asks which log to analyze (a quick pick that
    // waits for the user): don't await it; dismiss the picker once the panel has rendered.
    const command = vscode.commands.executeCommand('focalLens.analyze');
    try {
      const rendered = await waitForRender(api, 'panel');
      assert.equal(rendered.kind, 'panel');
      assert.equal(typeof rendered.charts, 'number');
      assert.equal(typeof rendered.tableRows, 'number');
      const tabs = webviewTabs();
      assert.ok(tabs.length >= 1, 'no webview editor tab is open');
      assert.ok(
        tabs.some((t) => t.label.startsWith('Focal Lens')),
        `no "Focal Lens" webview tab; tabs: ${tabs.map((t) => t.label).join(', ')}`,
      );
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
      await Promise.race([command, sleep(5_000)]);
    }
  });

  it('resolves the Focal Lens side view (focalLens.panel), which reports it rendered', async () => {
    const api = await activatedApi();
    await vscode.commands.executeCommand('workbench.view.extension.focalLens');
    await vscode.commands.executeCommand('focalLens.panel.focus');
    const rendered = await waitForRender(api, 'sidebar');
    assert.equal(rendered.kind, 'sidebar');
  });

  it('analyzes a prediction dump and renders charts and a table in the report panel', async function () {
    const api = await activatedApi();
    assert.equal(typeof api.analyze, 'function', 'the API has no analyze()');
    // A known-good example of the repository (next to the extension); workspace logs may be
    // deliberately broken fixtures.
    const examples = vscode.Uri.joinPath(vscode.extensions.getExtension(EXTENSION_ID)!.extensionUri, 'examples');
    const entries = await vscode.workspace.fs.readDirectory(examples).then(
      (e) => e,
      () => [] as [string, vscode.FileType][],
    );
    const names = entries.map(([n]) => n).filter((n) => /\.(jsonl|csv)$/.test(n)).sort();
    const name = names.find((n) => n === 'binary-alpha-0.25.jsonl') ?? names[0];
    if (!name) this.skip();
    const dump = vscode.Uri.joinPath(examples, name).fsPath;
    const report = await api.analyze!({ logPaths: [dump] });
    assert.ok(report, `no report for ${dump}`);
    const rendered = await waitForRender(api, 'panel', (r) => r.charts > 0 && r.tableRows > 0, 60_000);
    assert.ok(rendered.charts > 0 && rendered.tableRows > 0, JSON.stringify(rendered));
  });
});
