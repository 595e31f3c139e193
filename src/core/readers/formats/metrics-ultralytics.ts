/** Ultralytics / YOLOv5 `results.csv`: space-padded headers, mean precision/recall/mAP per epoch. */
import type { MetricFormatSpec } from '../registry';
import { readByLines } from '../metrics/text';
import { MetricLogBuilder } from '../metrics/builder';
import { csvHeader, CsvMetricRows } from './metrics-csv-common';

const rows = (name: string) => new CsvMetricRows(new MetricLogBuilder('ultralytics-csv', name, 'ultralytics'));

export const ultralyticsResults: MetricFormatSpec = {
  id: 'ultralytics-csv',
  label: 'Ultralytics results.csv',
  role: 'metrics',
  claims: { fileNames: ['results.csv'] },
  sniff(head) {
    const cells = csvHeader(head);
    if (!cells || !cells.includes('epoch')) return 0;
    return cells.some((c) => c.startsWith('metrics/') || /^train\/(box|cls|obj|dfl)_loss$/.test(c)) ? 2 : 0;
  },
  example: 'runs/detect/train/results.csv (epoch, train/box_loss, ..., metrics/precision(B), metrics/recall(B), metrics/mAP50(B)) + args.yaml',
  lineSink: rows,
  read: (head, opts) => readByLines(rows(head.name), head, opts),
};
