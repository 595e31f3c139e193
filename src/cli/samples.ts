// `focal-lens samples`: one epoch's per-sample scores and targets as a binary file
// (src/core/samples/format.ts), for the report webview's live what-if. Exit codes: 0 fine, 2 bad
// input or usage.
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { UsageError, isUsageError } from '../core/analyze';
import { isInputError } from '../core/readers/errors';
import { extractEpochSamples } from '../core/samples/extract';
import { encodeEpochSamples } from '../core/samples/format';
import type { CliEvent } from '../protocol/cli-events';
import type { CliIo } from './analyze';

export const SAMPLES_USAGE = `focal-lens samples: one epoch's per-sample scores and targets, for the report's live what-if

Usage:
  focal-lens samples <run folder|dump>... --epoch N --out FILE [options]

Options:
  --epoch N           the epoch (as the dump numbers it)
  --out FILE          where to write the binary file (header JSON, float32 scores, int32 or uint8 targets)
  --max-samples M     keep at most M samples, a seeded uniform sample beyond (default 1000000)
  --seed S            seed of that sample (default 1)
  --split NAME        only records of this split (default: the dump's meta split)
  --lenient           skip bad records instead of failing
  --progress json     errors as one JSON object on stderr, as 'analyze --progress json' writes them
  -h, --help          this help

Prints the file's header as one JSON line on stdout. Exit codes: 0 fine, 2 bad input or usage.
`;

function positiveInteger(flag: string, v: string | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} expects a positive integer, got '${v}'`);
  return n;
}

export async function runSamplesCommand(args: string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr, env: process.env }): Promise<number> {
  let json = false;
  try {
    let parsed;
    try {
      parsed = parseArgs({
        args,
        allowPositionals: true,
        strict: true,
        options: {
          epoch: { type: 'string' },
          out: { type: 'string' },
          'max-samples': { type: 'string' },
          seed: { type: 'string' },
          split: { type: 'string' },
          lenient: { type: 'boolean' },
          progress: { type: 'string' },
          help: { type: 'boolean', short: 'h' },
        },
      });
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const v = parsed.values;
    json = v.progress === 'json';
    if (v.help) {
      io.stdout.write(SAMPLES_USAGE);
      return 0;
    }
    if (!parsed.positionals.length) throw new UsageError('no input: give the prediction dump (or run folder) the report was made from');
    const epoch = Number(v.epoch);
    if (v.epoch === undefined || !Number.isInteger(epoch)) throw new UsageError(`--epoch expects an integer epoch, got '${v.epoch ?? ''}'`);
    if (!v.out) throw new UsageError('--out FILE is required');
    const samples = await extractEpochSamples(parsed.positionals, {
      epoch,
      maxSamples: positiveInteger('--max-samples', v['max-samples'], 1_000_000),
      seed: positiveInteger('--seed', v.seed, 1),
      ...(v.split !== undefined ? { split: v.split } : {}),
      ...(v.lenient ? { lenient: true } : {}),
    });
    await writeFile(v.out, encodeEpochSamples(samples));
    const { scores: _scores, targets: _targets, ...header } = samples;
    io.stdout.write(JSON.stringify(header) + '\n');
    return 0;
  } catch (err) {
    const known = isInputError(err) || isUsageError(err) || err instanceof RangeError;
    if (!known) throw err;
    const e = err as Error & { file?: string; line?: number };
    io.stderr.write(`focal-lens samples: ${e.message}\n`);
    if (json) {
      const event: CliEvent = {
        type: 'error',
        kind: isInputError(err) ? err.kind : 'usage',
        exitCode: 2,
        message: e.message,
        ...(e.file ? { file: e.file } : {}),
        ...(e.line !== undefined ? { line: e.line } : {}),
      };
      io.stderr.write(JSON.stringify(event) + '\n');
    }
    return 2;
  }
}
