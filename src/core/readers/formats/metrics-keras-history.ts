/** Keras `History.history` saved as JSON: `{"loss": [...], "val_recall": [...], "val_f1_score": [[...], ...]}`. */
import type { MetricFormatSpec } from '../registry';
import { MetricLogBuilder } from '../metrics/builder';
import { lineOfFirst, readJsonDocument } from '../metrics/text';
import { InputError } from '../errors';

export const kerasHistory: MetricFormatSpec = {
  id: 'keras-history',
  label: 'Keras History JSON',
  role: 'metrics',
  claims: { fileNames: ['history.json'] },
  sniff(head) {
    if (head.text === null || !/^\s*\{\s*"[^"]+"\s*:\s*\[/.test(head.text)) return 0;
    return /"(val_)?loss"\s*:\s*\[/.test(head.text) ? 2 : 0;
  },
  example: 'history.json written by json.dump(model.fit(...).history, f)',
  async read(head, opts) {
    const doc = await readJsonDocument(head.path, head.name, opts);
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
      const line = await lineOfFirst(head.path, /\S/);
      throw new InputError({ file: head.name, ...(line !== undefined ? { line } : {}) }, 'expected a JSON object of metric lists (History.history)');
    }
    const lists = Object.entries(doc as Record<string, unknown>).filter((kv): kv is [string, unknown[]] => Array.isArray(kv[1]));
    const epochs = Math.max(0, ...lists.map(([, v]) => v.length));
    const b = new MetricLogBuilder('keras-history', head.name, 'keras');
    // History has no epoch numbers: list index i is epoch i, counted from 0 like Keras' own logs
    for (let i = 0; i < epochs; i++) b.record(i, lists.map(([k, v]): [string, unknown] => [k, v[i]]));
    return b.build();
  },
};
