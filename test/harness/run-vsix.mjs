// `npm run test:vsix`: the packaged extension, as a user gets it. Builds the .vsix
// (`npm run package`), installs it into a fresh code-server with `--install-extension` (no
// development path, no node_modules next to it), and checks through the UI that "Analyze Focal
// Loss" analyzes an example: the .vsix must carry everything the extension needs at run time
// (bundles, the tfjs .wasm files, the parse worker, media).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import {
  cleanupAll,
  ensureCodeServer,
  installCleanupHandlers,
  launchBrowser,
  prepareWorkspace,
  repoRoot,
  startCodeServer,
} from './code-server.mjs';
import { canvasInk, quickInput, quickPickItems, runCommand, screenshot, VIEWPORT, waitUntil, webviewFrame } from '../e2e/helpers.mjs';

async function main() {
  installCleanupHandlers();
  execFileSync('npm', ['run', '--silent', 'package'], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });
  const vsix = join(repoRoot, 'focal-lens.vsix');
  await ensureCodeServer();
  const workspace = prepareWorkspace({ sources: ['examples'] });
  const server = await startCodeServer({ workspace: workspace.path, installExtensions: [vsix] });
  const browser = await launchBrowser();
  const page = await browser.newPage({ viewport: VIEWPORT });
  await page.goto(`${server.baseUrl}/?${new URLSearchParams({ folder: workspace.path })}`);
  await page.locator('.monaco-workbench').waitFor({ timeout: 90_000 });

  await runCommand(page, 'Analyze Focal Loss');
  const items = await quickPickItems(page);
  const index = items.findIndex((label) => label.startsWith('binary-alpha-0.96.jsonl'));
  assert.ok(index >= 0, `binary-alpha-0.96.jsonl is not offered: ${items.join(' | ')}`);
  await quickInput(page).locator('.quick-input-list .monaco-list-row').nth(index).click();
  const frame = await webviewFrame(page, 'Focal Lens');
  const verdict = await waitUntil(
    async () => {
      const failure = frame.locator('.callout.error');
      if (await failure.count()) throw new Error(`the installed extension failed: ${await failure.first().innerText()}`);
      return (await frame.locator('.report .verdict-title').count()) ? frame.locator('.report .verdict-title').first().innerText() : undefined;
    },
    { timeout: 90_000, message: 'the report of the installed extension' },
  );
  assert.match(verdict, /Drifting|Collapsed/);
  const backend = await frame.locator('.verdict .muted').first().innerText();
  assert.match(backend, /computed on the (wasm|tensorflow|cpu) backend/);
  await waitUntil(async () => ((await canvasInk(frame)).some((c) => c.drawn > 500) ? true : undefined), { message: 'a drawn chart' });
  await screenshot(page, 'vsix-report');
  console.log(`vsix: installed extension reported "${verdict.replace(/\s+/g, ' ')}" (${backend.split('·').pop()?.trim()})`);
}

let failed = 0;
try {
  await main();
} catch (err) {
  failed = 1;
  console.error(err);
} finally {
  await cleanupAll();
}
console.log(`vsix: ${1 - failed} passed, ${failed} failed`);
process.exit(failed);
