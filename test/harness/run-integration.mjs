// `npm run test:integration`: runs test/integration (built into out/test/index.js) inside a real
// VS Code extension host: code-server + headless Chromium, the extension loaded in development
// mode on a temporary copy of examples/ with test/fixtures/workspace/ copied over it. The extension host's console output is
// streamed here through `codeAutomationLog`; VS Code reports the result through
// `codeAutomationExit`, which becomes this process's exit code.
//
// Environment:
//   FOCAL_LENS_TEST_TIMEOUT   overall limit in ms (default 300000); no result by then = failure
//   FOCAL_LENS_GREP           only run tests whose title matches (Mocha grep)
//   FOCAL_LENS_VERBOSE=1      also show the workbench's own log lines and page errors
//   FOCAL_LENS_CODE_SERVER_LOG=1  show code-server's process output
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  cleanupAll,
  interruptedExitCode,
  ensureCodeServer,
  installCleanupHandlers,
  launchBrowser,
  payloadUrl,
  prepareWorkspace,
  repoRoot,
  startCodeServer,
} from './code-server.mjs';

const timeoutMs = Number(process.env.FOCAL_LENS_TEST_TIMEOUT ?? 300_000);
const verbose = process.env.FOCAL_LENS_VERBOSE === '1';
const testsEntry = join(repoRoot, 'out', 'test', 'index.js');

// The workbench's own logger goes through codeAutomationLog too; these lines are noise unless
// something is wrong (then use FOCAL_LENS_VERBOSE=1).
const NOISE = [
  /^\[driver\]/,
  /open-vsx\.org|extension gallery|marketplace|gallery service|ERR_NAME_NOT_RESOLVED|ERR_INTERNET_DISCONNECTED/i,
];
/** What test/integration/index.ts prints first (console-reporter.ts). */
const START_MARKER = /^integration: running \d+ tests?/;

async function main() {
  installCleanupHandlers();
  const started = Date.now();
  if (!existsSync(testsEntry)) {
    throw new Error(`${testsEntry} is missing: run \`npm run build\` first (npm run test:integration does)`);
  }
  await ensureCodeServer();
  const workspace = prepareWorkspace();
  console.log(`[integration] workspace: copy of ${workspace.source}`);
  const server = await startCodeServer({ workspace: workspace.path, extensionDevelopmentPath: repoRoot });
  console.log(`[integration] code-server ${server.baseUrl} up after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const browser = await launchBrowser();
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });

  /** @type {(code: number) => void} */
  let reportExit = () => {};
  const exitCode = new Promise((resolve) => {
    reportExit = resolve;
  });
  // Before the test entry announces itself, the stream is the workbench starting up: hidden
  // unless FOCAL_LENS_VERBOSE=1 (or it is an error and no test started: then it may explain why).
  let testsStarted = false;
  const early = [];
  await page.exposeFunction('codeAutomationLog', (type, args) => {
    const text = Array.isArray(args) ? args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ') : String(args);
    if (!testsStarted && START_MARKER.test(text)) {
      testsStarted = true;
      console.log(`[integration] extension host tests started ${((Date.now() - started) / 1000).toFixed(1)} s after launch`);
    }
    if (!verbose && !testsStarted) {
      if (type === 'error' && !NOISE.some((re) => re.test(text))) early.push(text);
      return;
    }
    if (!verbose && NOISE.some((re) => re.test(text))) return;
    (type === 'error' ? console.error : console.log)(text);
  });
  await page.exposeFunction('codeAutomationExit', (code) => reportExit(Number(code)));
  page.on('pageerror', (err) => {
    if (verbose) console.error(`[page error] ${err.message}`);
  });
  if (verbose) page.on('console', (msg) => console.log(`[page ${msg.type()}] ${msg.text()}`));

  const url = payloadUrl(server, {
    workspace: workspace.path,
    extensionDevelopmentPath: repoRoot,
    extensionTestsPath: testsEntry,
  });
  if (verbose) console.log(`[integration] ${url}`);
  await page.goto(url);

  let timer;
  const timedOut = new Promise((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const result = await Promise.race([exitCode, timedOut]);
  clearTimeout(timer);
  let code;
  if (result === 'timeout') {
    console.error(`[integration] no result within ${timeoutMs / 1000} s (FOCAL_LENS_TEST_TIMEOUT)`);
    await page.screenshot({ path: join(repoRoot, 'test-results', 'integration-timeout.png') }).catch(() => {});
    console.error('[integration] screenshot: test-results/integration-timeout.png');
    code = 1;
  } else {
    code = /** @type {number} */ (result);
  }
  if (code !== 0 && !testsStarted) {
    console.error('[integration] the test entry never started (out/test/index.js failed to load?)');
    if (early.length) console.error(`[integration] workbench errors:\n${early.join('\n')}`);
  }
  console.log(`[integration] finished in ${((Date.now() - started) / 1000).toFixed(1)} s, exit code ${code}`);
  return code;
}


let code = 1;
try {
  code = await main();
} catch (err) {
  console.error(`[integration] ${err?.stack ?? err}`);
  code = 1;
} finally {
  await cleanupAll();
}
process.exit(interruptedExitCode() ?? code);
