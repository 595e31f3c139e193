/**
 * What the "Analyze Focal Loss" picker offers from a list of workspace files (matched by the
 * registry's names, not yet opened): a folder of metric logs is one run, the per-epoch files of a
 * dump folder are one dump, a lone dump file is itself. TensorBoard's train/ and validation/
 * folders belong to the run above them.
 */
import { basename, dirname } from 'node:path';
import { epochFromName } from './dump-source';
import { FORMATS, nameClaimed, type FormatRole } from './registry';

export interface RunCandidate {
  /** What to analyze: a folder (a run) or one file. */
  path: string;
  kind: 'run' | 'dump';
  /** The files it holds, by name, for the picker's detail ("metrics.csv, hparams.yaml"). */
  files: string[];
}

const SPLIT_FOLDER = /^(train|training|validation|val|eval)$/i;

function roleByName(base: string): FormatRole | null {
  // metric logs before dumps: results.csv is Ultralytics', not a CSV dump
  for (const role of ['metrics', 'predictions'] as const) {
    if (FORMATS.some((f) => f.role === role && !f.needsContent && nameClaimed(f.claims, base))) return role;
  }
  return null;
}

export function runCandidates(files: readonly string[]): RunCandidate[] {
  const runs = new Map<string, string[]>();
  const dumpsByFolder = new Map<string, string[]>();
  for (const file of files) {
    const base = basename(file);
    const role = roleByName(base);
    if (role === 'metrics') {
      let dir = dirname(file);
      if (SPLIT_FOLDER.test(basename(dir))) dir = dirname(dir);
      runs.set(dir, [...(runs.get(dir) ?? []), base]);
    } else if (role === 'predictions') {
      const dir = dirname(file);
      dumpsByFolder.set(dir, [...(dumpsByFolder.get(dir) ?? []), file]);
    }
  }
  const out: RunCandidate[] = [];
  for (const [dir, names] of runs) out.push({ path: dir, kind: 'run', files: [...new Set(names)].sort() });
  for (const [dir, dumps] of dumpsByFolder) {
    // per-epoch files (epoch_003.npz, epoch_3.jsonl) and .npy sets are one dump: their folder
    const perEpoch = dumps.filter((f) => /epoch/i.test(basename(f)) && epochFromName(basename(f)) !== undefined);
    const npy = dumps.filter((f) => f.toLowerCase().endsWith('.npy'));
    if (runs.has(dir)) runs.get(dir)!.push(...dumps.map((f) => basename(f)));
    if (perEpoch.length >= 2 || npy.length >= 2) {
      out.push({ path: dir, kind: 'dump', files: dumps.map((f) => basename(f)).sort() });
      for (const f of dumps) if (!perEpoch.includes(f) && !npy.includes(f)) out.push({ path: f, kind: 'dump', files: [basename(f)] });
      continue;
    }
    for (const f of dumps) out.push({ path: f, kind: 'dump', files: [basename(f)] });
  }
  return out.sort((a, b) => a.path.localeCompare(b.path));
}
