// `focal-lens watch`: follow a run while it trains, a line per complete epoch. Exit codes: 0 stopped
// by Ctrl-C or SIGTERM, 2 bad input or usage, 3 when --fail-on triggers, 4 when a watched path is
// deleted.
import { UsageError } from '../core/analyze';
import { terminalText } from '../core/format/escape';
import { watchEpochLine, watchEpochSummary } from '../core/format/watch';
import { DEFAULT_INTERVAL_MS, followRun } from '../core/watch/follow';
import { DEFAULT_SETTLE_MS } from '../core/watch/session';
import type { WatchCliEvent, WatchStopReason } from '../protocol/cli-events';
import { ANALYZE_FLAGS, bundledPythonPackage, defaultIo, failOnCode, failureCode, nativeBackendFromEnv, optionsFromFlags, parseFlags, progressReporter, type CliIo } from './analyze';

export const WATCH_USAGE = `focal-lens watch: follow a run while it trains, a line per complete epoch

Usage:
  focal-lens watch <run folder|file>... [options]

Input: what analyze reads, as the run writes it: a prediction dump (JSONL or CSV, uncompressed; a
folder of per-epoch .npz files), a run folder (new files are picked up, e.g. the .rankN files of a
DDP run), or a metric log (metrics.csv, Keras CSVLogger, scalars.json, metrics.json, *.log.json,
results.csv, TensorBoard event files, trainer_state.json). Each tick reads only the bytes appended
since the last; a file that is truncated or replaced is read again from the start.

An epoch is complete when a record of a later epoch has been read (in every dump file that has
records), or when no record has come for the settle time and none is half written. Each complete
epoch prints the verdict of the run so far (analyze's report for the complete epochs), each class's
balance G+/G-, and its predicted share (true share).

Options: every option of 'focal-lens analyze' (--alpha, --gamma, --convention, --split, ...), and
  --format F              text (default) | json: one JSON object per line on stdout:
                            {"type":"watch-epoch","epoch":4,"status":"collapsed","class":"negative",
                             "onsetEpoch":4,"perClass":[...],"revised":[],"report":{...AnalysisReport}}
                            {"type":"watch-file","file":"runs/val.rank1.jsonl",...} a file joined
                            {"type":"watch-restart","file":...,"reason":"truncated to ..."}
                            {"type":"watch-stop","reason":"fail-on"|"deleted"|"signal","exitCode":3,...}
  --fail-on S             exit 3 at the first epoch whose verdict is at least S: drift (drifting or
                          collapsed) | collapse
  --interval MS           longest time between two looks at the files (default ${DEFAULT_INTERVAL_MS}); changes the
                          file system reports are seen sooner
  --settle MS             an epoch whose records stopped coming this long ago is complete (default ${DEFAULT_SETTLE_MS})
  --progress MODE         auto | json | none, as for analyze (reading a big file that is already there)

Stops on Ctrl-C or SIGTERM (exit 0), and when a watched file or folder is deleted (exit 4).

Exit codes: 0 stopped, 2 bad input or usage, 3 when --fail-on triggers, 4 a watched path was deleted.

Examples:
  focal-lens watch runs/val_preds.jsonl --fail-on collapse
  focal-lens watch lightning_logs/version_0 --alpha 0.25 --gamma 2
  focal-lens watch runs/ --format json --interval 500
`;

const WATCH_FLAGS = { ...ANALYZE_FLAGS, interval: { type: 'string' }, settle: { type: 'string' } } as const;

function milliseconds(flag: string, v: string, min: number): number {
  const n = Number(v.trim());
  if (v.trim() === '' || !Number.isFinite(n) || n < min) throw new UsageError(`${flag} expects a number of milliseconds ${min > 0 ? `> ${min - 1}` : '>= 0'}, got '${v}'`);
  return n;
}

export async function runWatchCommand(args: string[], io: CliIo = defaultIo()): Promise<number> {
  let progressMode = 'auto';
  const controller = new AbortController();
  const stop = () => controller.abort();
  try {
    const { values, positionals } = parseFlags(args, WATCH_FLAGS);
    const cli = optionsFromFlags(values, positionals);
    progressMode = cli.progress;
    if (cli.help) {
      io.stdout.write(WATCH_USAGE);
      return 0;
    }
    if (!positionals.length) throw new UsageError('no input: give the run folder, training log or prediction dump to watch');
    const format = (values.format as string | undefined) ?? 'text';
    if (format !== 'text' && format !== 'json') throw new UsageError(`--format must be text or json; got '${format}'`);
    const intervalMs = values.interval !== undefined ? milliseconds('--interval', values.interval as string, 1) : DEFAULT_INTERVAL_MS;
    const settleMs = values.settle !== undefined ? milliseconds('--settle', values.settle as string, 0) : DEFAULT_SETTLE_MS;
    const json = format === 'json';
    const emit = (event: WatchCliEvent) => io.stdout.write(JSON.stringify(event) + '\n');
    // class and file names come from the run: inert on a terminal
    const note = (text: string) => io.stderr.write(terminalText(`focal-lens watch: ${text}`) + '\n');
    const stopped = (reason: WatchStopReason, exitCode: number, message: string, file?: string): number => {
      if (json) emit({ type: 'watch-stop', reason, exitCode, message, ...(file !== undefined ? { file } : {}) });
      else note(message);
      return exitCode;
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      for await (const event of followRun({ ...cli.options, ...nativeBackendFromEnv(cli.options, io.env), intervalMs, settleMs, signal: controller.signal, onProgress: progressReporter(progressMode, io), ...bundledPythonPackage() })) {
        if (event.type === 'start') {
          if (json) emit({ type: 'watch-start', files: event.files });
          else note(`${event.files.length ? `following ${event.files.map((f) => `${f.file} (${f.label})`).join(', ')}` : `waiting for the run's files in ${positionals.join(', ')}`} (Ctrl-C stops)`);
        } else if (event.type === 'epoch') {
          const summary = watchEpochSummary(event.report, event.epoch);
          if (json) emit({ type: 'watch-epoch', revised: event.revised, report: event.report, ...summary });
          else io.stdout.write(terminalText(watchEpochLine(summary, event.revised)) + '\n');
          if (failOnCode(event.report, cli.failOn) !== 0) {
            const v = event.report.verdict;
            return stopped('fail-on', 3, `--fail-on ${cli.failOn}: at epoch ${event.epoch} the run is ${v.status} onto '${v.class}'${v.onsetEpoch !== null ? ` (since epoch ${v.onsetEpoch})` : ''}`);
          }
        } else if (event.type === 'file') {
          if (json) emit({ type: 'watch-file', file: event.file, format: event.format, label: event.label, role: event.role, ...(event.ignored ? { ignored: event.ignored } : {}) });
          else note(event.ignored ? `not following ${event.file}: ${event.ignored}` : `following ${event.file} too (${event.label})`);
        } else if (event.type === 'restart') {
          if (json) emit({ type: 'watch-restart', file: event.file, reason: event.reason });
          else note(`${event.file} was ${event.reason}: reading it again`);
        } else {
          return stopped('deleted', 4, `${event.file} was deleted: stopped watching`, event.file);
        }
      }
      return stopped('signal', 0, 'stopped');
    } finally {
      process.removeListener('SIGINT', stop);
      process.removeListener('SIGTERM', stop);
    }
  } catch (err) {
    // Ctrl-C while a tick was reading: a normal stop
    if (controller.signal.aborted && err instanceof Error && err.name === 'AbortError') return 0;
    return failureCode('watch', err, progressMode, io);
  }
}
