/** PyTorch Lightning CSVLogger `metrics.csv`: sparse rows (train and val logged apart) merged by epoch. */
import type { MetricFormatSpec } from '../registry';
import { MetricLogBuilder } from '../metrics/builder';
import { csvHeader, hasDumpColumns, readCsvMetrics } from './metrics-csv-common';

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
  async read(head, opts) {
    const b = new MetricLogBuilder('lightning-csv', head.name, 'lightning');
    await readCsvMetrics(head, b, opts);
    return b.build();
  },
};
