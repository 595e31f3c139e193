/**
 * scikit-learn `classification_report` text, pasted or printed to a file (one report, or one per
 * epoch after a line naming the epoch). sklearn's "no predicted samples" warning text marks a class
 * that was never predicted.
 */
import type { MetricFormatSpec } from '../registry';
import { MetricLogBuilder } from '../metrics/builder';
import { lineBatches } from '../metrics/text';

const HEADER = /^\s*precision\s+recall\s+f1-score\s+support\s*$/;
const SUMMARY = /^(accuracy|macro avg|weighted avg|micro avg|samples avg)$/;
/** `  class name   0.95   0.12   0.21   300` (class names may hold spaces). */
const ROW = /^\s*(.+?)\s+(\d*\.\d+|\d+)\s+(\d*\.\d+|\d+)\s+(\d*\.\d+|\d+)\s+(\d+)\s*$/;
const EPOCH = /\bepoch\s*[:=#]?\s*(\d+)/i;

export const sklearnReport: MetricFormatSpec = {
  id: 'sklearn-report',
  label: 'scikit-learn classification_report',
  role: 'metrics',
  claims: { fileNames: ['classification_report.txt'], patterns: [{ glob: '*report*.txt', regex: /report.*\.txt$/i }] },
  sniff: (head) => (head.lines.some((l) => HEADER.test(l)) ? 2 : 0),
  example: 'reports/val_epoch_05.txt holding print(classification_report(y_true, y_pred, target_names=names))',
  async read(head, opts) {
    const b = new MetricLogBuilder('sklearn-report', head.name, 'pytorch');
    let epoch = -1;
    let nextEpoch: number | null = null;
    let inReport = false;
    let reports = 0;
    const all: Array<{ text: string; line: number }> = [];
    for await (const batch of lineBatches(head.path, head.name, opts)) batch.lines.forEach((text, k) => text.trim() !== '' && all.push({ text, line: batch.firstLine + k }));
    for (const l of all) {
      if (HEADER.test(l.text)) {
        epoch = nextEpoch ?? reports;
        nextEpoch = null;
        reports++;
        inReport = true;
        continue;
      }
      const m = ROW.exec(l.text);
      if (inReport && m && !SUMMARY.test(m[1]!.trim())) {
        const cls = m[1]!.trim();
        b.record(epoch, [[`precision_${cls}`, Number(m[2])], [`recall_${cls}`, Number(m[3])], [`f1_${cls}`, Number(m[4])], [`support_${cls}`, Number(m[5])]], { line: l.line, split: 'val' });
        continue;
      }
      if (inReport && /^\s*accuracy\s/.test(l.text)) continue;
      if (/avg/.test(l.text) && inReport) continue;
      const e = EPOCH.exec(l.text);
      if (e) {
        nextEpoch = Number(e[1]);
        inReport = false;
      }
    }
    return b.build();
  },
};
