/** PyTorch Lightning CSVLogger `metrics.csv`: sparse rows (train and val logged apart) merged by epoch. */
import type { MetricFormatSpec } from '../registry';
import { readByLines } from '../metrics/text';
import { MetricLogBuilder } from '../metrics/builder';
import { csvHeader, hasDumpColumns, CsvMetricRows } from './metrics-csv-common';

const rows = (name: string) => new CsvMetricRows(new MetricLogBuilder('lightning-csv', name, 'lightning'));

export const lightningMetrics: MetricFormatSpec = {
  id: 'lightning-csv',
  label: 'Lightning metrics.csv',
  role: 'metrics',
  claims: { fileNames: ['metrics.csv'] },
  sniff(head) {
    const cells = csvHeader(head);
    if (!cells || hasDumpColumns(cells)) return 0;
    return cells.includes('step') && cells.includes('epoch') && cells.length > 2 ? 2 : 0;
  },
  example: 'lightning_logs/version_0/metrics.csv (epoch,step,train_loss,val_loss,val_recall_pos,...) + hparams.yaml',
  lineSink: rows,
  read: (head, opts) => readByLines(rows(head.name), head, opts),
};
