// Every fuzz target, by the registry format it feeds (src/core/readers/formats): the one place a
// new format gets its generator. test/unit/fuzz.test.ts fails for a registry format that has no
// entry here, and checks that each entry's undamaged seeds are read as that format; the unit
// suite and `npm run fuzz` (test/fuzz/run-cli.ts) run every target listed.
import { dirname, join } from 'node:path';
import type fc from 'fast-check';
import { readerCases, type FuzzCase, type ReaderName } from './cases';
import { csv, enc, gzip, jsonl, npyArrays, safetensorsOf, zip, type Dataset } from './builders';
import { csvLog, fixtureRun, jsonDoc, jsonlLog, pythonConfig, sklearnReport, textLogCases, yamlConfig, type FileSeed, type FuzzScale } from './log-cases';
import { runFolderCases } from './run-cases';
import { tensorboardCases, tensorboardSeeds } from './tfevents';

export interface FuzzTarget {
  name: string;
  /** How a case is read: as a prediction dump (openPredictionDump), or analysed as a run (analyze). */
  read: 'dump' | 'run';
  cases(scale: FuzzScale): fc.Arbitrary<FuzzCase>;
  /** Undamaged inputs the mutations start from: each is read as the target's format, nothing skipped. */
  seeds(): FuzzCase[];
}

// ------------------------------------------------------ prediction dumps

const SEED_DATA: Dataset = { C: 3, kind: 'logits', epochs: [0, 0, 1, 1], targets: [0, 2, 1, 2], scores: [1, -1, 0.5, 0.2, 0.1, 2, -1, 3, 0, 0.3, 0.3, 0.4] };

function dumpSeed(reader: ReaderName): FuzzCase {
  const one = (path: string, bytes: Uint8Array): FuzzCase => ({ files: [{ path, bytes }], target: path, lenient: false, tags: ['seed'] });
  const arrays = npyArrays(SEED_DATA);
  switch (reader) {
    case 'jsonl':
      return one('run.jsonl', enc(jsonl(SEED_DATA)));
    case 'jsonl.gz':
      return one('run.jsonl.gz', gzip(jsonl(SEED_DATA)));
    case 'csv':
      return one('run.csv', enc(csv(SEED_DATA)));
    case 'tsv':
      return one('run.tsv', enc(csv(SEED_DATA, '\t')));
    case 'csv.gz':
      return one('run.csv.gz', gzip(csv(SEED_DATA)));
    case 'npy':
      return { files: arrays.map((a) => ({ path: `dump/${a.name}`, bytes: a.bytes })), target: `dump/${arrays[0]!.name}`, lenient: false, tags: ['seed'] };
    case 'npz-stored':
    case 'npz-deflated':
      return one('run.npz', zip(arrays.map((a) => ({ name: a.name, data: a.bytes, deflate: reader === 'npz-deflated' }))));
    case 'npz-folder':
      return { files: [0, 1].map((e) => ({ path: `run/epoch_00${e}.npz`, bytes: zip(arrays.map((a) => ({ name: a.name, data: a.bytes, deflate: e === 1 }))) })), target: 'run', lenient: false, tags: ['seed'] };
    case 'safetensors':
      return one('run.safetensors', safetensorsOf(SEED_DATA));
  }
}

const dumpTarget = (reader: ReaderName): FuzzTarget => ({ name: reader, read: 'dump', cases: (s) => readerCases(reader, s.bombMiB), seeds: () => [dumpSeed(reader)] });

// ------------------------------------------- metric logs and run configs

/** A file of a real run damaged as its format breaks; analysed with the rest of its run. */
function logTarget(name: string, seeds: FileSeed[], format: Parameters<typeof textLogCases>[1]): FuzzTarget {
  return {
    name,
    read: 'run',
    cases: (s) => textLogCases(seeds, format, s),
    seeds: () => seeds.map((seed) => ({ files: fixtureRun(seed.run), target: dirname(join('run', seed.file)), lenient: false, tags: ['seed'] })),
  };
}

const jsonDocument = jsonDoc(/^(log_history|epoch|step|eval_.*|loss|val_.*|focal_.*|id2label|label2id|num_labels)$/);

/** Registry format id -> its fuzz targets. */
export const FORMAT_TARGETS: Record<string, readonly FuzzTarget[]> = {
  jsonl: [dumpTarget('jsonl'), dumpTarget('jsonl.gz')],
  csv: [dumpTarget('csv'), dumpTarget('tsv'), dumpTarget('csv.gz')],
  npy: [dumpTarget('npy')],
  npz: [dumpTarget('npz-stored'), dumpTarget('npz-deflated'), dumpTarget('npz-folder')],
  safetensors: [dumpTarget('safetensors')],
  tensorboard: [{ name: 'tensorboard', read: 'run', cases: tensorboardCases, seeds: tensorboardSeeds }],
  'lightning-csv': [
    logTarget('lightning-csv', [
      { run: 'a_lightning_binary_alpha097', file: 'csv/version_0/metrics.csv' },
      { run: 'b_lightning_binary_alpha080_healthy', file: 'csv/version_0/metrics.csv' },
      { run: 'c_lightning_softmax4_alpha095', file: 'focal_softmax4_a095/version_0/metrics.csv' },
    ], csvLog),
  ],
  'keras-csv': [logTarget('keras-csv', [{ run: 'e_keras_binary_focal_alpha098', file: 'training.log' }, { run: 'e_keras_binary_focal_alpha098', file: 'tensorboard_run/training.log' }], csvLog)],
  'ultralytics-csv': [logTarget('ultralytics-csv', [{ run: 'f4_ultralytics_fl_gamma15', file: 'results.csv' }], csvLog)],
  'keras-history': [logTarget('keras-history', [{ run: 'e_keras_binary_focal_alpha098', file: 'history.json' }, { run: 'e_keras_binary_focal_alpha098', file: 'tensorboard_run/history.json' }], jsonDocument)],
  'hf-trainer-state': [logTarget('hf-trainer-state', [{ run: 'd_hf_trainer_binary_alpha015', file: 'trainer_state.json' }, { run: 'd_hf_trainer_binary_alpha015', file: 'checkpoint-1185/trainer_state.json' }], jsonDocument)],
  'mmengine-scalars': [logTarget('mmengine-scalars', [{ run: 'f2_mmengine_retinanet_alpha025', file: '20240611_101500/vis_data/scalars.json' }], jsonlLog('step'))],
  'mmdet2-log': [logTarget('mmdet2-log', [{ run: 'f3_mmdet2_retinanet_alpha025', file: '20230215_093012.log.json' }], jsonlLog('epoch'))],
  'detectron2-metrics': [logTarget('detectron2-metrics', [{ run: 'f1_detectron2_retinanet_alpha025', file: 'metrics.json' }], jsonlLog('iteration'))],
  'sklearn-report': [logTarget('sklearn-report', [{ run: 'sklearn', file: 'binary-alpha-0.25-report.txt' }, { run: 'sklearn', file: 'softmax-4class-report.txt' }], sklearnReport)],
  'lightning-hparams': [
    logTarget('lightning-hparams', [
      { run: 'a_lightning_binary_alpha097', file: 'csv/version_0/hparams.yaml' },
      { run: 'b_lightning_binary_alpha080_healthy', file: 'tensorboard/version_0/hparams.yaml' },
      { run: 'c_lightning_softmax4_alpha095', file: 'focal_softmax4_a095/version_0/hparams.yaml' },
    ], yamlConfig),
  ],
  'yaml-config': [logTarget('yaml-config', [{ run: 'f1_detectron2_retinanet_alpha025', file: 'config.yaml' }, { run: 'f4_ultralytics_fl_gamma15', file: 'args.yaml' }], yamlConfig)],
  'json-config': [logTarget('json-config', [{ run: 'd_hf_trainer_binary_alpha015', file: 'checkpoint-1185/config.json' }], jsonDocument)],
  'python-config': [
    logTarget('python-config', [
      { run: 'f2_mmengine_retinanet_alpha025', file: 'retinanet_toy-anchor_1x.py' },
      { run: 'f2_mmengine_retinanet_alpha025', file: '20240611_101500/vis_data/config.py' },
      { run: 'f3_mmdet2_retinanet_alpha025', file: 'retinanet_toy_anchor_1x_defects.py' },
    ], pythonConfig),
  ],
};

/** Targets of no one format: whole run folders, every format of a run at once. */
export const RUN_TARGETS: readonly FuzzTarget[] = [{ name: 'run-folder', read: 'run', cases: runFolderCases, seeds: () => [] }];

export const FUZZ_TARGETS: readonly FuzzTarget[] = [...Object.values(FORMAT_TARGETS).flat(), ...RUN_TARGETS];
