// `npm start` (after `npm run build`): opens VS Code with Focal Lens loaded in development mode on
// examples/. With a desktop `code` on PATH that is `code --extensionDevelopmentPath=<repo>
// <repo>/examples`; otherwise code-server (installed into .vscode-test/ on first use) on
// 127.0.0.1:8080 (or a free port; PORT overrides), staying in the foreground until Ctrl-C.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  cleanupAll,
  ensureCodeServer,
  installCleanupHandlers,
  payloadUrl,
  repoRoot,
  startCodeServer,
} from '../test/harness/code-server.mjs';

const examples = join(repoRoot, 'examples');
mkdirSync(examples, { recursive: true });

/** `code` on PATH (desktop VS Code's CLI), unless FOCAL_LENS_USE_CODE_SERVER=1. */
function desktopCode() {
  if (process.env.FOCAL_LENS_USE_CODE_SERVER === '1') return undefined;
  const found = spawnSync(process.platform === 'win32' ? 'where' : 'which', ['code'], { encoding: 'utf8' });
  const path = found.status === 0 ? found.stdout.split(/\r?\n/)[0].trim() : '';
  return path && existsSync(path) ? path : undefined;
}

const code = desktopCode();
if (code) {
  console.log(`focal-lens: ${code} --extensionDevelopmentPath=${repoRoot} ${examples}`);
  const child = spawn(code, [`--extensionDevelopmentPath=${repoRoot}`, examples], { stdio: 'inherit' });
  child.on('exit', (status) => process.exit(status ?? 0));
} else {
  installCleanupHandlers();
  try {
    await ensureCodeServer();
    const server = await startCodeServer({
      workspace: examples,
      extensionDevelopmentPath: repoRoot,
      port: Number(process.env.PORT ?? 8080),
      settings: { 'workbench.colorTheme': 'Default Dark Modern' },
    });
    const url = payloadUrl(server, { workspace: examples, extensionDevelopmentPath: repoRoot });
    console.log('\nFocal Lens is running in code-server (no desktop `code` on PATH).');
    console.log(`Open this address in a browser (the extension is loaded in development mode):\n\n  ${url}\n`);
    console.log(`(plain ${server.baseUrl}/ opens examples/ without the extension under development)`);
    console.log('Edit, then `npm run build` (or `npm run watch`) and reload the browser tab. Ctrl-C stops.');
    // Stay in the foreground; the cleanup handlers stop code-server on Ctrl-C / SIGTERM.
    setInterval(() => {}, 1 << 30);
    await new Promise(() => {});
  } catch (err) {
    console.error(`focal-lens: ${err?.stack ?? err}`);
    await cleanupAll();
    process.exit(1);
  }
}
