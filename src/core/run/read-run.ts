/**
 * Reads what a run scan found besides its prediction dumps: the configs' loss settings and the
 * metric logs (event files of one run read together), so that the analysis can take alpha and
 * gamma from the run and judge it from its logs when there is no dump.
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { MetricFormatSpec } from '../readers/registry';
import type { ScannedFile, RunScan } from '../readers/scan';
import type { MetricLog } from '../readers/metrics/types';
import type { InputIssue, InputSource } from '../report';
import { MAX_KEPT_ISSUES } from '../readers/errors';
import { MAX_CONFIG_BYTES } from '../readers/limits';
import { describeOrigin, type FoundSetting } from './settings';

export interface RunLog {
  files: ScannedFile[];
  log: MetricLog;
}

export interface RunContents {
  scan: RunScan;
  logs: RunLog[];
  /** Settings from the configs and the logs themselves, with their origins. */
  settings: FoundSetting[];
  /** Configs and what each gave, for the report's sources. */
  configSources: InputSource[];
}

export interface ReadRunOptions {
  signal?: AbortSignal;
  onBytes?(n: number): void;
}

const SPLIT_FOLDER = /^(train|training|validation|val|eval)$/i;

/** The folder that holds one run's event files (logs/ for Keras' logs/train + logs/validation). */
function groupFolder(path: string): string {
  const dir = dirname(path);
  return SPLIT_FOLDER.test(basename(dir)) ? dirname(dir) : dir;
}

/** The loss settings of the run's configs, and what each config gave (for the report's sources). */
export async function readRunConfigs(scan: RunScan): Promise<Pick<RunContents, 'settings' | 'configSources'>> {
  const settings: FoundSetting[] = [];
  const configSources: InputSource[] = [];
  for (const f of scan.files) {
    if (f.format.role !== 'config') continue;
    if (f.head.size > MAX_CONFIG_BYTES) {
      // a hparams.yaml is claimed by its name whatever its size: say why its settings are not used
      configSources.push({ file: f.head.name, format: f.format.id, label: f.format.label, role: 'config', used: `not read: ${f.head.size} bytes is more than the ${MAX_CONFIG_BYTES >> 10} KiB a config is read up to` });
      continue;
    }
    const text = await readFile(f.head.path, 'utf8');
    const found = f.format.settings(f.head, text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    settings.push(...found);
    const names = [...new Set(found.filter((s) => s.origin.kind === 'config').map((s) => s.name))];
    configSources.push({ file: f.head.name, format: f.format.id, label: f.format.label, role: 'config', used: names.length ? names.join(', ') : 'no loss settings' });
  }
  return { settings, configSources };
}

/** A metric log of the run: one file, or the files of a format that reads them together (one run's event files). */
export interface MetricLogGroup {
  spec: MetricFormatSpec;
  /** One file, or several read through spec.readGroup. */
  files: ScannedFile[];
}

/** Which log a metric file is part of, for formats whose files of one run are read together; null for a log of its own. */
export function metricGroupKey(f: ScannedFile): string | null {
  return f.format.role === 'metrics' && f.format.readGroup ? `${f.format.id}\0${groupFolder(f.head.path)}` : null;
}

/** The run's metric files as logs: each file its own, event files of one run's folder together. */
export function metricLogGroups(files: readonly ScannedFile[]): MetricLogGroup[] {
  const single: MetricLogGroup[] = [];
  const grouped = new Map<string, MetricLogGroup>();
  for (const f of files) {
    if (f.format.role !== 'metrics') continue;
    const spec = f.format;
    const key = metricGroupKey(f);
    if (key === null) {
      single.push({ spec, files: [f] });
      continue;
    }
    const group = grouped.get(key);
    if (group) group.files.push(f);
    else grouped.set(key, { spec, files: [f] });
  }
  return [...single, ...grouped.values()];
}

export async function readRun(scan: RunScan, opts: ReadRunOptions = {}): Promise<RunContents> {
  const { settings, configSources } = await readRunConfigs(scan);
  const logs: RunLog[] = [];
  for (const { spec, files } of metricLogGroups(scan.files)) {
    logs.push({ files, log: spec.readGroup ? await spec.readGroup(files.map((f) => f.head), opts) : await spec.read(files[0]!.head, opts) });
  }
  for (const l of logs) settings.push(...l.log.settings);
  return { scan, logs, settings, configSources };
}

/** Unreadable records of every log of the run (counted; the first reasons kept). */
export function runIssues(run: RunContents): { skipped: number; issues: InputIssue[] } | null {
  const skipped = run.logs.reduce((n, l) => n + l.log.skipped, 0);
  if (skipped === 0) return null;
  return { skipped, issues: run.logs.flatMap((l) => l.log.issues).slice(0, MAX_KEPT_ISSUES) };
}

/** How rich a log's per-class evidence is, to pick the one the verdict is judged from. */
export function evidenceRank(log: MetricLog): number {
  let both = 0;
  let recallOnly = 0;
  const last = log.epochs[log.epochs.length - 1];
  if (!last) return 0;
  for (const m of last.perClass.values()) {
    if (m.recall !== undefined && m.precision !== undefined) both++;
    else if (m.recall !== undefined || m.accuracy !== undefined) recallOnly++;
  }
  const head = last.mean && last.mean.recall !== undefined && last.mean.precision !== undefined ? 1 : 0;
  return both * 100 + recallOnly * 10 + head * 10 + (last.predPositiveRate !== undefined ? 5 : 0) + Math.min(log.epochs.length, 999) / 1000;
}

/** "csv/version_0/hparams.yaml:1 (alpha)" for each chosen setting. */
export function originWords(chosen: Map<string, FoundSetting>): Partial<Record<'alpha' | 'gamma' | 'convention' | 'kind', string>> {
  const out: Partial<Record<'alpha' | 'gamma' | 'convention' | 'kind', string>> = {};
  for (const [name, s] of chosen) {
    const key = name === 'loss' ? 'kind' : name;
    if (key === 'alpha' || key === 'gamma' || key === 'convention' || key === 'kind') out[key] = describeOrigin(s.origin);
  }
  return out;
}
