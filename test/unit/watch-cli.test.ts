// `focal-lens watch` as users run it (dist/cli.js in a child process): epochs appended to a dump one
// at a time, as a training loop writes them, and the exit codes: 3 at the epoch the collapse
// starts (known from the run's own numbers, truth.json), 4 when the file is deleted, 0 on SIGTERM.
import { strict as assert } from 'node:assert';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseWatchEvent, type WatchCliEvent } from '../../src/protocol/cli-events';

const root = join(__dirname, '..', '..');
const FIXTURE = join(root, 'test', 'fixtures', 'watch', 'collapse-onset');
const truth = JSON.parse(readFileSync(join(FIXTURE, 'truth.json'), 'utf8')) as { firstCollapsed: number; firstDrifting: number; epochs: Array<{ epoch: number; status: string }> };

/** The dump's meta line and its records by epoch. */
function dumpParts(): { meta: string; epochs: Map<number, string> } {
  const [meta, ...records] = readFileSync(join(FIXTURE, 'val_preds.jsonl'), 'utf8').split('\n').filter((l) => l !== '');
  const epochs = new Map<number, string>();
  for (const r of records) {
    const e = (JSON.parse(r) as { epoch: number }).epoch;
    epochs.set(e, (epochs.get(e) ?? '') + r + '\n');
  }
  return { meta: meta! + '\n', epochs };
}

interface Watched {
  child: ChildProcess;
  events: WatchCliEvent[];
  stderr: () => string;
  /** The exit code. */
  exit: Promise<number | null>;
}

/** The CLI watching, its stdout parsed into events as they come (`onEvent` sees each one). */
function watchCli(args: string[], cwd: string, onEvent: (e: WatchCliEvent) => void = () => undefined): Watched {
  const child = spawn(process.execPath, [join(root, 'dist', 'cli.js'), 'watch', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const events: WatchCliEvent[] = [];
  let pending = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (text: string) => {
    pending += text;
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      const e = parseWatchEvent(line);
      assert.ok(e, `not a watch event: ${line.slice(0, 200)}`);
      events.push(e);
      onEvent(e);
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (t: string) => (err += t));
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, events, stderr: () => err, exit };
}

const FAST = ['--interval', '50', '--settle', '300'];

describe('focal-lens watch (the CLI)', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], { cwd: root, stdio: 'ignore' });
    dir = mkdtempSync(join(tmpdir(), 'focal-lens-watch-cli-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const [failOn, first] of [
    ['collapse', truth.firstCollapsed],
    ['drift', truth.firstDrifting],
  ] as const) {
    it(`--fail-on ${failOn}: epochs appended one by one, exit 3 right after epoch ${first} (the ${failOn === 'collapse' ? 'collapse' : 'drift'} starts there), not before`, async () => {
      const { meta, epochs } = dumpParts();
      const path = join(dir, `val-${failOn}.jsonl`);
      writeFileSync(path, meta + epochs.get(1)!);
      let alive = true;
      const appendedWhileAlive: number[] = [];
      const w = watchCli([`val-${failOn}.jsonl`, '--fail-on', failOn, '--format', 'json', ...FAST], dir, (e) => {
        // the training loop writes the next epoch once the watcher has judged this one
        if (e.type !== 'watch-epoch' || !epochs.has(e.epoch + 1)) return;
        if (alive) appendedWhileAlive.push(e.epoch + 1);
        appendFileSync(path, epochs.get(e.epoch + 1)!);
      });
      const code = await w.exit;
      alive = false;
      assert.equal(code, 3, w.stderr());
      assert.deepEqual(w.events[0], { type: 'watch-start', files: [{ file: `val-${failOn}.jsonl`, label: 'JSONL' }] });
      const judged = w.events.filter((e) => e.type === 'watch-epoch');
      assert.deepEqual(judged.map((e) => e.epoch), Array.from({ length: first }, (_, i) => i + 1));
      // every epoch before it was judged not to fail, and the run went on
      assert.deepEqual(appendedWhileAlive.slice(0, first - 1), Array.from({ length: first - 1 }, (_, i) => i + 2));
      for (const e of judged.slice(0, -1)) assert.equal(e.status === 'healthy' || (failOn === 'collapse' && e.status === 'drifting'), true, `epoch ${e.epoch}: ${e.status}`);
      const last = judged[judged.length - 1]!;
      assert.equal(last.status, truth.epochs[first - 1]!.status);
      assert.equal(last.onsetEpoch, first);
      assert.deepEqual(last.report.verdict.perEpoch?.map((p) => p.status), truth.epochs.slice(0, first).map((t) => t.status));
      const stop = w.events[w.events.length - 1]!;
      assert.equal(stop.type, 'watch-stop');
      assert.deepEqual(stop.type === 'watch-stop' && [stop.reason, stop.exitCode], ['fail-on', 3]);
    });
  }

  it('a line per epoch as text; SIGTERM stops it with exit 0', async () => {
    const { meta, epochs } = dumpParts();
    writeFileSync(join(dir, 'text.jsonl'), meta + epochs.get(1)! + epochs.get(2)!);
    const child = spawn(process.execPath, [join(root, 'dist', 'cli.js'), 'watch', 'text.jsonl', ...FAST], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const two = new Promise<void>((resolve) =>
      child.stdout.setEncoding('utf8').on('data', (t: string) => {
        out += t;
        if (out.split('\n').length > 2) resolve();
      }),
    );
    child.stderr.setEncoding('utf8').on('data', (t: string) => (err += t));
    await two;
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 0, err);
    const lines = out.trim().split('\n');
    assert.equal(lines.length, 2);
    assert.match(lines[0]!, /^epoch 1: healthy \| balance G\+\/G-: negative [\d.e+-]+, positive [\d.e+-]+ \| predicted \(true\): negative 24% \(95%\), positive 76% \(5%\)$/);
    assert.match(err, /following text\.jsonl \(JSONL\) \(Ctrl-C stops\)[\s\S]*stopped/);
  });

  it('exits 4 with a message naming the file when the watched dump is deleted', async () => {
    const { meta, epochs } = dumpParts();
    const path = join(dir, 'deleted.jsonl');
    writeFileSync(path, meta + epochs.get(1)!);
    const w = watchCli(['deleted.jsonl', '--format', 'json', ...FAST], dir, (e) => {
      if (e.type === 'watch-epoch') rmSync(path);
    });
    assert.equal(await w.exit, 4, w.stderr());
    const stop = w.events[w.events.length - 1]!;
    assert.deepEqual(stop, { type: 'watch-stop', reason: 'deleted', exitCode: 4, message: 'deleted.jsonl was deleted: stopped watching', file: 'deleted.jsonl' });
  });

  it('bad flags and a missing file are usage and input errors (exit 2) that name the flag or the file', () => {
    const run = (args: string[]) => {
      try {
        execFileSync(process.execPath, [join(root, 'dist', 'cli.js'), 'watch', ...args], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
        return { code: 0, err: '' };
      } catch (e) {
        const x = e as { status: number; stderr: string };
        return { code: x.status, err: x.stderr };
      }
    };
    writeFileSync(join(dir, 'flags.jsonl'), dumpParts().meta);
    assert.deepEqual(run(['flags.jsonl', '--interval', 'soon']), { code: 2, err: "focal-lens watch: --interval expects a number of milliseconds > 0, got 'soon'\nRun 'focal-lens watch --help' for the options.\n" });
    assert.deepEqual(run(['flags.jsonl', '--settle=-1']), { code: 2, err: "focal-lens watch: --settle expects a number of milliseconds >= 0, got '-1'\nRun 'focal-lens watch --help' for the options.\n" });
    assert.equal(run(['flags.jsonl', '--format', 'markdown']).err.split('\n')[0], "focal-lens watch: --format must be text or json; got 'markdown'");
    assert.equal(run(['flags.jsonl', '--fail-on', 'sometimes']).err.split('\n')[0], "focal-lens watch: --fail-on must be drift or collapse; got 'sometimes'");
    assert.deepEqual(run(['nowhere.jsonl']), { code: 2, err: 'focal-lens watch: nowhere.jsonl: no such file or folder\n' });
    assert.equal(run(['--help']).code, 0);
  });
});
