/**
 * Detectron2 `metrics.json` (JSONWriter): one JSON line per logging period keyed by `iteration`;
 * evaluation results (`bbox/AP-<class>` or a custom evaluator's keys) on their own lines, not
 * always in iteration order.
 */
import type { MetricFormatSpec } from '../registry';
import { MetricLogBuilder } from '../metrics/builder';
import { firstJsonObject } from './magic';
import { readByLines } from '../metrics/text';
import { JsonMetricLines, num } from './metrics-jsonl-common';

function lines(name: string): JsonMetricLines {
  const b = new MetricLogBuilder('detectron2-metrics', name, 'detectron2', 'iteration');
  return new JsonMetricLines(b, (o, line) => {
    const it = num(o.iteration);
    if (it === undefined) return;
    // the builder keeps only iterations with evaluation metrics; the iteration is the epoch axis
    b.record(it, Object.entries(o), { line });
    // Faster R-CNN's training statistic: the share of foreground proposals classified as
    // background is 1 - the foreground recall (judged when no evaluation was logged)
    const fn = num(o['fast_rcnn/false_negative']);
    if (fn !== undefined) b.record(it, [['train_recall_foreground', 1 - fn]], { line });
  });
}

export const detectron2Metrics: MetricFormatSpec = {
  id: 'detectron2-metrics',
  label: 'Detectron2 metrics.json',
  role: 'metrics',
  claims: { fileNames: ['metrics.json'] },
  sniff(head) {
    const o = firstJsonObject(head.lines);
    return o && 'iteration' in o ? 2 : 0;
  },
  example: 'output/metrics.json + output/config.yaml (MODEL.RETINANET.FOCAL_LOSS_ALPHA / _GAMMA)',
  lineSink: lines,
  read: (head, opts) => readByLines(lines(head.name), head, opts),
};
