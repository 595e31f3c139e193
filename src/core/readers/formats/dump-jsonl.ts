/** JSONL prediction dump (optionally gzip): a `{"meta": ...}` line, then per-sample or per-batch records. */
import type { DumpFormatSpec } from '../registry';
import { ARRAY_KEYS } from '../dump-source';
import { firstJsonObject, isGzip } from './magic';

const RECORD_KEYS = new Set(ARRAY_KEYS);

export const jsonlDump: DumpFormatSpec = {
  id: 'jsonl',
  label: 'JSONL',
  role: 'predictions',
  claims: { extensions: ['.jsonl', '.ndjson', '.jsonl.gz', '.ndjson.gz'] },
  sniff(head) {
    if (isGzip(head.bytes)) return /\.(csv|tsv)\.gz$/i.test(head.base) ? 0 : /\.(jsonl|ndjson|json)\.gz$/i.test(head.base) ? 2 : 1;
    const first = firstJsonObject(head.lines);
    if (!first) return 0;
    if ('meta' in first) return 2;
    const keys = Object.keys(first);
    return keys.some((k) => ['target', 'targets', 'label', 'labels', 'y'].includes(k)) && keys.some((k) => RECORD_KEYS.has(k) && !['target', 'targets', 'label', 'labels', 'y'].includes(k)) ? 2 : 0;
  },
  example: 'runs/val_preds.jsonl: {"meta": {"loss": "sigmoid_focal", "alpha": 0.25, "gamma": 2}} then {"epoch": 3, "targets": [0, 1], "logits": [-2.1, 0.3]}',
  async source(head) {
    return { family: 'text', kind: 'jsonl', gzip: isGzip(head.bytes), paths: [head.path], format: 'jsonl' };
  },
};
