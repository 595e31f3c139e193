/**
 * tfjs backend selection for the compute engine.
 *
 * Order for `auto`: TensorFlow native (`@tensorflow/tfjs-node-gpu`, then `@tensorflow/tfjs-node`,
 * required at run time only if the user installed one: they are never bundled; looked up in the
 * folders the caller names first, e.g. where the extension installed one, then beside the bundle), then WebAssembly
 * (ships with the extension: the .wasm binaries sit next to the bundle in dist/), then plain JS.
 *
 * All backends compute in float32; the accumulator reduces in blocks and sums the block results in
 * float64 on the JS side (see epoch-accumulator.ts).
 */

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

import type { BackendName } from '../report';
import { UsageError } from '../errors';
import { NATIVE_PACKAGES } from './native-packages';

export type BackendPreference = 'auto' | BackendName;

export interface SelectedBackend {
  name: BackendName;
  /** Human-readable: package and flags, e.g. "WebAssembly (SIMD, 1 thread) from /ext/dist". */
  detail: string;
}

const WASM_FILE = 'tfjs-backend-wasm.wasm';

/** Where else to look for a native package: folders holding its `node_modules` (an npm prefix), or that `node_modules` itself. */
export interface BackendOptions {
  nativePaths?: readonly string[];
}

let wasmPathsSet: string | null = null;
let nativeLoaded: string | null = null;
let prodModeSet = false;

/** A require that esbuild cannot analyse (the module name is a runtime value) so natives stay external. */
function runtimeRequire(): NodeJS.Require {
  // __filename exists in the CJS bundle and under tsx; fall back to the working directory.
  const base = typeof __filename === 'string' ? __filename : join(process.cwd(), 'index.js');
  return createRequire(base);
}

/**
 * Where the wasm binaries are: next to this file (the esbuild bundle copies them into dist/), then
 * the installed @tensorflow/tfjs-backend-wasm package (unit tests run unbundled under tsx).
 * Returns a directory path ending with a separator, as setWasmPaths wants a prefix.
 */
export function findWasmDirectory(): string | null {
  const candidates: string[] = [];
  if (typeof __dirname === 'string') candidates.push(__dirname, join(__dirname, '..'));
  try {
    const main = runtimeRequire().resolve('@tensorflow/tfjs-backend-wasm');
    candidates.push(dirname(main));
  } catch {
    // not resolvable from here (bundled extension without node_modules): rely on dist/
  }
  candidates.push(join(process.cwd(), 'node_modules/@tensorflow/tfjs-backend-wasm/dist'));
  for (const dir of candidates) {
    if (existsSync(join(dir, WASM_FILE))) return dir.endsWith('/') || dir.endsWith('\\') ? dir : dir + '/';
  }
  return null;
}

function setFlags(): void {
  if (!prodModeSet) {
    // Skips debug-mode checks; numerics unchanged (float32 on every backend used here).
    tf.enableProdMode();
    prodModeSet = true;
  }
}

/** Requires resolving from each folder (its node_modules and their parents), then from the bundle. */
function nativeRequires(paths: readonly string[]): { from: string | null; req: NodeJS.Require }[] {
  return [...paths.map((dir) => ({ from: dir, req: createRequire(join(dir, 'node_modules', 'focal-lens-native.js')) })), { from: null, req: runtimeRequire() }];
}

async function tryNative(paths: readonly string[]): Promise<{ ok: true; detail: string } | { ok: false; why: string }> {
  const failures: string[] = [];
  if (!nativeLoaded) {
    search: for (const { from, req } of nativeRequires(paths)) {
      for (const pkg of NATIVE_PACKAGES) {
        try {
          req(pkg);
          nativeLoaded = from === null ? pkg : `${pkg} from ${from}`;
          break search;
        } catch (err) {
          const msg = err instanceof Error ? (err.message.split('\n')[0] ?? '') : String(err);
          // absent is the usual case; a package that is there and does not load says why
          const absent = (err as { code?: unknown }).code === 'MODULE_NOT_FOUND' && msg.includes(`'${pkg}'`);
          if (!absent) failures.push(`${pkg}${from === null ? '' : ` in ${from}`}: ${msg}`);
        }
      }
    }
  }
  if (!nativeLoaded) {
    const places = paths.length ? `${paths.join(', ')} or beside Focal Lens` : 'beside Focal Lens';
    return { ok: false, why: failures.length ? failures.join('; ') : `neither ${NATIVE_PACKAGES.join(' nor ')} is installed (looked in ${places})` };
  }
  // tfjs-core keeps its engine and kernel registry on the global object, so a tfjs-node installed
  // separately registers into the same engine as our bundled tfjs-core.
  if (!tf.findBackendFactory('tensorflow')) {
    return { ok: false, why: `${nativeLoaded} loaded but registered no "tensorflow" backend (tfjs-core version mismatch?)` };
  }
  const ok = await tf.setBackend('tensorflow');
  if (!ok) return { ok: false, why: `${nativeLoaded} loaded but the "tensorflow" backend failed to initialise` };
  return { ok: true, detail: `TensorFlow native via ${nativeLoaded}` };
}

async function tryWasm(): Promise<{ ok: true; detail: string } | { ok: false; why: string }> {
  if (!wasmPathsSet) {
    const dir = findWasmDirectory();
    if (!dir) return { ok: false, why: `${WASM_FILE} not found next to the bundle nor in node_modules` };
    setWasmPaths(dir);
    wasmPathsSet = dir;
  }
  let ok = false;
  try {
    ok = await tf.setBackend('wasm');
  } catch (err) {
    return { ok: false, why: err instanceof Error ? err.message : String(err) };
  }
  if (!ok) return { ok: false, why: `the wasm backend failed to initialise from ${wasmPathsSet}` };
  const env = tf.env();
  const simd = env.getBool('WASM_HAS_SIMD_SUPPORT');
  const threads = env.getBool('WASM_HAS_MULTITHREAD_SUPPORT');
  return {
    ok: true,
    detail: `WebAssembly (${simd ? 'SIMD' : 'no SIMD'}, ${threads ? 'multi-threaded' : '1 thread'}) from ${wasmPathsSet}`,
  };
}

async function useCpu(): Promise<SelectedBackend> {
  const ok = await tf.setBackend('cpu');
  if (!ok) throw new Error('Focal Lens: the plain JavaScript tfjs backend failed to initialise');
  return { name: 'cpu', detail: 'plain JavaScript (@tensorflow/tfjs-backend-cpu)' };
}

/**
 * Select and activate a tfjs backend. `auto`: tensorflow, then wasm, then cpu. A forced backend that
 * cannot load throws a UsageError naming the backend and why (each face says how to install it or
 * what to choose instead). Safe to call repeatedly (switching between initialised backends is cheap).
 */
export async function selectBackend(preference: BackendPreference = 'auto', options: BackendOptions = {}): Promise<SelectedBackend> {
  setFlags();
  if (preference === 'cpu') return useCpu();
  if (preference === 'tensorflow' || preference === 'auto') {
    const native = await tryNative(options.nativePaths ?? []);
    if (native.ok) return { name: 'tensorflow', detail: native.detail };
    if (preference === 'tensorflow') {
      throw new UsageError(`the TensorFlow native backend is not available (${native.why})`, { backend: { name: 'tensorflow', reason: native.why } });
    }
  }
  const wasm = await tryWasm();
  if (wasm.ok) return { name: 'wasm', detail: wasm.detail };
  if (preference === 'wasm') {
    throw new UsageError(
      `the WebAssembly backend could not load (${wasm.why}): its .wasm files belong next to the bundle (the build copies them into dist/) or in node_modules/@tensorflow/tfjs-backend-wasm/dist`,
      { backend: { name: 'wasm', reason: wasm.why } },
    );
  }
  const cpu = await useCpu();
  return { ...cpu, detail: `${cpu.detail}; wasm unavailable: ${wasm.why}` };
}

/** The backend tfjs currently runs on, as a BackendName (throws if it is none of ours). */
export function currentBackend(): BackendName {
  const name = tf.getBackend();
  if (name === 'tensorflow' || name === 'wasm' || name === 'cpu') return name;
  throw new Error(`Focal Lens: unexpected tfjs backend "${name}"`);
}
