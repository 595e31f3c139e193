/** CSV / TSV prediction dump (optionally gzip): epoch, target, logit_0.. (or p_0..) columns. */
import type { DumpFormatSpec } from '../registry';
import { csvLayout } from '../text-reader';
import { isGzip } from './magic';

export const csvDump: DumpFormatSpec = {
  id: 'csv',
  label: 'CSV/TSV',
  role: 'predictions',
  claims: { extensions: ['.csv', '.tsv', '.csv.gz', '.tsv.gz'] },
  sniff(head) {
    if (isGzip(head.bytes)) return /\.(csv|tsv)\.gz$/i.test(head.base) ? 2 : 0;
    const header = head.lines[0];
    if (header === undefined || header.trimStart().startsWith('{')) return 0;
    try {
      csvLayout(header, head.name);
      return 2;
    } catch {
      return 0;
    }
  },
  example: 'preds/val.csv: epoch,target,logit_0,logit_1,logit_2',
  async source(head) {
    return { family: 'text', kind: 'csv', gzip: isGzip(head.bytes), paths: [head.path], format: 'csv' };
  },
};
