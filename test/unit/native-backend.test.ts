// The native backend where this machine is: npm reaches the registry, nothing else; no GPU. The
// engine says why tfjs-node does not load and computes on WebAssembly; the installer says why npm
// failed (a real npm log of that failure, test/fixtures/npm) and never waits past its time limit.
import { strict as assert } from 'node:assert';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selectBackend } from '../../src/core/compute/backend';
import { NATIVE_PACKAGE_VERSION } from '../../src/core/compute/native-packages';
import { isUsageError } from '../../src/core/errors';
import { npmFailureReason, npmInstall } from '../../src/extension/npm-install';

const root = join(__dirname, '..', '..');

describe('native backend', function () {
  this.timeout(60_000);
  let tmp: string;
  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'focal-lens-native-'));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('installs the tfjs-node that fits the bundled tfjs-core', () => {
    const core = JSON.parse(readFileSync(join(root, 'node_modules', '@tensorflow', 'tfjs-core', 'package.json'), 'utf8')) as { version: string };
    assert.equal(NATIVE_PACKAGE_VERSION, core.version);
  });

  it('a tfjs-node that is there but does not load: the reason, and WebAssembly computes', async () => {
    // what npm leaves when the package installed and its binding did not
    const pkg = join(tmp, 'broken', 'node_modules', '@tensorflow', 'tfjs-node');
    mkdirSync(pkg, { recursive: true });
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: '@tensorflow/tfjs-node', version: NATIVE_PACKAGE_VERSION, main: 'index.js' }));
    writeFileSync(join(pkg, 'index.js'), 'throw new Error("The Node.js native addon module (tfjs_binding.node) can not be found at path: lib/napi-v8/tfjs_binding.node.");\n');
    await assert.rejects(selectBackend('tensorflow', { nativePaths: [join(tmp, 'broken')] }), (e: unknown) => {
      assert.ok(isUsageError(e));
      assert.equal(e.needs.backend?.name, 'tensorflow');
      assert.match(e.needs.backend!.reason, /@tensorflow\/tfjs-node in .*broken: The Node\.js native addon module \(tfjs_binding\.node\) can not be found/);
      assert.doesNotMatch(e.message, /--|focalLens\./);
      return true;
    });
    const auto = await selectBackend('auto', { nativePaths: [join(tmp, 'broken')] });
    assert.equal(auto.name, 'wasm');
  });

  it('says why npm failed, from the real log of tfjs-node installing here', () => {
    const log = readFileSync(join(root, 'test', 'fixtures', 'npm', 'tfjs-node-no-google.log'), 'utf8');
    assert.equal(
      npmFailureReason(log, '@tensorflow/tfjs-node@4.22.0'),
      '@tensorflow/tfjs-node@4.22.0 came from the npm registry, but its install script (node scripts/install.js) downloads the TensorFlow C library (libtensorflow) from storage.googleapis.com, which cannot be reached from here (no network access to it)',
    );
    assert.match(npmFailureReason('npm error code E404\nnpm error 404 Not Found - GET https://registry.npmjs.org/@tensorflow%2ftfjs-nod', 'x@1'), /x@1 is not in the npm registry/);
    const enoent = Object.assign(new Error('spawn npm ENOENT'), { code: 'ENOENT' });
    assert.match(npmFailureReason('', 'x@1', enoent), /npm is not on the PATH/);
  });

  it('stops an npm that hangs at its time limit, and one that is missing says so', async () => {
    const hanging = join(tmp, 'npm-hangs');
    writeFileSync(hanging, '#!/bin/sh\necho "npm http fetch GET 200 https://registry.npmjs.org/x"\nsleep 30\n');
    chmodSync(hanging, 0o755);
    const output: string[] = [];
    const started = Date.now();
    const result = await npmInstall({ prefix: join(tmp, 'prefix'), spec: 'x@1', npm: hanging, timeoutMs: 500, onOutput: (t) => output.push(t) });
    assert.ok(Date.now() - started < 10_000, 'returned at its time limit');
    assert.deepEqual(result, { ok: false, reason: 'npm did not finish within 1 s and was stopped' });
    assert.match(output.join(''), /registry\.npmjs\.org/);
    // its own package.json: npm does not install into a project above
    assert.equal((JSON.parse(readFileSync(join(tmp, 'prefix', 'package.json'), 'utf8')) as { private: boolean }).private, true);
    const missing = await npmInstall({ prefix: join(tmp, 'prefix'), spec: 'x@1', npm: join(tmp, 'no-npm-here'), timeoutMs: 5_000, onOutput: () => undefined });
    assert.equal(missing.ok, false);
    assert.match((missing as { reason: string }).reason, /npm is not on the PATH/);
  });
});
