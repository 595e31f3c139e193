/**
 * Which tfjs backend the webview's what-if runs on: the local GPU first (WebGPU where the browser
 * has it, then WebGL), then WebAssembly, then plain JavaScript. Pure (the probing is passed in), so
 * the order and the fallback are unit-tested without a browser.
 */
import type { WebviewBackendPreference } from '../src/protocol/messages';

export type WebviewBackend = 'webgpu' | 'webgl' | 'wasm' | 'cpu';

/** focalLens.computeBackend read for the webview: 'wasm' and 'cpu' force those; auto (and tensorflow, a Node-only backend) start at the GPU. */
export function backendOrder(preference: WebviewBackendPreference): WebviewBackend[] {
  switch (preference) {
    case 'cpu':
      return ['cpu'];
    case 'wasm':
      return ['wasm', 'cpu'];
    default:
      return ['webgpu', 'webgl', 'wasm', 'cpu'];
  }
}

export interface BackendChoice {
  backend: WebviewBackend;
  /** The backends tried before it, and why each did not load. */
  skipped: Array<{ backend: WebviewBackend; why: string }>;
}

/** The first backend of `order` that `tryBackend` brings up (it resolves true, or rejects / resolves false with a reason). */
export async function chooseBackend(order: WebviewBackend[], tryBackend: (b: WebviewBackend) => Promise<true | string>): Promise<BackendChoice> {
  const skipped: BackendChoice['skipped'] = [];
  for (const backend of order) {
    let result: true | string;
    try {
      result = await tryBackend(backend);
    } catch (err) {
      result = err instanceof Error ? err.message : String(err);
    }
    if (result === true) return { backend, skipped };
    skipped.push({ backend, why: result });
  }
  throw new Error(`no tfjs backend loaded: ${skipped.map((s) => `${s.backend}: ${s.why}`).join('; ')}`);
}
