// `npm run test:electron`: the integration suites (out/test/index.js, our own run() entry) in a
// desktop VS Code downloaded by @vscode/test-electron. Needs Microsoft's update service, so it
// runs on developer machines, not on the CI machines (those use run-integration.mjs).
//
// Environment: FOCAL_LENS_VSCODE_VERSION (default 'stable'), FOCAL_LENS_VSCODE_PATH (use an
// installed VS Code executable instead of downloading), FOCAL_LENS_GREP.
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTests } from '@vscode/test-electron';
import { repoRoot } from './code-server.mjs';

const extensionTestsPath = join(repoRoot, 'out', 'test', 'index.js');
if (!existsSync(extensionTestsPath)) {
  console.error(`${extensionTestsPath} is missing: run \`npm run build\` first`);
  process.exit(1);
}
// As in the code-server runner: examples/ with test/fixtures/workspace/ copied over it.
const scratch = mkdtempSync(join(tmpdir(), 'focal-lens-electron-'));
const workspace = join(scratch, 'workspace');
for (const source of [join(repoRoot, 'examples'), join(repoRoot, 'test', 'fixtures', 'workspace')]) {
  if (existsSync(source)) cpSync(source, workspace, { recursive: true });
}

let code = 1;
try {
  code = await runTests({
    version: process.env.FOCAL_LENS_VSCODE_VERSION ?? 'stable',
    ...(process.env.FOCAL_LENS_VSCODE_PATH ? { vscodeExecutablePath: process.env.FOCAL_LENS_VSCODE_PATH } : {}),
    extensionDevelopmentPath: repoRoot,
    extensionTestsPath,
    launchArgs: [
      workspace,
      '--disable-workspace-trust',
      '--disable-extensions',
      '--skip-welcome',
      '--skip-release-notes',
      '--user-data-dir', join(scratch, 'user-data'),
    ],
    extensionTestsEnv: { FOCAL_LENS_GREP: process.env.FOCAL_LENS_GREP },
  });
} catch (err) {
  console.error(`[electron] ${err?.message ?? err}`);
  code = typeof err?.code === 'number' && err.code !== 0 ? err.code : 1;
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
process.exit(code);
