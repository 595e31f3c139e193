/**
 * MMDetection 2.x `*.log.json` (mmcv TextLoggerHook): a first line with the run's meta (env_info,
 * config text, seed), then `"mode": "train"` and `"mode": "val"` lines with the epoch.
 */
import type { MetricFormatSpec } from '../registry';
import { MetricLogBuilder } from '../metrics/builder';
import { configTextSettings } from '../../run/config-settings';
import { firstJsonObject } from './magic';
import { readByLines } from '../metrics/text';
import { JsonMetricLines, num } from './metrics-jsonl-common';

function lines(name: string): JsonMetricLines {
  const b = new MetricLogBuilder('mmdet2-log', name, 'mmdet2');
  return new JsonMetricLines(b, (o, line) => {
    if (typeof o.config === 'string') {
      // the meta line carries the whole config text: the run's own record of its loss settings
      for (const s of configTextSettings(o.config, 'python', name, 'the log\'s meta config')) b.settings.push({ ...s, origin: { ...s.origin, kind: 'log', line } });
      return;
    }
    const epoch = num(o.epoch);
    if (o.mode !== 'val' || epoch === undefined) return;
    b.record(epoch, Object.entries(o), { line, split: 'val' });
  });
}

export const mmdet2Log: MetricFormatSpec = {
  id: 'mmdet2-log',
  label: 'MMDetection 2.x *.log.json',
  role: 'metrics',
  claims: { patterns: [{ glob: '*.log.json', regex: /\.log\.json$/i }] },
  sniff(head) {
    const o = firstJsonObject(head.lines);
    if (!o) return 0;
    if ('env_info' in o || ('config' in o && 'seed' in o)) return 2;
    return o.mode === 'train' || o.mode === 'val' ? 2 : 0;
  },
  example: 'work_dirs/retinanet/20230215_093012.log.json + the run config retinanet_*.py',
  lineSink: lines,
  read: (head, opts) => readByLines(lines(head.name), head, opts),
};
