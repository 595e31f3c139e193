/** Keras CSVLogger (`training.log` or any name): `epoch,<sorted metric names>`, `NA` for missing, quoted vectors. */
import type { MetricFormatSpec } from '../registry';
import { readByLines } from '../metrics/text';
import { MetricLogBuilder } from '../metrics/builder';
import { csvHeader, hasDumpColumns, CsvMetricRows } from './metrics-csv-common';

const rows = (name: string) => new CsvMetricRows(new MetricLogBuilder('keras-csv', name, 'keras'));

export const kerasCsvMetrics: MetricFormatSpec = {
  id: 'keras-csv',
  label: 'Keras CSVLogger',
  role: 'metrics',
  claims: { fileNames: ['training.log'] },
  sniff(head) {
    const cells = csvHeader(head);
    if (!cells || hasDumpColumns(cells) || cells[0] !== 'epoch' || cells.includes('step')) return 0;
    // Keras writes the metric names sorted, with loss and val_ twins
    return cells.includes('loss') || cells.some((c) => c.startsWith('val_')) ? 2 : 0;
  },
  example: 'training.log (epoch,f1_score,loss,precision,recall,val_f1_score,val_loss,val_precision,val_recall)',
  lineSink: rows,
  read: (head, opts) => readByLines(rows(head.name), head, opts),
};
