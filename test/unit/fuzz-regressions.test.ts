// One test per bug the fuzzers of test/fuzz/targets.ts found in the metric-log, config and
// TensorBoard readers, each on the smallest input that shows it: a clear error naming file and
// line (or byte), the rest of the run kept, no internal error, no stall, no gigabyte allocation.
import { strict as assert } from 'node:assert';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze } from '../../src/core/analyze';
import { isInputError } from '../../src/core/readers/errors';
import { MAX_CLASSES, MAX_CONFIG_BYTES } from '../../src/core/readers/limits';
import { jsonErrorOffset } from '../../src/core/readers/metrics/text';
import { frameRecord, readEventFile } from '../../src/core/readers/tensorboard/index';
import { analyzeHints } from '../../src/core/hints';
import { prefixChainTooLong } from '../../src/core/hints/analysis';
import { yamlEntries } from '../../src/core/hints/yaml';
import { configTextSettings } from '../../src/core/run/config-settings';
import { encodeEvent, prCurveContent, prCurveEvent } from '../fuzz/tfevents';

const FIX = join(__dirname, '..', 'fixtures', 'real-logs', 'runs');

describe('fuzz findings: metric logs, configs and event files', function () {
  this.timeout(60000);
  let tmp: string;
  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), 'focal-lens-fuzz-found-'));
  });
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  /** A copy of a fixture run under tmp, with `file` replaced by `edit(its text)`. */
  function run(id: string, file: string, edit: (text: string) => string): string {
    const dir = join(tmp, id);
    cpSync(join(FIX, id), dir, { recursive: true });
    writeFileSync(join(dir, file), edit(readFileSync(join(dir, file), 'utf8')));
    return dir;
  }

  const refusal = (re: RegExp) => (e: unknown) => isInputError(e) && re.test((e as Error).message);

  it('a JSON-lines log whose first line is cut is still read as its format: the cut line skipped with its number', async () => {
    // the sniffer looked at the first line only: the log became "not a prediction dump"
    const dir = run('f2_mmengine_retinanet_alpha025', '20240611_101500/vis_data/scalars.json', (t) => t.slice(0, Math.floor(t.indexOf('\n') / 2)) + t.slice(t.indexOf('\n')));
    const r = await analyze({ paths: [dir], displayBase: dir, backend: 'cpu' });
    assert.equal(r.verdict.status, 'healthy');
    assert.equal(r.input.skipped, 1);
    assert.deepEqual(r.input.issues!.map((i) => [i.file.endsWith('scalars.json'), i.line]), [[true, 1]]);
  });

  it('a line of control bytes (NULs a crash left) does not make a text log binary: the line is skipped with its number', async () => {
    // one such byte anywhere in the head made the whole file "binary data", and the run had no log
    const dir = run('f3_mmdet2_retinanet_alpha025', '20230215_093012.log.json', (t) => '\u0000\u0001\u0002\n' + t);
    const r = await analyze({ paths: [dir], displayBase: dir, backend: 'cpu' });
    assert.equal(r.input.format, 'mmdet2-log');
    assert.equal(r.input.skipped, 1);
    assert.deepEqual(r.input.issues!.map((i) => [i.file.endsWith('.log.json'), i.line]), [[true, 1]]);
    // binary data is still binary: control bytes on most lines
    writeFileSync(join(tmp, 'noise.bin'), Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)));
    await assert.rejects(analyze({ paths: [join(tmp, 'noise.bin')], displayBase: tmp, backend: 'cpu' }), refusal(/binary data/));
  });

  it('a trainer_state.json whose log_history is no list, or missing, names a line', async () => {
    const dir = run('d_hf_trainer_binary_alpha015', 'trainer_state.json', (t) => t.replace('"log_history": [', '"log_history": {"x": [').replace(/\]\s*,\s*"logging_steps"/, ']}, "logging_steps"'));
    await assert.rejects(analyze({ paths: [join(dir, 'trainer_state.json')], displayBase: dir, backend: 'cpu' }), refusal(/^trainer_state\.json:\d{2}: expected "log_history" to be a list of log entries$/));
    writeFileSync(join(dir, 'trainer_state.json'), '\n{"epoch": 3.0, "global_step": 10}\n');
    await assert.rejects(analyze({ paths: [join(dir, 'trainer_state.json')], displayBase: dir, backend: 'cpu' }), refusal(/^trainer_state\.json:2: expected "log_history"/));
  });

  it('a history.json that is a list, not an object, names its line', async () => {
    const dir = run('e_keras_binary_focal_alpha098', 'history.json', () => '[0.5, 0.4]\n');
    await assert.rejects(analyze({ paths: [join(dir, 'history.json')], displayBase: dir, backend: 'cpu' }), refusal(/^history\.json:1: expected a JSON object of metric lists/));
  });

  it('a JSON document that ends too early names its last line (V8 gives no position for "Unexpected end")', async () => {
    const dir = run('e_keras_binary_focal_alpha098', 'history.json', () => '{\n"loss": [0.5,\n');
    await assert.rejects(analyze({ paths: [join(dir, 'history.json')], displayBase: dir, backend: 'cpu' }), refusal(/^history\.json:3: invalid JSON/));
  });

  it('the line of a JSON error counts the file\'s lines, whatever NaN and Infinity were read as', async () => {
    const dir = run('e_keras_binary_focal_alpha098', 'history.json', () => `{"loss": [\n${'Infinity, '.repeat(20)}\n1.0,\n1.0 x]}\n`);
    await assert.rejects(analyze({ paths: [join(dir, 'history.json')], displayBase: dir, backend: 'cpu' }), refusal(/^history\.json:4: invalid JSON/));
  });

  it('finding where deeply nested JSON breaks takes no stack: 200,000 open brackets', () => {
    const text = '{"loss": ' + '['.repeat(200_000) + '}';
    assert.equal(jsonErrorOffset(text), text.length - 1);
    assert.equal(jsonErrorOffset('{"a": [1, 2}'), 11);
    assert.equal(jsonErrorOffset('{"a": 1'), 7);
  });

  it(`a metric log with more than ${MAX_CLASSES} per-class columns is refused with its line, not read into memory`, async () => {
    const header = ['epoch', 'step', ...Array.from({ length: MAX_CLASSES + 5 }, (_, i) => `val_recall_c${i}`)];
    const row = ['0', '10', ...Array.from({ length: MAX_CLASSES + 5 }, () => '0.5')];
    const dir = run('a_lightning_binary_alpha097', 'csv/version_0/metrics.csv', () => `${header.join(',')}\n${row.join(',')}\n`);
    await assert.rejects(analyze({ paths: [join(dir, 'csv')], displayBase: dir, backend: 'cpu' }), refusal(new RegExp(`^csv/version_0/metrics\\.csv:2: expected at most ${MAX_CLASSES} classes in the log's per-class metrics, got more \\(the next at "val_recall_c${MAX_CLASSES}"\\)`)));
  });

  it(`a config above ${MAX_CONFIG_BYTES >> 10} KiB (here a hparams.yaml of blank lines) is listed as not read; the run is judged from its log`, async () => {
    const dir = run('a_lightning_binary_alpha097', 'csv/version_0/hparams.yaml', (t) => t + '\n'.repeat(MAX_CONFIG_BYTES));
    const r = await analyze({ paths: [join(dir, 'csv')], displayBase: dir, backend: 'cpu', alpha: 0.97, gamma: 2 });
    assert.equal(r.verdict.status, 'drifting');
    const source = r.input.sources!.find((s) => s.file.endsWith('hparams.yaml'))!;
    assert.match(source.used, /^not read: \d+ bytes is more than the 256 KiB a config is read up to$/);
  });

  it('a YAML config of 40,000 keys is parsed in seconds (the duplicate-key check was quadratic: minutes)', () => {
    const text = Array.from({ length: 40_000 }, (_, i) => `key_${i}: ${i}\n`).join('') + 'alpha: 0.25\n';
    const t0 = Date.now();
    const { entries } = yamlEntries(text);
    assert.equal(entries.length, 40_001);
    assert.ok(Date.now() - t0 < 15_000, `${Date.now() - t0} ms`);
  });

  it('a YAML config broken by an unterminated flow mapping costs no stacks: 1,860 parse errors, each raised about 1,800 frames deep, in well under 3 CPU-seconds', async () => {
    // every following line nests one level deeper inside the `{`; the yaml package makes an Error
    // per problem, each capturing the whole stack where the limit is Infinity (as mocha sets it):
    // 58-86 s for the fuzzers' 171 KB config.yaml, read twice per analysis
    const dir = run('f1_detectron2_retinanet_alpha025', 'config.yaml', (t) => '{\n' + t + 'MODEL:\n  FOCAL_LOSS_ALPHA: 0.25\n'.repeat(1000));
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = Infinity;
    try {
      // CPU time, not wall time: a loaded machine slows the test, not what it measures
      const cpu0 = process.cpuUsage();
      const r = await analyze({ paths: [dir], displayBase: dir, backend: 'cpu' });
      const cpu = process.cpuUsage(cpu0);
      assert.equal(r.input.format, 'detectron2-metrics');
      assert.ok(r.input.sources!.some((s) => s.file.endsWith('config.yaml')));
      const ms = (cpu.user + cpu.system) / 1000;
      assert.ok(ms < 3000, `${Math.round(ms)} ms of CPU`);
    } finally {
      Error.stackTraceLimit = limit;
    }
  });

  it('a hparams.yaml of 16,000 alpha and gamma lines gives its settings in CPU-seconds (each finding re-indexed the whole text: quadratic)', () => {
    const text = 'loss: torchvision.ops.sigmoid_focal_loss\n' + 'alpha: 0.97\ngamma: 2.0\n'.repeat(8000);
    // CPU time, not wall time: a loaded machine slows the test, not what it measures
    const cpu0 = process.cpuUsage();
    const found = configTextSettings(text, 'yaml', 'hparams.yaml', undefined, true);
    const cpu = process.cpuUsage(cpu0);
    assert.deepEqual(found[0], { name: 'alpha', value: 0.97, origin: { kind: 'config', file: 'hparams.yaml', line: 2, key: 'alpha', detail: 'torchvision sigmoid_focal_loss' } });
    assert.equal(found.filter((f) => f.name === 'gamma').length, 8000);
    const ms = (cpu.user + cpu.system) / 1000;
    assert.ok(ms < 4000, `${Math.round(ms)} ms of CPU`);
  });

  it('a Python config with 20,000 `not` in a row (across lines) gives no hints in well under a CPU-second (the parser\'s error recovery copied its stacks at each level: 1.5 s, 260 MiB)', () => {
    const config = readFileSync(join(FIX, 'f3_mmdet2_retinanet_alpha025', 'retinanet_toy_anchor_1x_defects.py'), 'utf8');
    const text = `${config}\nalpha = (1 if 0 else\n${'not\n'.repeat(20_000)}x or dict(\n`;
    const cpu0 = process.cpuUsage();
    const a = analyzeHints(text, 'python', { givenPrevalence: null, linked: null });
    a.allDiagnostics();
    const cpu = process.cpuUsage(cpu0);
    const ms = (cpu.user + cpu.system) / 1000;
    assert.ok(ms < 600, `${Math.round(ms)} ms of CPU`);
    assert.deepEqual(a.result.findings, []);
    // the check itself is one pass: a MB of runs just under the limit (a counting regular
    // expression rescanned each run from every position: 1.6 s), and what it must not count
    const nearMisses = `alpha = 0.25\n${`${'- '.repeat(499)}1\n`.repeat(1000)}`;
    const check0 = process.cpuUsage();
    assert.equal(prefixChainTooLong(nearMisses), false);
    const checkCpu = process.cpuUsage(check0);
    const checkMs = (checkCpu.user + checkCpu.system) / 1000;
    assert.ok(checkMs < 200, `${Math.round(checkMs)} ms of CPU`);
    assert.equal(prefixChainTooLong(`x = ${'not '.repeat(300)}${'- '.repeat(201)}1`), true);
    assert.equal(prefixChainTooLong(`${'nota '.repeat(600)}\n# ${'-'.repeat(80)}\nalpha = -0.25`), false);
  });

  it('a JSON config nested 100,000 deep gives no settings (and no stack overflow); the run is judged as without it', async () => {
    const dir = run('d_hf_trainer_binary_alpha015', 'checkpoint-1185/config.json', (t) => t.replace('"hidden"', `"deep": ${'['.repeat(100_000)}${']'.repeat(100_000)}, "hidden"`));
    const r = await analyze({ paths: [join(dir, 'checkpoint-1185')], displayBase: dir, backend: 'cpu' });
    assert.equal(r.input.sources!.find((s) => s.file.endsWith('config.json'))!.used, 'no loss settings');
  });

  it('an unrecognised text file is refused at line 1, the line it quotes', async () => {
    const p = join(tmp, 'notes.txt');
    writeFileSync(p, 'the run looked fine\n');
    await assert.rejects(analyze({ paths: [p], displayBase: tmp, backend: 'cpu' }), refusal(/^notes\.txt:1: not a prediction dump or a training log: text starting "the run looked fine"/));
  });

  describe('PR curves of a TensorBoard event file', () => {
    const events = (...payloads: Uint8Array[]) => {
      const p = join(tmp, 'events.out.tfevents.1.host.0');
      const version = encodeEvent({ wallTime: 1.7e9, fileVersion: 'brain.Event:2' });
      writeFileSync(p, Buffer.concat([version, ...payloads].map((b) => frameRecord(b))));
      return readEventFile(p, { displayName: 'events.out.tfevents.1.host.0' });
    };

    it('TP and FP rows that are no counts of p >= threshold (negative, NaN, growing) are skipped with a reason and a byte', async () => {
      const got = await events(
        prCurveEvent('neg', 0, [5, -1, 0], [9, 4, 0], true),
        prCurveEvent('nan', 0, [5, 3, 0], [9, NaN, 0], true),
        prCurveEvent('grows', 0, [5, 7, 0], [9, 4, 0], true),
        prCurveEvent('fine', 0, [5, 3, 0], [9, 4, 0], true),
      );
      assert.deepEqual([...got.prCurves.keys()], ['fine']);
      assert.deepEqual(got.issues.map((i) => i.message), [
        'tag "neg" at step 0: TP at threshold 1 is -1: not a count; value skipped',
        'tag "nan" at step 0: FP at threshold 1 is NaN: not a count; value skipped',
        'tag "grows" at step 0: TP at threshold 0 is smaller than at threshold 1: not counts of p >= threshold; value skipped',
      ]);
      assert.ok(got.issues.every((i) => i.byteOffset! > 0));
    });

    it('one listed value does not fill a PR curve of 2.5 million thresholds (a few bytes asked for 120 MB)', async () => {
      const T = 2_500_000;
      const bomb = encodeEvent({ wallTime: 1.7e9, step: 1, summary: { value: [{ tag: 'pr', metadata: { pluginData: { pluginName: 'pr_curves', content: prCurveContent(T) } }, tensor: { dtype: 1, tensorShape: { dim: [{ size: 6 }, { size: T }] }, floatVal: [1] } }] } });
      const before = process.memoryUsage().rss;
      const got = await events(bomb);
      assert.equal(got.prCurves.size, 0);
      assert.deepEqual(got.issues.map((i) => i.message), [`tag "pr" at step 1: tensor has 1 values for shape [6, ${T}]; value skipped`]);
      assert.ok(process.memoryUsage().rss - before < 64 << 20);
    });
  });
});
