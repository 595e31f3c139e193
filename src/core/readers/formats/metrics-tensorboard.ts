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
import { EventFileReader, isEventFileName, looksLikeEventFile, type EventFileContents } from '../tensorboard';

/** The split a folder name says (Keras' TensorBoard callback writes logs/train and logs/validation). */
function folderSplit(path: string): string | undefined {
  const d = basename(dirname(path)).toLowerCase();
  if (d === 'validation' || d === 'val' || d === 'eval') return 'val';
  if (d === 'train' || d === 'training') return 'train';
  return undefined;
}

/** Tags already judged (a file repeats its few tags at every step); bounded, as a long watch reads many files. */
const metricTags = new Map<string, boolean>();
const MAX_REMEMBERED_TAGS = 4096;
function isMetricTag(tag: string): boolean {
  let yes = metricTags.get(tag);
  if (yes === undefined) {
    if (metricTags.size >= MAX_REMEMBERED_TAGS) metricTags.clear();
    metricTags.set(tag, (yes = parseMetricKey(tag) !== null && !tag.endsWith('_vs_iterations')));
  }
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

/**
 * One event file's metric points, kept compactly as its records are read: all at once, or in parts
 * as a live run appends them (the watch). Only what the verdict can use (per-class metrics, rates)
 * and the step -> epoch map is kept: a loss logged at every training step would otherwise be most
 * of the file.
 */
export class EventFileMetrics {
  readonly series = new Map<string, Series>();
  private readonly reader: EventFileReader;

  constructor(readonly head: FileHead) {
    this.reader = new EventFileReader({
      displayName: head.name,
      onScalar: (tag, step, value) => {
        if (tag !== 'epoch' && !isMetricTag(tag)) return;
        let s = this.series.get(tag);
        if (!s) this.series.set(tag, (s = { steps: [], values: [] }));
        s.steps.push(step);
        s.values.push(value);
      },
    });
  }

  /** Read on from where the last read ended (`growing`: a record cut short at the end waits for the next read). */
  read(opts: MetricReadOptions & { growing?: boolean }): Promise<void> {
    return this.reader.read(this.head.path, opts);
  }

  get contents(): EventFileContents {
    return this.reader.contents;
  }
}

/** The metric log of a run's event files (their points so far). */
export function eventFilesLog(files: readonly EventFileMetrics[]): MetricLog {
  const first = files[0]!.head;
  const b = new MetricLogBuilder('tensorboard', files.length === 1 ? first.name : dirname(first.name) || first.name, files.some((f) => folderSplit(f.head.path)) ? 'keras' : 'lightning');
  const curves: PrCurveSeries[] = [];
  for (const { head, series, contents } of files) {
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

/** The event file names of a group, in reading order. */
export function eventFileGroup(heads: FileHead[]): FileHead[] {
  return heads.filter((h) => isEventFileName(h.base)).sort((a, b) => a.path.localeCompare(b.path));
}

async function readAll(heads: FileHead[], opts: MetricReadOptions): Promise<MetricLog> {
  const files = heads.map((h) => new EventFileMetrics(h));
  for (const f of files) await f.read(opts);
  return eventFilesLog(files);
}

export const tensorboardEvents: MetricFormatSpec = {
  id: 'tensorboard',
  label: 'TensorBoard event files',
  role: 'metrics',
  claims: { patterns: [{ glob: 'events.out.tfevents.*', regex: /^events\.out\.tfevents\./ }] },
  sniff: (head) => (looksLikeEventFile(head.bytes) ? 2 : 0),
  example: 'lightning_logs/version_0/events.out.tfevents.1796150045.host.8957.0 (scalars + add_pr_curve), logs/{train,validation}/events.out.tfevents.*.v2 (Keras)',
  read: (head, opts) => readAll([head], opts),
  readGroup: (heads, opts) => readAll(eventFileGroup(heads), opts),
};
