// The format registry is the one list of formats: package.json's Explorer menu, the picker's
// glob and detection all come from it, and every fixture kind is detected as what it is.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { detect, explorerFilenamePattern, FORMATS, pickerGlob, readHead } from '../../src/core/readers/registry';
import { runCandidates } from '../../src/core/readers/run-candidates';

const root = join(__dirname, '..', '..');
const runs = join(root, 'test', 'fixtures', 'real-logs', 'runs');

describe('format registry', () => {
  it('package.json\'s Explorer menu offers exactly the registry\'s files, and folders (runs), to analyze and to watch', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { contributes: { menus: Record<string, Array<{ command: string; when: string }>> } };
    const entries = pkg.contributes.menus['explorer/context']!;
    assert.deepEqual(entries.map((m) => m.command), ['focalLens.analyze', 'focalLens.watchRun']);
    for (const entry of entries) assert.equal(entry.when, `explorerResourceIsFolder || resourceFilename =~ /${explorerFilenamePattern()}/i`, 'run `npm run sync-manifest` after changing the registry');
    const re = new RegExp(explorerFilenamePattern(), 'i');
    for (const name of ['preds.tsv', 'metrics.csv', 'events.out.tfevents.1700000000.host.1.0', 'trainer_state.json', '20230215_093012.log.json', 'epoch_003.npz']) assert.ok(re.test(name), name);
    assert.ok(!re.test('hparams.yaml') && !re.test('train.py'), 'configs are read with their run, not analyzed alone');
  });

  it('the picker glob holds every claimed name (.tsv included)', () => {
    const glob = pickerGlob();
    for (const part of ['*.tsv', 'metrics.csv', 'trainer_state.json', 'events.out.tfevents.*', '*.npz']) assert.ok(glob.includes(part), part);
  });

  it('every format has a unique id, a label and a real example', () => {
    const ids = FORMATS.map((f) => f.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const f of FORMATS) assert.ok(f.label && f.example.length > 10, f.id);
  });

  const expected: Array<[string, string]> = [
    ['a_lightning_binary_alpha097/csv/version_0/metrics.csv', 'lightning-csv'],
    ['a_lightning_binary_alpha097/csv/version_0/hparams.yaml', 'lightning-hparams'],
    ['a_lightning_binary_alpha097/tensorboard/version_0/events.out.tfevents.1796150045.vm.8957.0', 'tensorboard'],
    ['d_hf_trainer_binary_alpha015/trainer_state.json', 'hf-trainer-state'],
    ['d_hf_trainer_binary_alpha015/checkpoint-1185/config.json', 'json-config'],
    ['e_keras_binary_focal_alpha098/training.log', 'keras-csv'],
    ['e_keras_binary_focal_alpha098/history.json', 'keras-history'],
    ['e_keras_binary_focal_alpha098/tensorboard_run/logs/validation/events.out.tfevents.1796150071.vm.8957.1.v2', 'tensorboard'],
    ['f1_detectron2_retinanet_alpha025/metrics.json', 'detectron2-metrics'],
    ['f1_detectron2_retinanet_alpha025/config.yaml', 'yaml-config'],
    ['f2_mmengine_retinanet_alpha025/20240611_101500/vis_data/scalars.json', 'mmengine-scalars'],
    ['f2_mmengine_retinanet_alpha025/20240611_101500/vis_data/20240611_101500.json', 'mmengine-scalars'],
    ['f2_mmengine_retinanet_alpha025/retinanet_toy-anchor_1x.py', 'python-config'],
    ['f3_mmdet2_retinanet_alpha025/20230215_093012.log.json', 'mmdet2-log'],
    ['f4_ultralytics_fl_gamma15/results.csv', 'ultralytics-csv'],
    ['f4_ultralytics_fl_gamma15/args.yaml', 'yaml-config'],
  ];
  for (const [file, id] of expected) {
    it(`detects ${file.split('/').pop()} as ${id}`, async () => {
      const head = await readHead(join(runs, file), file);
      assert.equal(detect(head)?.format.id, id);
    });
  }

  it('a config format needs its name as well as its content (a README that mentions focal loss is no config)', async () => {
    const head = await readHead(join(root, 'examples', 'README.md'), 'README.md');
    assert.equal(detect(head), null);
  });

  it('a renamed log is still detected by its content', async () => {
    const head = await readHead(join(runs, 'f4_ultralytics_fl_gamma15', 'results.csv'), 'x.csv');
    assert.equal(detect({ ...head, base: 'train_log.csv' })?.format.id, 'ultralytics-csv');
  });

  it('the picker offers runs as folders, per-epoch dumps as one entry, lone dumps as files', () => {
    const c = runCandidates([
      '/w/lightning_logs/version_0/metrics.csv',
      '/w/logs/train/events.out.tfevents.1.host.0.v2',
      '/w/logs/validation/events.out.tfevents.1.host.1.v2',
      '/w/dumps/epoch_001.npz',
      '/w/dumps/epoch_002.npz',
      '/w/examples/binary.jsonl',
      '/w/examples/softmax.tsv',
    ]);
    assert.deepEqual(
      c.map((x) => [x.path, x.kind]),
      [
        ['/w/dumps', 'dump'],
        ['/w/examples/binary.jsonl', 'dump'],
        ['/w/examples/softmax.tsv', 'dump'],
        ['/w/lightning_logs/version_0', 'run'],
        ['/w/logs', 'run'],
      ],
    );
  });
});
