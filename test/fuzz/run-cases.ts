// Seeded fuzz cases of whole run folders (`focal-lens analyze <folder>`): a real run of
// test/fixtures/real-logs rearranged the way run folders go wrong: its config missing, two configs
// that disagree, symlink loops and links to nowhere, thousands of files, folders deeper than the
// walk goes, folders named like logs, empty files, checkpoint copies, two runs in one folder; and
// one of its files hit by blind byte mutations on top.
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { byteMutations, mutateBytes, tag, type FuzzCase, type FuzzFile } from './cases';
import { enc } from './builders';
import { counts, fixtureRun, type FuzzScale } from './log-cases';

export const RUN_IDS = [
  'a_lightning_binary_alpha097',
  'b_lightning_binary_alpha080_healthy',
  'c_lightning_softmax4_alpha095',
  'd_hf_trainer_binary_alpha015',
  'e_keras_binary_focal_alpha098',
  'f1_detectron2_retinanet_alpha025',
  'f2_mmengine_retinanet_alpha025',
  'f3_mmdet2_retinanet_alpha025',
  'f4_ultralytics_fl_gamma15',
  'sklearn',
] as const;

export const RUN_OPS = ['drop-config', 'conflicting-config', 'symlink-loop', 'symlink-file', 'dangling-link', 'many-files', 'many-logs', 'deep-folders', 'folder-named-like-log', 'empty-files', 'many-checkpoints', 'skipped-folders', 'duplicate-content', 'two-runs', 'drop-logs'] as const;
type RunOp = (typeof RUN_OPS)[number];

interface RunMutation {
  op: RunOp;
  pick: number;
  v: number;
  n: number;
}

const CONFIG = /(hparams\.yaml|config\.(yaml|json|py)|args\.yaml|\.py)$/;
const LOG = /(metrics\.csv|training\.log|history\.json|trainer_state\.json|scalars\.json|\.log\.json|metrics\.json|results\.csv|report\.txt|tfevents)/;

/** Configs that disagree with the run's own: another alpha, gamma, convention or loss kind. */
const CONFLICTS: Array<{ path: string; text: string }> = [
  { path: 'run/hparams.yaml', text: 'alpha: 0.5\ngamma: 0.0\nloss: softmax_focal\n' },
  { path: 'run/config.yaml', text: 'MODEL:\n  RETINANET:\n    FOCAL_LOSS_ALPHA: 0.75\n    FOCAL_LOSS_GAMMA: 5.0\n' },
  { path: 'run/.hydra/config.yaml', text: 'loss:\n  _target_: torchvision.ops.sigmoid_focal_loss\n  alpha: 0.9\n  gamma: 3.0\n' },
  { path: 'run/sub/config.json', text: '{"focal_alpha": [0.1, 0.2, 0.7], "focal_gamma": 2, "focal_convention": "vector"}\n' },
  { path: 'run/retinanet_other.py', text: "model = dict(bbox_head=dict(loss_cls=dict(type='FocalLoss', use_sigmoid=True, gamma=1.0, alpha=0.99)))\n" },
  { path: 'run/args.yaml', text: 'fl_gamma: 7.5\n' },
];

/** `files` plus the `extra` ones whose paths are free (a file is never also a folder). */
function addNew(files: FuzzFile[], extra: FuzzFile[]): FuzzFile[] {
  const taken = new Set<string>();
  const folders = new Set<string>();
  const take = (p: string) => {
    taken.add(p);
    for (let d = dirname(p); d !== '.' && d !== '/'; d = dirname(d)) folders.add(d);
  };
  files.forEach((f) => take(f.path));
  const ancestorTaken = (p: string) => {
    for (let d = dirname(p); d !== '.' && d !== '/'; d = dirname(d)) if (taken.has(d) && !folders.has(d)) return true;
    return false;
  };
  const out = files.slice();
  for (const e of extra) {
    if (taken.has(e.path) || folders.has(e.path) || ancestorTaken(e.path)) continue;
    take(e.path);
    out.push(e);
  }
  return out;
}

function applyRun(files: FuzzFile[], m: RunMutation, maxFiles: number): FuzzFile[] {
  const pick = <T>(xs: T[]) => xs[Math.floor(m.pick * xs.length)];
  const withBytes = files.filter((f) => f.bytes);
  switch (m.op) {
    case 'drop-config':
      return files.filter((f) => !CONFIG.test(f.path));
    case 'drop-logs':
      return files.filter((f) => !LOG.test(f.path) || f === pick(files.filter((g) => LOG.test(g.path))));
    case 'conflicting-config': {
      const c = CONFLICTS[m.v % CONFLICTS.length]!;
      return addNew(files.filter((f) => f.path !== c.path), [{ path: c.path, bytes: enc(c.text) }]);
    }
    case 'symlink-loop':
      // a folder linking to itself and to its parent: a walk that followed them would never end
      return addNew(files, [{ path: 'run/loop', symlink: '.' }, { path: 'run/sub/up', symlink: '..' }, { path: 'run/self.csv', symlink: 'self.csv' }]);
    case 'symlink-file': {
      const f = pick(withBytes.filter((g) => LOG.test(g.path)));
      return f ? addNew(files, [{ path: 'run/linked/' + f.path.split('/').pop(), symlink: join('..', f.path.slice('run/'.length)) }]) : files;
    }
    case 'dangling-link':
      return addNew(files, [{ path: 'run/metrics.csv', symlink: 'nowhere/metrics.csv' }, { path: 'run/events.out.tfevents.1.x', symlink: '/nonexistent/events' }]);
    case 'many-files': {
      // thousands of files no format claims (a dataset cache, a folder of images' captions)
      const n = Math.min(m.n, maxFiles);
      return addNew(files, Array.from({ length: n }, (_, k) => ({ path: `run/cache/${k % 7}/f${k}.txt`, bytes: enc(`line ${k}\n`) })));
    }
    case 'many-logs': {
      // a log copied into hundreds of subfolders, each a little different (a sweep's runs)
      const f = pick(withBytes.filter((g) => LOG.test(g.path)));
      if (!f) return files;
      const n = Math.min(m.n, maxFiles >> 2);
      return addNew(files, Array.from({ length: n }, (_, k) => ({ path: `run/sweep/s${k}/${f.path.split('/').pop()}`, bytes: k % 2 ? f.bytes : mutateBytes(f.bytes!, [{ op: 'truncate', at: 0.5 + (k % 50) / 100 }]) })));
    }
    case 'deep-folders': {
      // the logs moved deeper than the walk's 4 levels (or hundreds of levels down)
      const depth = 1 + (m.n % (m.v % 3 ? 8 : 200));
      const prefix = Array.from({ length: depth }, (_, k) => `d${k}`).join('/');
      return files.map((f) => (LOG.test(f.path) && m.v % 2 ? { ...f, path: `run/${prefix}/${f.path.slice(4)}` } : f));
    }
    case 'folder-named-like-log':
      return addNew(files, ['metrics.csv', 'events.out.tfevents.1.host.0', 'trainer_state.json', 'hparams.yaml', 'scalars.json', 'x.log.json', 'results.csv'].map((n) => ({ path: `run/${m.v % 2 ? 'sub/' : ''}${n}` })));
    case 'empty-files':
      return files.map((f) => (f.bytes && (m.v % 3 === 0 ? CONFIG : LOG).test(f.path) && (m.v % 2 || f === pick(withBytes)) ? { ...f, bytes: new Uint8Array(0) } : f));
    case 'many-checkpoints': {
      // a Hugging Face run keeps a trainer_state.json in every checkpoint-N/
      const state = withBytes.find((f) => f.path.endsWith('trainer_state.json'));
      if (!state) return files;
      const n = Math.min(m.n, maxFiles >> 3, 2000);
      return addNew(files, Array.from({ length: n }, (_, k) => ({ path: `run/checkpoint-${(k + 1) * 10}/trainer_state.json`, bytes: k % 3 ? state.bytes : mutateBytes(state.bytes!, [{ op: 'truncate', at: 0.9 }]) })));
    }
    case 'skipped-folders':
      return addNew(files, withBytes.filter((f) => LOG.test(f.path)).flatMap((f) => ['.git', 'node_modules', 'checkpoints', 'wandb'].map((d) => ({ path: `run/${d}/${f.path.split('/').pop()}`, bytes: enc('garbage\0') }))));
    case 'duplicate-content': {
      const f = pick(withBytes);
      return f ? addNew(files, [{ path: join(dirname(f.path), 'copy', f.path.split('/').pop()!), bytes: f.bytes }]) : files;
    }
    case 'two-runs': {
      const other = fixtureRun(RUN_IDS[m.v % RUN_IDS.length]!);
      return addNew(files, other.map((f) => ({ ...f, path: f.path.replace(/^run\//, 'run/other/') })));
    }
  }
}

/** Run folders rearranged 1 to 3 times, one file hit by blind bytes in one case of three. */
export function runFolderCases(scale: FuzzScale): fc.Arbitrary<FuzzCase> {
  const maxFiles = scale.long ? 20000 : 400;
  return fc
    .record({
      run: fc.constantFrom(...RUN_IDS),
      muts: fc.array(fc.record({ op: fc.constantFrom(...RUN_OPS), pick: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), v: fc.nat({ max: 1000 }), n: counts(scale) }), { minLength: 1, maxLength: 3 }),
      bytes: byteMutations,
      victim: fc.nat(),
      lenient: fc.boolean(),
      given: fc.boolean(),
    })
    .map(({ run, muts, bytes, victim, lenient, given }) => {
      let files = fixtureRun(run).map((f) => ({ ...f }));
      for (const m of muts) files = applyRun(files, m, maxFiles);
      const real = files.filter((f) => f.bytes && f.bytes.length);
      const hit = real[victim % Math.max(1, real.length)];
      if (hit && bytes.length) hit.bytes = mutateBytes(hit.bytes!, bytes);
      // at least the folder itself (every file may have been dropped)
      if (!files.some((f) => f.path === 'run')) files.unshift({ path: 'run' });
      return { files, target: 'run', lenient, given, tags: [run, ...muts.map((m) => m.op), ...tag(bytes)] };
    });
}
