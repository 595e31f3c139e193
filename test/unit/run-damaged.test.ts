// Damaged and half-written logs of every metric format: a clear error naming file and line (or
// byte), or the good records kept and the bad ones counted, never an internal error.
import { strict as assert } from 'node:assert';
import { cpSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze } from '../../src/core/analyze';
import { isInputError } from '../../src/core/readers/errors';

const FIX = join(__dirname, '..', 'fixtures', 'real-logs', 'runs');

describe('damaged metric logs: errors with positions, partial results kept', function () {
  this.timeout(60000);
  let tmp: string;
  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'focal-lens-damaged-'));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  /** A copy of a fixture run, damaged by `harm` (given the copy's folder). */
  function damaged(id: string, harm: (dir: string) => void): string {
    const dir = join(tmp, `${id}-${Math.random().toString(36).slice(2, 8)}`);
    cpSync(join(FIX, id), dir, { recursive: true });
    harm(dir);
    return dir;
  }

  /** Cut a text file in the middle of its last line (a run still writing it). */
  function cutLastLine(path: string): void {
    const text = readFileSync(path, 'utf8').replace(/\n$/, '');
    writeFileSync(path, text.slice(0, text.lastIndexOf('\n') + Math.floor((text.length - text.lastIndexOf('\n')) / 2)));
  }

  const cases: Array<{ name: string; id: string; file: string; harm: (p: string) => void; expect: RegExp; status?: string }> = [
    { name: 'Lightning metrics.csv cut mid-row', id: 'a_lightning_binary_alpha097', file: 'csv/version_0/metrics.csv', harm: cutLastLine, expect: /metrics\.csv/, status: 'drifting' },
    { name: 'Keras CSVLogger with a short row', id: 'e_keras_binary_focal_alpha098', file: 'training.log', harm: (p) => writeFileSync(p, readFileSync(p, 'utf8').replace(/\n(5,[^\n]*)/, (_m, row: string) => `\n${row.split(',').slice(0, 3).join(',')}`)), expect: /training\.log/, status: 'drifting' },
    { name: 'MMEngine scalars.json with a garbage line', id: 'f2_mmengine_retinanet_alpha025', file: '20240611_101500/vis_data/scalars.json', harm: (p) => writeFileSync(p, readFileSync(p, 'utf8').replace(/\n/, '\n{"step": 3, broken\n')), expect: /scalars\.json/, status: 'healthy' },
    { name: 'MMDetection 2.x log cut mid-line', id: 'f3_mmdet2_retinanet_alpha025', file: '20230215_093012.log.json', harm: cutLastLine, expect: /log\.json/, status: 'collapsed' },
    { name: 'Detectron2 metrics.json cut mid-line', id: 'f1_detectron2_retinanet_alpha025', file: 'metrics.json', harm: cutLastLine, expect: /metrics\.json/ },
    { name: 'Ultralytics results.csv cut mid-row', id: 'f4_ultralytics_fl_gamma15', file: 'results.csv', harm: cutLastLine, expect: /results\.csv/, status: 'healthy' },
  ];
  for (const c of cases) {
    it(`${c.name}: the bad record is skipped with its line, the rest judged`, async () => {
      const dir = damaged(c.id, (d) => c.harm(join(d, c.file)));
      const r = await analyze({ paths: [dir], displayBase: dir, backend: 'cpu' });
      if (c.status) assert.equal(r.verdict.status, c.status);
      // whichever log the verdict is judged from, the damaged one's skipped record is reported
      assert.ok((r.input.skipped ?? 0) >= 1, JSON.stringify(r.input));
      const issue = r.input.issues!.find((i) => c.expect.test(i.file))!;
      assert.ok(issue && issue.line !== undefined && issue.line > 1, JSON.stringify(r.input.issues));
    });
  }

  it('a Hugging Face trainer_state.json cut short: error naming the file and line', async () => {
    const dir = damaged('d_hf_trainer_binary_alpha015', (d) => {
      const p = join(d, 'trainer_state.json');
      truncateSync(p, Math.floor(statSync(p).size / 2));
    });
    await assert.rejects(
      analyze({ paths: [join(dir, 'trainer_state.json')], displayBase: dir, backend: 'cpu' }),
      (e: unknown) => isInputError(e) && /^trainer_state\.json:\d+: invalid JSON .*still being written/.test((e as Error).message),
    );
  });

  it('a Keras history.json cut short: error naming the file and line', async () => {
    const dir = damaged('e_keras_binary_focal_alpha098', (d) => truncateSync(join(d, 'history.json'), 700));
    await assert.rejects(analyze({ paths: [join(dir, 'history.json')], displayBase: dir, backend: 'cpu' }), (e: unknown) => isInputError(e) && /^history\.json:\d+: invalid JSON/.test((e as Error).message));
  });

  it('a TensorBoard record with a flipped byte is skipped by its CRC; the rest is read', async () => {
    const dir = damaged('a_lightning_binary_alpha097', (d) => {
      const p = join(d, 'tensorboard', 'version_0', 'events.out.tfevents.1796150045.vm.8957.0');
      const bytes = readFileSync(p);
      bytes[Math.floor(bytes.length / 2)] ^= 0xff;
      writeFileSync(p, bytes);
    });
    const r = await analyze({ paths: [join(dir, 'tensorboard')], displayBase: dir, backend: 'cpu' });
    assert.equal(r.verdict.status, 'drifting');
    assert.ok((r.input.skipped ?? 0) >= 1, JSON.stringify(r.input));
    assert.match(r.input.issues![0]!.message, /CRC|checksum/i);
    assert.ok(r.input.issues![0]!.byteOffset! > 0);
  });

  it('a TensorBoard file still being written (cut mid-record) keeps its complete records', async () => {
    const dir = damaged('b_lightning_binary_alpha080_healthy', (d) => {
      const p = join(d, 'tensorboard', 'version_0', 'events.out.tfevents.1796150050.vm.8957.2');
      truncateSync(p, statSync(p).size - 100);
    });
    const r = await analyze({ paths: [join(dir, 'tensorboard')], displayBase: dir, backend: 'cpu' });
    assert.ok(r.input.epochs >= 17, String(r.input.epochs));
    assert.match(r.input.issues![0]!.message, /truncated/i);
  });

  it('a folder with configs but no log says so (not "skip bad records")', async () => {
    const dir = damaged('f1_detectron2_retinanet_alpha025', (d) => rmSync(join(d, 'metrics.json')));
    await assert.rejects(analyze({ paths: [dir], displayBase: dir, backend: 'cpu' }), (e: unknown) => isInputError(e) && e.kind === 'unsupported' && /only configs \(config\.yaml\)/.test((e as Error).message));
  });

  it('an unrecognised file says what it looks like and lists what is read', async () => {
    const p = join(tmp, 'notes.csv');
    writeFileSync(p, 'when,what\n2024-01-01,started\n');
    await assert.rejects(analyze({ paths: [p], displayBase: tmp, backend: 'cpu' }), /notes\.csv:1: expected a CSV header with logit_0/);
    const q = join(tmp, 'notes.txt');
    writeFileSync(q, 'the run looked fine\n');
    await assert.rejects(analyze({ paths: [q], displayBase: tmp, backend: 'cpu' }), (e: unknown) => isInputError(e) && e.kind === 'unsupported' && /text starting "the run looked fine".*Lightning metrics\.csv/.test((e as Error).message));
  });
});
