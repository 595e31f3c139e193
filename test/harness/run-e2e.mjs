// `npm run test:e2e`: UI tests. Starts code-server (the extension in development mode, on a
// temporary copy of examples/ with test/fixtures/workspace/ copied over it) and headless Chromium once, then runs the Mocha suites
// test/e2e/*.e2e.mjs, which drive the workbench through test/e2e/helpers.mjs. Screenshots go to
// test-results/ (a failing test also gets one: test-results/FAILED-<title>.png).
//
// Environment:
//   FOCAL_LENS_E2E_TIMEOUT    overall limit in ms (default 600000)
//   FOCAL_LENS_GREP           only run tests whose title matches
//   FOCAL_LENS_HEADED=1       show the browser (needs a display)
//   FOCAL_LENS_VERBOSE=1      print the page's console
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import Mocha from 'mocha';
import {
  cleanupAll,
  interruptedExitCode,
  ensureCodeServer,
  installCleanupHandlers,
  launchBrowser,
  prepareWorkspace,
  repoRoot,
  startCodeServer,
} from './code-server.mjs';
import { livePages, screenshot, setSession } from '../e2e/helpers.mjs';

const overallTimeout = Number(process.env.FOCAL_LENS_E2E_TIMEOUT ?? 600_000);

async function main() {
  installCleanupHandlers();
  const started = Date.now();
  await ensureCodeServer();
  // examples/ (prediction dumps to analyze) with test/fixtures/workspace/ (configs, ...) over it.
  const workspace = prepareWorkspace();
  console.log(`[e2e] workspace: copy of ${workspace.source}`);
  const server = await startCodeServer({ workspace: workspace.path, extensionDevelopmentPath: repoRoot });
  const browser = await launchBrowser();
  console.log(`[e2e] code-server ${server.baseUrl} and Chromium up after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  setSession({ server, browser, workspace: workspace.path });

  const mocha = new Mocha({
    ui: 'bdd',
    timeout: 120_000,
    reporter: 'spec',
    color: !process.env.CI && process.stdout.isTTY,
    ...(process.env.FOCAL_LENS_GREP ? { grep: process.env.FOCAL_LENS_GREP } : {}),
    rootHooks: {
      async afterEach() {
        if (this.currentTest?.state !== 'failed') return;
        for (const [i, page] of livePages().entries()) {
          const path = await screenshot(page, `FAILED-${this.currentTest.fullTitle()}${i ? `-${i}` : ''}`).catch(() => null);
          if (path) console.log(`      screenshot: ${path}`);
        }
      },
    },
  });
  const e2eDir = join(repoRoot, 'test', 'e2e');
  for (const name of readdirSync(e2eDir).filter((n) => n.endsWith('.e2e.mjs')).sort()) mocha.addFile(join(e2eDir, name));
  await mocha.loadFilesAsync();

  const stats = await new Promise((resolve) => {
    const runner = mocha.run(() => resolve(runner.stats));
  });
  const passed = stats?.passes ?? 0;
  const failed = stats?.failures ?? 0;
  console.log(`[e2e] finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(`e2e: ${passed} passed, ${failed} failed`);
  return failed === 0 && passed > 0 ? 0 : 1;
}

let code = 1;
const watchdog = setTimeout(() => {
  console.error(`[e2e] no result within ${overallTimeout / 1000} s (FOCAL_LENS_E2E_TIMEOUT)`);
  console.log('e2e: 0 passed, 1 failed');
  cleanupAll().finally(() => process.exit(1));
}, overallTimeout);
try {
  code = await main();
} catch (err) {
  console.error(`[e2e] ${err?.stack ?? err}`);
  console.log('e2e: 0 passed, 1 failed');
  code = 1;
} finally {
  clearTimeout(watchdog);
  await cleanupAll();
}
process.exit(interruptedExitCode() ?? code);
