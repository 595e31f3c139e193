/**
 * Hugging Face Trainer `trainer_state.json` (also saved in every `checkpoint-N/`): `log_history`
 * mixes training entries (`loss`, `learning_rate`) and evaluation entries (`eval_*`, including the
 * per-class keys a `compute_metrics` returns), each with a float `epoch` and the `step`.
 */
import type { MetricFormatSpec } from '../registry';
import { MetricLogBuilder } from '../metrics/builder';
import { lineOfFirst, readJsonDocument } from '../metrics/text';
import { InputError } from '../errors';

export const hfTrainerState: MetricFormatSpec = {
  id: 'hf-trainer-state',
  label: 'Hugging Face trainer_state.json',
  role: 'metrics',
  claims: { fileNames: ['trainer_state.json'] },
  sniff: (head) => (head.text !== null && /"log_history"\s*:/.test(head.text) ? 2 : 0),
  example: 'output/trainer_state.json (or output/checkpoint-1185/trainer_state.json) + the checkpoint\'s config.json',
  async read(head, opts) {
    const doc = await readJsonDocument(head.path, head.name, opts);
    const history = (doc as { log_history?: unknown } | null)?.log_history;
    if (!Array.isArray(history)) {
      // the key's line, else the line where the document (that lacks it) starts
      const line = (await lineOfFirst(head.path, /"log_history"\s*:/)) ?? (await lineOfFirst(head.path, /\S/));
      throw new InputError({ file: head.name, ...(line !== undefined ? { line } : {}) }, 'expected "log_history" to be a list of log entries');
    }
    const b = new MetricLogBuilder('hf-trainer-state', head.name, 'huggingface');
    history.forEach((entry: unknown, i: number) => {
      if (typeof entry !== 'object' || entry === null) {
        b.skip({ file: head.name, message: `log_history[${i}] is not an object` });
        return;
      }
      const e = entry as Record<string, unknown>;
      if (!Object.keys(e).some((k) => k.startsWith('eval_'))) return;
      const epoch = typeof e.epoch === 'number' ? e.epoch : undefined;
      const step = typeof e.step === 'number' ? e.step : undefined;
      // epochs are floats (1.0 after the first); evaluations by steps fall between them
      const at = epoch !== undefined ? Math.round(epoch * 1000) / 1000 : step;
      if (at === undefined) return;
      b.record(at, Object.entries(e), step !== undefined ? { step } : {});
    });
    if (history.length && !history.some((e) => typeof e === 'object' && e !== null && 'epoch' in e)) b.epochKey = 'step';
    return b.build();
  },
};
