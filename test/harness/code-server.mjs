// Real VS Code for tests on machines without a desktop or Microsoft's download service:
// code-server 4.100.3 (VS Code 1.100.3, runs on Node 20) installed from the npm registry into the
// git-ignored cache `.vscode-test/code-server/`, driven by Debian's headless Chromium through
// playwright-core. What it takes and why: docs/testing.md.
//
// Every process started here (code-server and its children, Chromium) is registered for cleanup:
// call `installCleanupHandlers()` once in a runner and nothing is left behind on success, failure,
// an exception, Ctrl-C (SIGINT), SIGTERM or SIGHUP.
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of the repository (the extension under test). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const CODE_SERVER_VERSION = '4.100.3';
const RIPGREP_CACHE_VERSION = '1.15.11';
const RIPGREP_ASSET = 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz';

/** Where code-server is installed (override with FOCAL_LENS_CODE_SERVER_DIR). */
export const codeServerDir = resolve(
  process.env.FOCAL_LENS_CODE_SERVER_DIR ?? join(repoRoot, '.vscode-test', 'code-server'),
);
const markerFile = join(codeServerDir, `.installed-${CODE_SERVER_VERSION}`);

const CHROMIUM = process.env.FOCAL_LENS_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-dev-shm-usage',
];

/** Settings every test instance gets (before the caller's `settings`). */
export const DEFAULT_TEST_SETTINGS = {
  'security.workspace.trust.enabled': false,
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.enableExperiments': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'git.enabled': false,
  'git.autoRepositoryDetection': false,
  'window.restoreWindows': 'none',
  'files.hotExit': 'off',
  'chat.commandCenter.enabled': false,
  'chat.disableAIFeatures': true,
  'editor.inlayHints.enabled': 'on',
};

const log = (msg) => console.log(`[code-server] ${msg}`);

// ---------------------------------------------------------------------------------------------
// Cleanup registry
// ---------------------------------------------------------------------------------------------

/** @type {Set<() => Promise<void>>} */
const cleanups = new Set();
let handlersInstalled = false;
/** @type {number | undefined} */
let signalCode;

/**
 * 128 + signal number once SIGINT/SIGTERM/SIGHUP arrived (runners exit with it), else undefined.
 * @returns {number | undefined}
 */
export function interruptedExitCode() {
  return signalCode;
}

/**
 * Registers an async cleanup; returns a function that unregisters it.
 * @param {() => Promise<void>} fn
 */
export function onCleanup(fn) {
  cleanups.add(fn);
  return () => cleanups.delete(fn);
}

/** @type {Promise<void> | undefined} */
let cleanupRun;

/**
 * Runs every registered cleanup, newest first; never throws. Concurrent callers (a signal
 * handler and a runner's `finally`) share the same run and all wait for it to finish.
 */
export function cleanupAll() {
  cleanupRun ??= (async () => {
    while (cleanups.size) {
      const fn = [...cleanups].pop();
      cleanups.delete(fn);
      try {
        await Promise.race([fn(), new Promise((r) => setTimeout(r, 10_000).unref())]);
      } catch (err) {
        console.error(`[cleanup] ${err?.message ?? err}`);
      }
    }
    killDescendantsSync(process.pid);
  })().finally(() => {
    cleanupRun = undefined;
  });
  return cleanupRun;
}

/**
 * Pids of every live descendant of `rootPid` (from `ps`), children before grandchildren.
 * @param {number} rootPid
 * @returns {number[]}
 */
export function descendantPids(rootPid) {
  let out = '';
  try {
    out = execFileSync('ps', ['-eo', 'pid=,ppid='], { encoding: 'utf8' });
  } catch {
    return [];
  }
  /** @type {Map<number, number[]>} */
  const children = new Map();
  for (const line of out.split('\n')) {
    const [pid, ppid] = line.trim().split(/\s+/).map(Number);
    if (!pid) continue;
    if (!children.has(ppid)) children.set(ppid, []);
    children.get(ppid).push(pid);
  }
  const result = [];
  const queue = [rootPid];
  while (queue.length) {
    const p = queue.shift();
    for (const c of children.get(p) ?? []) {
      if (c === process.pid) continue;
      result.push(c);
      queue.push(c);
    }
  }
  return result.filter((p) => p !== rootPid);
}

/** SIGKILLs every descendant of `rootPid` (last resort, synchronous: usable in 'exit'). */
function killDescendantsSync(rootPid) {
  for (const pid of descendantPids(rootPid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

/**
 * Makes the runner clean up on every exit path: signals run the async cleanups then exit with
 * 128+signal; a plain `process.exit` or crash SIGKILLs whatever is still a descendant.
 */
export function installCleanupHandlers() {
  if (handlersInstalled) return;
  handlersInstalled = true;
  const signals = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };
  for (const [sig, code] of Object.entries(signals)) {
    process.on(sig, () => {
      signalCode = code;
      console.error(`\n[harness] ${sig}: stopping code-server and the browser...`);
      // A second signal while cleaning up forces the exit.
      process.on(sig, () => {
        killDescendantsSync(process.pid);
        process.exit(code);
      });
      cleanupAll().finally(() => process.exit(code));
    });
  }
  process.on('exit', () => killDescendantsSync(process.pid));
  process.on('uncaughtException', (err) => {
    console.error(err);
    cleanupAll().finally(() => process.exit(1));
  });
  process.on('unhandledRejection', (err) => {
    console.error(err);
    cleanupAll().finally(() => process.exit(1));
  });
}

// ---------------------------------------------------------------------------------------------
// Install
// ---------------------------------------------------------------------------------------------

/** Path of code-server's main script inside the cache. */
function codeServerEntry() {
  const pkgDir = join(codeServerDir, 'node_modules', 'code-server');
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  const bin = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin['code-server'];
  return join(pkgDir, bin);
}

/** Fills @vscode/ripgrep's download cache with Debian's rg so its postinstall needs no GitHub. */
function prefillRipgrepCache() {
  const cacheDir = join(tmpdir(), `vscode-ripgrep-cache-${RIPGREP_CACHE_VERSION}`);
  const tarball = join(cacheDir, RIPGREP_ASSET);
  if (existsSync(tarball)) return;
  const rg = ['/usr/bin/rg', '/usr/local/bin/rg'].find((p) => existsSync(p));
  if (!rg) throw new Error('ripgrep not found: install the Debian package `ripgrep` (apt-get install -y ripgrep)');
  mkdirSync(cacheDir, { recursive: true });
  const staging = mkdtempSync(join(tmpdir(), 'focal-lens-rg-'));
  try {
    copyFileSync(rg, join(staging, 'rg'));
    execFileSync('chmod', ['755', join(staging, 'rg')]);
    execFileSync('tar', ['-czf', `${tarball}.part`, '-C', staging, 'rg']);
    execFileSync('mv', [`${tarball}.part`, tarball]);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  log(`ripgrep cache filled from ${rg}`);
}

/** Quick sanity checks that the native modules code-server needs were really built. */
function verifyInstall() {
  const vscodeDir = join(codeServerDir, 'node_modules', 'code-server', 'lib', 'vscode');
  const required = [
    'node_modules/node-pty/build/Release/pty.node',
    'node_modules/@vscode/spdlog/build/Release/spdlog.node',
    'node_modules/@vscode/ripgrep/bin/rg',
  ];
  const missing = required.filter((rel) => !existsSync(join(vscodeDir, rel)));
  const kerberos = ['node_modules/kerberos/build/Release/kerberos.node'];
  const missingOptional = kerberos.filter((rel) => !existsSync(join(vscodeDir, rel)));
  if (missingOptional.length) log(`warning: not built: ${missingOptional.join(', ')}`);
  if (missing.length) throw new Error(`code-server install incomplete, missing in ${vscodeDir}: ${missing.join(', ')}`);
  // A throw-away XDG_CONFIG_HOME: code-server would otherwise write ~/.config/code-server/config.yaml.
  const xdg = mkdtempSync(join(tmpdir(), 'focal-lens-cs-version-'));
  try {
    const version = spawnSync(process.execPath, [codeServerEntry(), '--version'], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, XDG_CONFIG_HOME: xdg, XDG_DATA_HOME: xdg },
    });
    const line = version.stdout.split('\n').find((l) => l.startsWith(CODE_SERVER_VERSION));
    if (version.status !== 0 || !line) throw new Error(`code-server --version failed: ${version.stdout}${version.stderr}`);
    return line.trim();
  } finally {
    rmSync(xdg, { recursive: true, force: true });
  }
}

/**
 * Installs code-server into `.vscode-test/code-server/` unless a finished install is there.
 * A half-finished install (no marker file) is wiped and redone.
 * @returns {Promise<string>} absolute path of code-server's entry script (run it with `node`)
 */
export async function ensureCodeServer() {
  if (existsSync(markerFile)) {
    try {
      return codeServerEntry();
    } catch {
      log('cache marker present but install unreadable, reinstalling');
    }
  }
  const started = Date.now();
  log(`installing code-server ${CODE_SERVER_VERSION} into ${codeServerDir} (a few minutes, once)`);
  if (process.versions.node.split('.')[0] !== '20') {
    log(`warning: code-server ${CODE_SERVER_VERSION} expects Node 20, this is Node ${process.versions.node}`);
  }
  rmSync(codeServerDir, { recursive: true, force: true });
  mkdirSync(codeServerDir, { recursive: true });
  // A private project so npm treats the folder as the install root (not the repo above it).
  // allowScripts (npm 11's install-script policy): code-server's postinstall installs VS Code's
  // own dependencies and builds their native modules (node-pty, kerberos, spdlog, ...); argon2
  // builds its password hasher. Name-only entries: there is no lockfile to pin against.
  writeFileSync(
    join(codeServerDir, 'package.json'),
    `${JSON.stringify(
      {
        name: 'focal-lens-code-server-cache',
        private: true,
        description: 'Test cache: code-server for the Focal Lens integration and e2e tests (git-ignored).',
        dependencies: { 'code-server': CODE_SERVER_VERSION },
        allowScripts: { 'code-server': true, argon2: true },
      },
      null,
      2,
    )}\n`,
  );
  prefillRipgrepCache();

  const env = {
    ...process.env,
    npm_config_yes: 'true',
    npm_config_unsafe_perm: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    npm_config_loglevel: process.env.npm_config_loglevel ?? 'warn',
  };
  // When launched through `npm run`, npm exports its own settings (npm_config_prefix,
  // npm_package_*, ...); they must not leak into this separate install.
  for (const key of Object.keys(env)) {
    if (/^npm_(package|lifecycle)_/.test(key) || key === 'npm_config_prefix' || key === 'INIT_CWD') delete env[key];
  }
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const args = ['install', '--prefix', codeServerDir, '--no-package-lock', '--no-audit', '--no-fund'];
  log(`npm ${args.join(' ')}`);
  await new Promise((resolvePromise, reject) => {
    const child = spawn(npm, args, { cwd: codeServerDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let tail = '';
    const logFile = createWriteStream(join(codeServerDir, 'install.log'));
    const keep = (chunk) => {
      tail = (tail + chunk.toString()).slice(-20_000);
      logFile.write(chunk);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const ticker = setInterval(() => log(`still installing... ${Math.round((Date.now() - started) / 1000)} s`), 30_000);
    const unregister = onCleanup(async () => {
      try {
        process.kill(child.pid, 'SIGTERM');
      } catch {
        /* gone */
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearInterval(ticker);
      unregister();
      logFile.end();
      if (code === 0) resolvePromise(undefined);
      else reject(new Error(`npm install of code-server failed (${signal ?? `exit ${code}`}), full log in ${join(codeServerDir, 'install.log')}:\n${tail}`));
    });
  });
  const version = verifyInstall();
  writeFileSync(markerFile, `${new Date().toISOString()}\n`);
  log(`installed code-server ${version} in ${Math.round((Date.now() - started) / 1000)} s`);
  return codeServerEntry();
}

// ---------------------------------------------------------------------------------------------
// Start
// ---------------------------------------------------------------------------------------------

/** A free TCP port on 127.0.0.1 (or `preferred` when it is free). */
export async function freePort(preferred = 0) {
  const tryPort = (port) =>
    new Promise((resolvePromise, reject) => {
      const srv = createServer();
      srv.once('error', reject);
      srv.listen(port, '127.0.0.1', () => {
        const { port: p } = /** @type {import('node:net').AddressInfo} */ (srv.address());
        srv.close(() => resolvePromise(p));
      });
    });
  if (preferred) {
    try {
      return await tryPort(preferred);
    } catch {
      /* taken: fall back to any */
    }
  }
  return tryPort(0);
}

/** Kills a process group and every descendant, SIGTERM then SIGKILL after `graceMs`. */
async function killTree(pid, graceMs = 3_000) {
  const all = () => [pid, ...descendantPids(pid)];
  const send = (sig) => {
    try {
      process.kill(-pid, sig);
    } catch {
      /* no such group */
    }
    for (const p of all()) {
      try {
        process.kill(p, sig);
      } catch {
        /* gone */
      }
    }
  };
  const alive = () =>
    all().some((p) => {
      try {
        process.kill(p, 0);
        return true;
      } catch {
        return false;
      }
    });
  const tree = all();
  send('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && alive()) await new Promise((r) => setTimeout(r, 100));
  send('SIGKILL');
  for (const p of tree) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

/**
 * Starts code-server on a free port of 127.0.0.1 with a throw-away user-data and extensions dir.
 * @param {object} options
 * @param {string} options.workspace folder code-server opens by default
 * @param {string} [options.extensionDevelopmentPath] only recorded in the result (pass it in the URL: {@link payloadUrl})
 * @param {Record<string, unknown>} [options.settings] extra user settings
 * @param {number} [options.port] preferred port (falls back to a free one)
 * @param {boolean} [options.verbose] stream code-server's own log (env FOCAL_LENS_CODE_SERVER_LOG=1 too)
 * @param {string[]} [options.installExtensions] .vsix files to install before starting
 * @returns {Promise<{ port: number, baseUrl: string, workspace: string, extensionDevelopmentPath?: string, userDataDir: string, stop: () => Promise<void>, output: () => string }>}
 */
export async function startCodeServer({ workspace, extensionDevelopmentPath, settings = {}, port: preferred = 0, verbose, installExtensions = [] } = {}) {
  if (!workspace) throw new Error('startCodeServer: workspace is required');
  const entry = await ensureCodeServer();
  const port = await freePort(preferred);
  const root = mkdtempSync(join(tmpdir(), 'focal-lens-cs-'));
  const userDataDir = join(root, 'user-data');
  const extensionsDir = join(root, 'extensions');
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  writeFileSync(
    join(userDataDir, 'User', 'settings.json'),
    `${JSON.stringify({ ...DEFAULT_TEST_SETTINGS, ...settings }, null, 2)}\n`,
  );
  // Packaged extensions (.vsix) go into this server's own extensions folder, as a user installs them.
  for (const vsix of installExtensions) {
    execFileSync(process.execPath, [entry, '--install-extension', vsix, '--extensions-dir', extensionsDir, '--user-data-dir', userDataDir], {
      stdio: 'pipe',
      env: { ...process.env, XDG_CONFIG_HOME: join(root, 'xdg-config') },
    });
  }
  const args = [
    entry,
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir,
    '--config', join(root, 'config.yaml'),
    workspace,
  ];
  // Its own TMPDIR: the extension host's IPC sockets then vanish with the throw-away folder.
  mkdirSync(join(root, 'tmp'));
  const env = {
    ...process.env,
    TMPDIR: join(root, 'tmp'),
    XDG_CONFIG_HOME: join(root, 'xdg-config'),
    XDG_DATA_HOME: join(root, 'xdg-data'),
  };
  for (const key of Object.keys(env)) {
    if (key.startsWith('VSCODE_') || key === 'ELECTRON_RUN_AS_NODE' || key.startsWith('npm_')) delete env[key];
  }
  const showLog = verbose ?? process.env.FOCAL_LENS_CODE_SERVER_LOG === '1';
  const child = spawn(process.execPath, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk) => {
    const text = chunk.toString();
    output = (output + text).slice(-200_000);
    if (showLog) process.stderr.write(text.replace(/^/gm, '  [cs] '));
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  let exited = false;
  child.on('exit', () => {
    exited = true;
  });

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    unregister();
    await killTree(child.pid);
    rmSync(root, { recursive: true, force: true, maxRetries: 3 });
  };
  const unregister = onCleanup(stop);

  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + Number(process.env.FOCAL_LENS_CODE_SERVER_START_TIMEOUT ?? 60_000);
  for (;;) {
    if (exited) {
      await stop();
      throw new Error(`code-server exited during start-up:\n${output}`);
    }
    try {
      const res = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`code-server did not answer on ${baseUrl} within the start timeout:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { port, baseUrl, workspace, extensionDevelopmentPath, userDataDir, stop, output: () => output };
}

/**
 * The URL that opens `workspace` with the extension loaded in development mode and, when
 * `extensionTestsPath` is given, runs that test module's `run()` in the extension host.
 * @param {{ baseUrl: string, port: number }} server
 * @param {{ workspace: string, extensionDevelopmentPath?: string, extensionTestsPath?: string }} options
 */
export function payloadUrl(server, { workspace, extensionDevelopmentPath = repoRoot, extensionTestsPath }) {
  const remote = (p) => `vscode-remote://127.0.0.1:${server.port}${resolve(p)}`;
  const payload = [['extensionDevelopmentPath', remote(extensionDevelopmentPath)]];
  if (extensionTestsPath) payload.push(['extensionTestsPath', remote(extensionTestsPath)]);
  const params = new URLSearchParams({ folder: resolve(workspace), payload: JSON.stringify(payload) });
  return `${server.baseUrl}/?${params.toString()}`;
}

// ---------------------------------------------------------------------------------------------
// Browser
// ---------------------------------------------------------------------------------------------

/**
 * Headless Debian Chromium through playwright-core, closed by the cleanup handlers.
 * @param {{ headless?: boolean }} [options] headless unless FOCAL_LENS_HEADED=1
 * @returns {Promise<import('playwright-core').Browser>}
 */
export async function launchBrowser({ headless = process.env.FOCAL_LENS_HEADED !== '1' } = {}) {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: install the Debian package \`chromium\` (apt-get install -y chromium)`);
  }
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless,
    args: CHROMIUM_ARGS,
    // The harness owns signal handling (installCleanupHandlers) so it can stop code-server too.
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
  const unregister = onCleanup(async () => {
    await browser.close().catch(() => {});
  });
  browser.on('disconnected', () => unregister());
  return browser;
}

/**
 * The workspace a test run opens, as a fresh temporary copy so tests may write files freely:
 * by default `examples/` (the prediction dumps to analyze; created when missing) with
 * `test/fixtures/workspace/` (configs, broken logs, ...) copied over it. `sources` (absolute or
 * repo-relative folders) are copied in order, later ones over earlier ones; missing ones are skipped.
 * @param {{ sources?: string[] }} [options]
 * @returns {{ path: string, source: string, dispose: () => void }}
 */
export function prepareWorkspace({ sources } = {}) {
  mkdirSync(join(repoRoot, 'examples'), { recursive: true });
  const chosen = (sources ?? ['examples', 'test/fixtures/workspace'])
    .map((s) => resolve(repoRoot, s))
    .filter((s) => existsSync(s));
  const parent = mkdtempSync(join(tmpdir(), 'focal-lens-ws-'));
  const path = join(parent, 'workspace');
  mkdirSync(path);
  for (const source of chosen) execFileSync('cp', ['-R', `${source}/.`, path]);
  const dispose = () => rmSync(parent, { recursive: true, force: true, maxRetries: 3 });
  onCleanup(async () => dispose());
  return { path, source: chosen.map((s) => s.slice(repoRoot.length + 1) || s).join(' + ') || '(empty)', dispose };
}

// `node test/harness/code-server.mjs` installs (or checks) the cache.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  installCleanupHandlers();
  const t = Date.now();
  const entry = await ensureCodeServer();
  log(`ready: ${entry} (${((Date.now() - t) / 1000).toFixed(1)} s)`);
}
