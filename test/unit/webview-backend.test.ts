// The webview's tfjs backend choice (webview/backend-choice.ts): GPU first, then wasm, then cpu,
// the setting forcing wasm or cpu, and every skipped backend with its reason.
import { strict as assert } from 'node:assert';
import { backendOrder, chooseBackend, type WebviewBackend } from '../../webview/backend-choice';

describe('webview: tfjs backend choice', () => {
  it('orders WebGPU, WebGL, wasm, cpu for auto; the setting forces wasm (then cpu) or cpu', () => {
    assert.deepEqual(backendOrder('auto'), ['webgpu', 'webgl', 'wasm', 'cpu']);
    assert.deepEqual(backendOrder('tensorflow'), ['webgpu', 'webgl', 'wasm', 'cpu']);
    assert.deepEqual(backendOrder('wasm'), ['wasm', 'cpu']);
    assert.deepEqual(backendOrder('cpu'), ['cpu']);
  });

  it('falls back past backends that fail, throw or are missing, keeping why (headless Chromium: no GPU)', async () => {
    const tried: WebviewBackend[] = [];
    const choice = await chooseBackend(backendOrder('auto'), async (b) => {
      tried.push(b);
      if (b === 'webgpu') return 'this browser has no WebGPU';
      if (b === 'webgl') throw new Error('no WebGL 2 context');
      return true;
    });
    assert.equal(choice.backend, 'wasm');
    assert.deepEqual(tried, ['webgpu', 'webgl', 'wasm']);
    assert.deepEqual(choice.skipped, [
      { backend: 'webgpu', why: 'this browser has no WebGPU' },
      { backend: 'webgl', why: 'no WebGL 2 context' },
    ]);
  });

  it('says why when nothing loads', async () => {
    await assert.rejects(chooseBackend(['wasm', 'cpu'], async (b) => `${b} broken`), /wasm: wasm broken; cpu: cpu broken/);
  });
});
