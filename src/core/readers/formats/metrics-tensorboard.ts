/**
 * TensorBoard event files as a metric log: scalar tags become metrics (per class where the tag
 * names one), PR curves become binned probability histograms (analysis/binned.ts recomputes an
 * approximate per-class focal loss from them). The event files of one run (`train/`,
 * `validation/`, or a logger's version folder) are read as one log.
 */
import { basename, dirname } from 'node:path';
import type { FileHead, MetricFormatSpec, MetricReadOptions } from '../registry';
import { MetricLogBuilder } from '../metrics/builder';
import { parseMetricKey } from '../metrics/keys';
import type { MetricLog, PrCurveSeries } from '../metrics/types';
import { isEventFileName, looksLikeEventFile, readEventFile } from '../tensorboard';

/** The split a folder name says (Keras' TensorBoard callback writes logs/train and logs/validation). */
function folderSplit(path: string): string | undefined {
  const d = basename(dirname(path)).toLowerCase();
  if (d === 'validation' || d === 'val' || d === 'eval') return 'val';
  if (d === 'train' || d === 'training') return 'train';
  return undefined;
}

const metricTags = new Map<string, boolean>();
function isMetricTag(tag: string): boolean {
  let yes = metricTags.get(tag);
  if (yes === undefined) metricTags.set(tag, (yes = parseMetricKey(tag) !== null && !tag.endsWith('_vs_iterations')));
  return yes;
}

/** A tag's points kept compactly (two packed number arrays, not an object a point). */
interface Series {
  steps: number[];
  values: number[];
}

/**
 * Epoch of each step: Lightning logs an `epoch` scalar at every logged step; where there is none
 * (Keras logs epoch_* tags per epoch) the step is the epoch.
 */
function epochOfStep(epochTag: Series | undefined): (step: number) => number {
  if (!epochTag?.steps.length) return (step) => step;
  const map = new Map(epochTag.steps.map((s, i) => [s, Math.round(epochTag.values[i]!)]));
  const sorted = [...map.keys()].sort((a, b) => a - b);
  return (step) => {
    const exact = map.get(step);
    if (exact !== undefined) return exact;
    // the epoch of the nearest earlier logged step
    let lo = 0;
    let hi = sorted.length - 1;
    let best = sorted[0]!;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]! <= step) {
        best = sorted[mid]!;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return map.get(best)!;
  };
}

async function readAll(heads: FileHead[], opts: MetricReadOptions): Promise<MetricLog> {
  const first = heads[0]!;
  const b = new MetricLogBuilder('tensorboard', heads.length === 1 ? first.name : dirname(first.name) || first.name, heads.some((h) => folderSplit(h.path)) ? 'keras' : 'lightning');
  const curves: PrCurveSeries[] = [];
  for (const head of heads) {
    const series = new Map<string, Series>();
    const onScalar = (tag: string, step: number, value: number): void => {
      // only what the verdict can use (per-class metrics, rates) and the step -> epoch map: a
      // loss logged at every training step would otherwise be most of the file
      if (tag !== 'epoch' && !isMetricTag(tag)) return;
      let s = series.get(tag);
      if (!s) series.set(tag, (s = { steps: [], values: [] }));
      s.steps.push(step);
      s.values.push(value);
    };
    const contents = await readEventFile(head.path, { displayName: head.name, onScalar, ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.onBytes ? { onBytes: opts.onBytes } : {}) });
    for (const issue of contents.issues) b.skip(issue);
    b.skipped += Math.max(0, contents.skippedRecords - contents.issues.length);
    const epochOf = epochOfStep(series.get('epoch'));
    const split = folderSplit(head.path);
    for (const [tag, s] of series) {
      // Keras also writes every validation metric against the training iteration: the epoch_* tags hold the same values per epoch
      if (tag === 'epoch' || tag.endsWith('_vs_iterations')) continue;
      for (let i = 0; i < s.steps.length; i++) b.record(epochOf(s.steps[i]!), [[tag, s.values[i]]], { step: s.steps[i]!, ...(split ? { split } : {}) });
    }
    for (const [tag, points] of contents.prCurves) {
      curves.push({
        tag,
        file: head.name,
        class: null,
        points: points.map((p) => ({ epoch: p.step, step: p.step, numThresholds: p.numThresholds, tp: p.tp, fp: p.fp, tn: p.tn, fn: p.fn })),
      });
    }
  }
  const log = b.build();
  if (curves.length) log.prCurves = curves;
  return log;
}

export const tensorboardEvents: MetricFormatSpec = {
  id: 'tensorboard',
  label: 'TensorBoard event files',
  role: 'metrics',
  claims: { patterns: [{ glob: 'events.out.tfevents.*', regex: /^events\.out\.tfevents\./ }] },
  sniff: (head) => (looksLikeEventFile(head.bytes) ? 2 : 0),
  example: 'lightning_logs/version_0/events.out.tfevents.1796150045.host.8957.0 (scalars + add_pr_curve), logs/{train,validation}/events.out.tfevents.*.v2 (Keras)',
  read: (head, opts) => readAll([head], opts),
  readGroup: (heads, opts) => readAll(heads.filter((h) => isEventFileName(h.base)).sort((a, b) => a.path.localeCompare(b.path)), opts),
};
