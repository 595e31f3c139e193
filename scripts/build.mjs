// Builds every face of Focal Lens with esbuild: the extension host bundle, the CLI, the webview
// bundle (browser iife), and the integration-test entry that VS Code loads. `--watch` rebuilds on
// change; `--production` minifies and drops source maps (what `npm run package` ships);
// `--outdir <dir>` puts the bundles there instead of dist/ (the bench times a production build
// without replacing the development one).
import * as esbuild from 'esbuild';
import { copyFile, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
const outdir = process.argv.includes('--outdir') ? process.argv[process.argv.indexOf('--outdir') + 1] : 'dist';

// Native TensorFlow bindings are loaded at run time only when the user has installed them;
// bundling would fail (no binary here) and would bloat the .vsix.
const nativeTf = ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'];

const { version } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));

const common = {
  bundle: true,
  define: { __FOCAL_LENS_VERSION__: JSON.stringify(version) },
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  absWorkingDir: root,
};

const nodeCommon = {
  ...common,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // jsonc-parser's CommonJS entry loads its parts with a dynamic require that a bundle cannot
  // resolve; its ES module entry imports them statically.
  mainFields: ['module', 'main'],
  // tfjs-core requires node-fetch only where there is no global fetch, which Node 18+ and VS Code's
  // extension host have: bundled, it and its URL and Unicode tables (tr46) were a fifth of the CLI
  // bundle that every run parses.
  external: ['vscode', ...nativeTf, 'node-fetch'],
};

const builds = [
  { ...nodeCommon, entryPoints: { extension: 'src/extension/extension.ts' }, outdir },
  {
    ...nodeCommon,
    entryPoints: { cli: 'src/cli/main.ts', 'parse-worker': 'src/core/readers/parse-worker.ts' },
    outdir,
    banner: { js: '#!/usr/bin/env node' },
  },
  {
    ...common,
    platform: 'browser',
    format: 'iife',
    target: 'chrome120',
    entryPoints: { webview: 'webview/main.ts' },
    outdir,
  },
];

if (!production && outdir === 'dist') {
  // Loaded by VS Code's extension host (code-server or @vscode/test-electron) as extensionTestsPath.
  builds.push({
    ...nodeCommon,
    external: [...nodeCommon.external, 'mocha'],
    entryPoints: { index: 'test/integration/index.ts' },
    outdir: 'out/test',
  });
}

async function copyWasmBinaries() {
  const wasmDir = join(root, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
  await mkdir(resolve(root, outdir), { recursive: true });
  for (const name of await readdir(wasmDir)) {
    if (name.endsWith('.wasm')) await copyFile(join(wasmDir, name), resolve(root, outdir, name));
  }
}

/** A production build has no source maps: maps left by a development build would not match it. */
async function removeStaleMaps() {
  for (const dir of outdir === 'dist' ? ['dist', 'out/test'] : [outdir]) {
    let names = [];
    try {
      names = await readdir(resolve(root, dir));
    } catch {
      continue;
    }
    for (const name of names) if (name.endsWith('.map')) await rm(resolve(root, dir, name));
  }
}

await copyWasmBinaries();
if (production) await removeStaleMaps();
if (watch) {
  for (const b of builds) {
    const ctx = await esbuild.context(b);
    await ctx.watch();
  }
  console.log('focal-lens: watching for changes');
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
