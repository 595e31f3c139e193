// The development build's source maps match its bundles: a frame of an error thrown inside a
// bundle maps to the src/ file and line that threw it (the CLI rewrites internal-error stacks so).
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mapStack } from '../../src/cli/source-map';

const root = join(__dirname, '../..');

describe('source maps of the built bundles', function () {
  this.timeout(120_000);
  before(() => {
    execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], { cwd: root, stdio: 'ignore' });
  });

  it('an error thrown in dist/parse-worker.js maps to the line of src/core/readers/parse-worker.ts that threw', () => {
    const stack = execFileSync(process.execPath, ['-e', `
      const { parseRange } = require(${JSON.stringify(join(root, 'dist/parse-worker.js'))});
      try { parseRange({ id: 0, path: '/nonexistent/file.csv', start: 0, end: 1, last: true, cfg: { kind: 'csv', file: 'x', checkSoftmaxSum: false, lenient: false, maxLineBytes: 1 } }); }
      catch (e) { process.stdout.write(e.stack); }`], { encoding: 'utf8' });
    const frame = mapStack(stack).split('\n').find((l) => l.includes('parseRange'));
    const source = readFileSync(join(root, 'src/core/readers/parse-worker.ts'), 'utf8').split('\n');
    const line = source.findIndex((l) => l.includes('openSync(task.path')) + 1;
    assert.ok(frame?.includes(`${join(root, 'src/core/readers/parse-worker.ts')}:${line}:`), `${frame}\nexpected src/core/readers/parse-worker.ts:${line}`);
  });

  it('dist/cli.js maps each function to its place in src/', () => {
    const bundle = readFileSync(join(root, 'dist/cli.js'), 'utf8').split('\n');
    for (const [needle, file] of [
      ['function formatPosition(', 'src/core/readers/errors.ts'],
      ['function renderMarkdown(', 'src/core/format/markdown.ts'],
      ['function mapStack(', 'src/cli/source-map.ts'],
    ] as const) {
      const at = bundle.findIndex((l) => l.includes(needle));
      const column = bundle[at]!.indexOf(needle) + 1;
      const mapped = mapStack(`    at x (${join(root, 'dist/cli.js')}:${at + 1}:${column})`);
      const line = readFileSync(join(root, file), 'utf8').split('\n').findIndex((l) => l.includes(needle.replace('function ', ''))) + 1;
      assert.ok(mapped.includes(`${join(root, file)}:${line}:`), `${needle}: ${mapped}, expected ${file}:${line}`);
    }
  });
});
