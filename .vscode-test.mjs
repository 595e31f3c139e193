// @vscode/test-cli configuration (`npx vscode-test`, and the "Extension Test Runner" extension
// in desktop VS Code). It downloads VS Code from Microsoft (not reachable on the CI machines:
// there the same suites run in code-server, `npm run test:integration`).
//
// test-cli brings its own Mocha runner and loads `files` as test files; our bundle
// out/test/index.js notices that (test/integration/mocha-setup.ts: hostedByOtherMocha) and
// registers its suites with test-cli's Mocha. `npm run test:electron` instead calls
// test/harness/run-electron.mjs, which uses @vscode/test-electron with our own run() entry.
// Run `npm run build` first (out/test/index.js is the esbuild bundle of test/integration).
import { defineConfig } from '@vscode/test-cli';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));

/**
 * A temporary copy of the test workspace, as in the code-server runner: examples/ with
 * test/fixtures/workspace/ copied over it, so tests may write files.
 */
function workspaceCopy() {
  const scratch = mkdtempSync(join(tmpdir(), 'focal-lens-electron-ws-'));
  process.once('exit', () => rmSync(scratch, { recursive: true, force: true }));
  const target = join(scratch, 'workspace');
  for (const source of [join(root, 'examples'), join(root, 'test', 'fixtures', 'workspace')]) {
    if (existsSync(source)) cpSync(source, target, { recursive: true });
  }
  return target;
}

export default defineConfig({
  label: 'integration',
  files: 'out/test/index.js',
  extensionDevelopmentPath: root,
  workspaceFolder: workspaceCopy(),
  version: 'stable',
  launchArgs: ['--disable-workspace-trust', '--disable-extensions', '--skip-welcome', '--skip-release-notes'],
  mocha: { ui: 'bdd', timeout: 60_000 },
});
