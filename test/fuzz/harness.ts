// Runs fuzz cases: writes a case's files into a folder, then reads them in-process (the unit
// tests) and checks what every chunk or report must be; or classifies what the built CLI did (the
// long run).
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { analyze, isUsageError } from '../../src/core/analyze';
import { isInputError, openPredictionDump } from '../../src/core/readers/index';
import { readEventFile } from '../../src/core/readers/tensorboard/index';
import { chunkLayout, type PredictionChunk } from '../../src/core/readers/types';
import type { AnalysisReport } from '../../src/core/report';
import type { FuzzCase } from './cases';

export function writeCase(dir: string, c: FuzzCase): string {
  for (const f of c.files) {
    const p = join(dir, f.path);
    if (f.bytes === undefined && f.symlink === undefined) mkdirSync(p, { recursive: true });
    else {
      mkdirSync(dirname(p), { recursive: true });
      if (f.symlink !== undefined) symlinkSync(f.symlink, p);
      else writeFileSync(p, f.bytes!);
    }
  }
  return join(dir, c.target);
}

export type Outcome = { kind: 'read'; samples: number; skipped: number } | { kind: 'refused'; message: string } | { kind: 'internal'; error: string };

/** A refusal names a file and a line (`file:17:`) or a byte offset (`file@byte 128:`). */
export const POSITIONED = /^[^\n]*(:\d+|@byte \d+): /;

/**
 * Refusals that name a file or folder but no line or byte, each for a reason: they are about a
 * whole file or folder, so there is no place in it to point at. Any other refusal without a
 * position fails the oracle.
 */
export const UNPOSITIONED_REFUSALS: ReadonlyArray<{ message: RegExp; why: string }> = [
  { message: /^[^\n]*: the file is empty/, why: 'an empty file (or one of blank lines only) has no line or byte to point at' },
  { message: /^[^\n]*: no prediction dump or training log in this folder/, why: 'a folder with nothing to read: what is missing has no place' },
  { message: /^[^\n]*: no prediction dump or metric log here/, why: 'a run of configs only: no log to point into' },
  { message: /^[^\n]*: \d+ bytes is more than the \d+ MiB a JSON metric file is read up to/, why: 'the size of the whole file' },
];

/** Null when a refusal is positioned or has a stated reason not to be; else what is wrong with it. */
export function refusalProblem(message: string): string | null {
  if (POSITIONED.test(message) || UNPOSITIONED_REFUSALS.some((u) => u.message.test(message))) return null;
  return `refusal names no line or byte: ${message.slice(0, 300)}`;
}

/** What a chunk must be, whatever the input: anything else is garbage handed to the analysis. */
export function chunkProblem(c: PredictionChunk): string | null {
  const C = c.numClasses;
  if (!(Number.isInteger(C) && C >= 1)) return `numClasses ${C}`;
  if (!(c.samples >= 1)) return `samples ${c.samples}`;
  if (c.scores.length !== c.samples * C) return `${c.scores.length} scores for ${c.samples} x ${C}`;
  const multi = c.targetLayout === 'multi-hot';
  if (c.targets.length !== c.samples * (multi ? C : 1)) return `${c.targets.length} targets for ${c.samples} samples`;
  if (!Number.isFinite(c.epoch)) return `epoch ${c.epoch}`;
  const probs = c.scoreKind === 'probs';
  for (const v of c.scores) if (!Number.isFinite(v) || (probs && (v < 0 || v > 1))) return `score ${v}`;
  const hi = multi ? 1 : C === 1 ? 1 : C - 1;
  for (const t of c.targets) if (!(t >= 0 && t <= hi)) return `target ${t}`;
  if (chunkLayout(c) !== c.layout) return `layout ${c.layout}`;
  return null;
}

/** Read a case in-process (all chunks), as the CLI would before computing. */
export async function readCase(dir: string, c: FuzzCase): Promise<Outcome> {
  const target = writeCase(dir, c);
  try {
    const dump = await openPredictionDump([target], { lenient: c.lenient, workers: 0, displayBase: dir });
    let samples = 0;
    for await (const chunk of dump.chunks) {
      const p = chunkProblem(chunk);
      if (p) return { kind: 'internal', error: `bad chunk (${p})` };
      samples += chunk.samples;
    }
    if (c.maxSamples !== undefined && samples > c.maxSamples) return { kind: 'internal', error: `silent garbage: ${samples} samples read back, the data holds at most ${c.maxSamples}` };
    return { kind: 'read', samples, skipped: dump.issues().skipped };
  } catch (e) {
    if (isInputError(e)) return POSITIONED.test(e.message) || !e.message.includes('@') ? { kind: 'refused', message: e.message } : { kind: 'internal', error: `badly positioned: ${e.message}` };
    return { kind: 'internal', error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
  }
}

/** What a report must show of a case whose only damage is skippable: the rest judged, the skip counted with its place. */
async function partialProblem(dir: string, c: FuzzCase, report: AnalysisReport | null): Promise<string | null> {
  if (c.expectRecords) {
    const got = await readEventFile(join(dir, c.expectRecords.file), { displayName: c.expectRecords.file, onScalar: () => undefined });
    if (got.records !== c.expectRecords.records) return `partial results lost: ${got.records} of the ${c.expectRecords.records} intact records read`;
    if (!report) return 'refused a run whose only damage is one record with a bad checksum';
  }
  if (c.expectSkipped) {
    if (!report) return `refused a run whose only damage is one skippable record of ${c.expectSkipped}`;
    const issue = report.input.issues?.find((i) => basename(i.file) === c.expectSkipped);
    if (!(report.input.skipped! >= 1) || !issue || (issue.line === undefined && issue.byteOffset === undefined)) return `the skipped record of ${c.expectSkipped} is not reported with its place: ${JSON.stringify({ skipped: report.input.skipped, issues: report.input.issues })}`;
  }
  return null;
}

/** Analyse a run case in-process, as `focal-lens analyze <target>` would. */
export async function analyzeCase(dir: string, c: FuzzCase): Promise<Outcome> {
  const target = writeCase(dir, c);
  let report: AnalysisReport | null = null;
  let outcome: Outcome;
  try {
    report = await analyze({ paths: [target], displayBase: dir, backend: 'cpu', lenient: c.lenient, ...(c.given ? { alpha: 0.25, gamma: 2 } : {}) });
    outcome = { kind: 'read', samples: report.input.samples, skipped: report.input.skipped ?? 0 };
  } catch (e) {
    if (!isInputError(e) && !isUsageError(e)) return { kind: 'internal', error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
    const problem = isInputError(e) ? refusalProblem(e.message) : null;
    if (problem) return { kind: 'internal', error: problem };
    outcome = { kind: 'refused', message: (e as Error).message };
  }
  const partial = await partialProblem(dir, c, report);
  return partial ? { kind: 'internal', error: partial } : outcome;
}
