/**
 * MMEngine / MMDetection 3.x `vis_data/scalars.json` (LocalVisBackend; the same lines go to
 * `vis_data/<timestamp>.json`): train lines with `step` = global iteration, validation lines with
 * `step` = epoch and the evaluator's keys (`coco/bbox_mAP`, `cls/<class>_recall`).
 */
import type { MetricFormatSpec } from '../registry';
import { MetricLogBuilder } from '../metrics/builder';
import { firstJsonObject } from './magic';
import { readByLines } from '../metrics/text';
import { JsonMetricLines, num } from './metrics-jsonl-common';

const TRAIN_KEYS = ['lr', 'loss', 'data_time', 'time', 'iter', 'memory', 'grad_norm'];

function lines(name: string): JsonMetricLines {
  const b = new MetricLogBuilder('mmengine-scalars', name, 'mmengine');
  return new JsonMetricLines(b, (o, line) => {
    const step = num(o.step);
    if (step === undefined) return;
    // a validation line: evaluator keys and no training-loop keys; its step is the epoch
    const isTrain = 'lr' in o || 'loss' in o || 'iter' in o;
    if (isTrain) return;
    b.record(step, Object.entries(o), { line, split: 'val' });
  });
}

export const mmengineScalars: MetricFormatSpec = {
  id: 'mmengine-scalars',
  label: 'MMEngine scalars.json',
  role: 'metrics',
  claims: { fileNames: ['scalars.json'] },
  sniff(head) {
    const o = firstJsonObject(head.lines);
    if (!o || 'mode' in o || 'iteration' in o || 'env_info' in o) return 0;
    return 'step' in o && Object.keys(o).some((k) => TRAIN_KEYS.includes(k) || k.includes('/')) ? 2 : 0;
  },
  example: 'work_dirs/retinanet/20240611_101500/vis_data/scalars.json + the run config (vis_data/config.py)',
  lineSink: lines,
  read: (head, opts) => readByLines(lines(head.name), head, opts),
};
