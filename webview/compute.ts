/**
 * tfjs in the webview for the live what-if: brings a backend up once (backend-choice.ts: WebGPU,
 * WebGL, wasm from the extension's dist/, cpu) and runs the counterfactual kernel of
 * src/core/compute/what-if-kernel.ts on one epoch's samples.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import type { WebviewBackendPreference } from '../src/protocol/messages';
import { backendOrder, chooseBackend, type BackendChoice, type WebviewBackend } from './backend-choice';

let ready: Promise<BackendChoice> | null = null;

/** The webview's URL of dist/, where the tfjs .wasm binaries are (webview-html.ts puts it on the body). */
function wasmBase(): string {
  const base = document.body.dataset.wasmBase ?? '';
  return base.endsWith('/') ? base : `${base}/`;
}

/** A software rasteriser behind WebGL (no GPU): slower than WebAssembly for this work. */
const SOFTWARE_GL = /SwiftShader|llvmpipe|softpipe|Software|Basic Render/i;

interface GpuAdapterInfo {
  isFallbackAdapter?: boolean;
}

async function tryBackend(backend: WebviewBackend): Promise<true | string> {
  if (backend === 'webgpu') {
    const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<GpuAdapterInfo | null> } }).gpu;
    if (!gpu) return 'this browser has no WebGPU';
    const adapter = await gpu.requestAdapter();
    if (!adapter) return 'no WebGPU adapter (no GPU)';
    if (adapter.isFallbackAdapter) return 'only a software WebGPU adapter';
  }
  if (backend === 'webgl') {
    const probe = document.createElement('canvas').getContext('webgl2');
    if (!probe) return 'no WebGL 2 context (no GPU, or it is disabled)';
    const info = probe.getExtension('WEBGL_debug_renderer_info');
    const renderer = info ? String(probe.getParameter(info.UNMASKED_RENDERER_WEBGL)) : '';
    probe.getExtension('WEBGL_lose_context')?.loseContext();
    if (SOFTWARE_GL.test(renderer)) return `software WebGL (${renderer.replace(/\s*\(.*$/, '')}), slower than WebAssembly`;
  }
  if (backend === 'wasm') setWasmPaths(wasmBase());
  if (!(await tf.setBackend(backend))) return 'failed to initialise';
  // a backend that initialises may still fail on its first kernel (a blocked GPU context)
  const check = tf.tidy(() => tf.sum(tf.add(tf.ones([4]), 1)));
  const value = (await check.data())[0];
  check.dispose();
  return value === 8 ? true : `a test sum gave ${value}`;
}

/** Brings the first working backend up (once); resolves with it and what was skipped. */
export function computeBackend(preference: WebviewBackendPreference): Promise<BackendChoice> {
  ready ??= (async () => {
    tf.enableProdMode();
    return chooseBackend(backendOrder(preference), tryBackend);
  })();
  return ready;
}

export function backendLabel(choice: BackendChoice): string {
  const names: Record<WebviewBackend, string> = { webgpu: 'WebGPU', webgl: 'WebGL (GPU)', wasm: 'WebAssembly', cpu: 'plain JavaScript' };
  const fellBack = choice.skipped.length ? ` (${choice.skipped.map((s) => `${names[s.backend]}: ${s.why}`).join('; ')})` : '';
  return `${names[choice.backend]}${fellBack}`;
}
