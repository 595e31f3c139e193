// Runs fuzz cases: writes a case's files into a folder, then reads them in-process (the unit
// tests) and checks what every chunk must be; or classifies what the built CLI did (the long run).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isInputError, openPredictionDump } from '../../src/core/readers/index';
import { chunkLayout, type PredictionChunk } from '../../src/core/readers/types';
import type { FuzzCase } from './cases';

export function writeCase(dir: string, c: FuzzCase): string {
  for (const f of c.files) {
    const p = join(dir, f.path);
    if (f.bytes === undefined) mkdirSync(p, { recursive: true });
    else {
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, f.bytes);
    }
  }
  return join(dir, c.target);
}

export type Outcome = { kind: 'read'; samples: number; skipped: number } | { kind: 'refused'; message: string } | { kind: 'internal'; error: string };

/** A refusal names a file and a line (`file:17:`) or a byte offset (`file@byte 128:`). */
export const POSITIONED = /^[^\n]*(:\d+|@byte \d+): /;

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
