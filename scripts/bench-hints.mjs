// Config hints speed (issue 4): parse + hints for a 3,000-line Python config, in process, with a
// budget of 20 ms. Bundles src/core/hints with esbuild into bench-data/ (git-ignored), then times
// analyzeHints on two generated files: a realistic one (a merged MMDetection-style config where a
// few statements mention the focal loss) and a worst case (every statement is a RetinaNet config
// with a FocalLoss dict, so the whole file is parsed). Prints median and p95 wall time and CPU time.
// Run by `npm run bench` (section "config hints") or alone: node scripts/bench-hints.mjs
import * as esbuild from 'esbuild';
import { mkdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'bench-data', 'hints-bench.cjs');
mkdirSync(dirname(out), { recursive: true });
await esbuild.build({
  entryPoints: [join(root, 'src/core/hints/index.ts')],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // jsonc-parser's UMD main does a dynamic require that bundles break; its ESM build does not.
  mainFields: ['module', 'main'],
  outfile: out,
  logLevel: 'warning',
});
const { analyzeHints } = createRequire(import.meta.url)(out);
const BUDGET_MS = 20;
const LINES = 3000;
const retina = readFileSync(join(root, 'examples/configs/retinanet_r50_fpn_1x_coco.py'), 'utf8');

function realistic() {
  // One model dict with the focal loss, then thousands of lines of pipelines, datasets, schedules.
  const parts = ["_base_ = ['../_base_/default_runtime.py']", 'from mmdet.models.losses import FocalLoss', retina];
  let i = 0;
  while (parts.join('\n').split('\n').length < LINES) {
    parts.push(
      `train_pipeline_${i} = [`,
      "    dict(type='LoadImageFromFile', backend_args=None),",
      "    dict(type='LoadAnnotations', with_bbox=True),",
      `    dict(type='RandomResize', scale=(1333, ${640 + i}), ratio_range=(0.1, 2.0), keep_ratio=True),`,
      "    dict(type='RandomCrop', crop_type='absolute_range', crop_size=(640, 640), recompute_bbox=True, allow_negative_crop=True),",
      "    dict(type='RandomFlip', prob=0.5),",
      "    dict(type='PackDetInputs')",
      ']',
      `train_dataloader_${i} = dict(`,
      '    batch_size=2,',
      '    num_workers=2,',
      "    dataset=dict(type='CocoDataset', data_root='data/coco/', ann_file='annotations/instances_train2017.json',",
      `                 data_prefix=dict(img='train2017/'), pipeline=train_pipeline_${i}))`,
      `param_scheduler_${i} = [dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=500),`,
      '                   dict(type=\'MultiStepLR\', begin=0, end=12, by_epoch=True, milestones=[8, 11], gamma=0.1)]',
      '',
    );
    i++;
  }
  return parts.join('\n').split('\n').slice(0, LINES).join('\n') + '\n';
}

function worst() {
  let text = '';
  let k = 0;
  while (text.split('\n').length < LINES) text += retina.replace(/^model = /m, `model_${k++} = `);
  return text.split('\n').slice(0, LINES).join('\n') + '\n';
}

function time(text, runs = 60) {
  for (let i = 0; i < 5; i++) analyzeHints(text, 'python');
  const wall = [];
  const cpu = [];
  let findings = 0;
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    findings = analyzeHints(text, 'python').result.findings.length;
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  const q = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
  return { median: q(wall, 0.5), p95: q(wall, 0.95), cpu: q(cpu, 0.5), findings };
}

console.log(`\nconfig hints: ${LINES}-line Python config, in process (budget ${BUDGET_MS} ms; load average ${loadavg()[0].toFixed(1)} on ${cpus().length} cores: on a busy machine wall time exceeds CPU time)`);
console.log('| case | KiB | findings | median ms | p95 ms | median CPU ms | budget |');
console.log('|---|---|---|---|---|---|---|');
for (const [name, text] of [['realistic MMDetection config', realistic()], ['worst case: every statement a FocalLoss config', worst()]]) {
  const r = time(text);
  const ok = r.median <= BUDGET_MS ? 'ok' : 'MISSED';
  console.log(`| ${name} | ${(text.length / 1024).toFixed(0)} | ${r.findings} | ${r.median.toFixed(1)} | ${r.p95.toFixed(1)} | ${r.cpu.toFixed(1)} | ${ok} |`);
}
