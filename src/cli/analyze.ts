// `focal-lens analyze`: recompute per-class focal loss from prediction dumps, judge collapse, and
// show what other alphas would have done (counterfactual). Exit codes: 0 fine, 2 bad input or
// usage, 3 when --fail-on triggers.
import { existsSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { analyze, isUsageError, OBJECTIVES, UsageError, type AnalyzeOptions, type AnalyzeProgress } from '../core/analyze';
import { lookupConvention } from '../core/conventions';
import { isInputError } from '../core/readers/errors';
import { renderText } from '../core/format/text';
import { renderMarkdown } from '../core/format/markdown';
import type { AlphaConvention, AnalysisReport, Objective } from '../core/report';
import type { BackendPreference } from '../core/compute/backend';
import type { CliEvent } from '../protocol/cli-events';
import { COLLAPSE_THRESHOLD_KEYS, COLLAPSE_THRESHOLDS, collapseThresholdProblem, type CollapseThresholds } from '../protocol/analysis-request';
import { cliUsageText } from './usage-words';

export const ANALYZE_USAGE = `focal-lens analyze: what your focal loss is doing, from a run's logs or prediction dumps

Usage:
  focal-lens analyze <run folder|file>... [options]

Input: a run folder as your framework wrote it (Lightning, TensorBoard, Hugging Face Trainer, Keras,
MMEngine / MMDetection, Detectron2, Ultralytics, sklearn reports: every log and config in it is found),
a log file, or a prediction dump (JSONL, CSV/TSV, .npy / .npz, safetensors: per-sample logits or
probabilities and targets; everything is recomputed from those). Loss settings come from the dump's
{"meta": ...} line or the run's configs (hparams.yaml, config.py, config.yaml, args.yaml,
config.json); flags override them. See "Formats" in the README.

Options:
  --alpha A               scalar alpha (or "off": the loss has no alpha)
  --alpha-vector a,b,...  per-class alpha (convention "vector")
  --gamma G               focusing parameter
  --convention ID         what a scalar alpha means: positive (sigmoid; torchvision, fvcore, mmdet),
                          negative (alpha on y = 0), class0-alpha, class0-complement, uniform (softmax),
                          vector; or a library name: torchvision, detectron2, mmdet, keras, kornia,
                          kornia-old, monai, focal-loss-pytorch, clcarwin, ultralytics, smp, fudannlp16
  --loss sigmoid|softmax  override the loss kind (default: meta "loss", else from the dump's layout)
  --config-alpha A, --config-alpha-vector a,b,..., --config-gamma G, --config-convention ID,
  --config-source WHERE   the settings of the config file the log belongs to: unlike the flags above
                          they do not override the log's meta (the log records what the run trained
                          with); they fill in what it lacks, and every disagreement is reported
  --classes a,b,...       class names
  --split NAME            only records of this split (e.g. val)
  --threshold T           sigmoid decision threshold (default 0.5)
  --what-if a1,a2,...     extra counterfactual alphas in the log's convention; a vector as a:b:c
  --objective O           macro-f1 (default) | balanced-accuracy | accuracy, for the suggestion
  --what-if-samples N     softmax: samples of each class of the last epoch the what-if rows and the
                          suggestion use (default 32768; a larger class is a weighted sample of N);
                          all: every sample (up to 8M scores; slower on large epochs)
  --backend B             auto (default) | tensorflow | wasm | cpu
  --native-backend DIR    also look for @tensorflow/tfjs-node(-gpu) in DIR (a folder holding its
                          node_modules); repeatable; FOCAL_LENS_NATIVE_BACKEND lists more (path-separated)
  Verdict thresholds (docs/method.md "Verdict"; defaults in brackets):
  --min-class-count N     a class needs N samples before it can vanish [10]
  --vanish-recall R       a class with recall <= R has vanished [0.02]
  --dominant-share S      one class taking >= S of the predictions... [0.98]
  --dominant-max-true-share S
                          ...while its true share is <= S has taken over: collapsed [0.9]
  --drift-ratio R         predicted / true share >= R (or <= 1/R) and getting worse: drifting [3]
  --drift-window N        over this many epochs [3]
  --severe-ratio R        or stayed R times off over the window without recovering [10]
  --format F              text (default) | json (the AnalysisReport contract) | markdown
  --fail-on S             exit 3 when the verdict is at least S: drift (drifting or collapsed) | collapse
  --lenient               skip bad records (counted, first reasons listed) instead of failing
  --progress MODE         auto (default: a progress line on stderr when it is a terminal) | json | none
                          json: one JSON object per line on stderr, for tools that run the CLI:
                            {"type":"progress","phase":"read","bytesRead":N,"totalBytes":M,"fraction":0.4,"message":"..."}
                            phases: backend, read, epoch (with "epoch", "epochsDone"), counterfactual, done;
                          and on failure {"type":"error","kind":"usage|record|file|unsupported","exitCode":2,
                            "message":"...","file":"...","line":N}: the message says what is wrong without
                          naming flags; what a fix needs is data: "missing":["alpha","gamma","convention"]
                          (settings nobody gave), "option" (the one to correct), "loss", "columns",
                          "alpha" (the scalar whose convention is unknown), "backend":{"name","reason"}
  --no-color              no ANSI colours (also NO_COLOR=1; colours only on a terminal anyway)
  -h, --help              this help

Exit codes: 0 fine, 2 bad input or usage, 3 when --fail-on triggers.

Examples:
  focal-lens analyze examples/binary-alpha-0.96.jsonl
  focal-lens analyze runs/val_preds.csv --alpha 0.25 --gamma 2 --what-if 0.5,0.75 --fail-on collapse
  focal-lens analyze dumps/ --alpha-vector 0.1,0.2,0.3,0.4 --gamma 2 --format json
`;

/** Where the CLI writes; replaceable for in-process tests. */
export interface CliIo {
  stdout: { write(s: string): unknown; isTTY?: boolean };
  stderr: { write(s: string): unknown; isTTY?: boolean };
  env: Record<string, string | undefined>;
}

export const defaultIo = (): CliIo => ({ stdout: process.stdout, stderr: process.stderr, env: process.env });

function parseNumber(flag: string, v: string): number {
  const n = Number(v.trim());
  if (v.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${flag} expects a number, got '${v}'`);
  return n;
}

/** A scalar alpha, or "off" (the loss has no alpha). */
function parseAlpha(flag: string, v: string): number | null {
  const a = v.trim().toLowerCase();
  return a === 'off' || a === 'none' || a === 'null' ? null : parseNumber(flag, v);
}

/** A convention id or a library name (torchvision, keras, ...), read with --loss where it matters. */
function parseConvention(flag: string, v: string, loss: string | undefined): AlphaConvention {
  const found = lookupConvention(v, loss === 'sigmoid' || loss === 'softmax' ? loss : undefined);
  if (!found.ok) throw new UsageError(`${flag}: ${found.reason}`);
  return found.convention;
}

function parseList(flag: string, v: string): number[] {
  return v.split(',').filter((s) => s.trim() !== '').map((s) => parseNumber(flag, s));
}

/** The flags of `focal-lens analyze` (parseArgs' option table); `watch` takes them too. */
export const ANALYZE_FLAGS = {
  alpha: { type: 'string' },
  'alpha-vector': { type: 'string' },
  gamma: { type: 'string' },
  convention: { type: 'string' },
  loss: { type: 'string' },
  'config-alpha': { type: 'string' },
  'config-alpha-vector': { type: 'string' },
  'config-gamma': { type: 'string' },
  'config-convention': { type: 'string' },
  'config-source': { type: 'string' },
  classes: { type: 'string' },
  split: { type: 'string' },
  threshold: { type: 'string' },
  'what-if': { type: 'string', multiple: true },
  objective: { type: 'string' },
  'what-if-samples': { type: 'string' },
  backend: { type: 'string' },
  'native-backend': { type: 'string', multiple: true },
  ...(Object.fromEntries(COLLAPSE_THRESHOLD_KEYS.map((k) => [COLLAPSE_THRESHOLDS[k].flag.slice(2), { type: 'string' }])) as Record<string, { type: 'string' }>),
  format: { type: 'string' },
  'fail-on': { type: 'string' },
  lenient: { type: 'boolean' },
  progress: { type: 'string' },
  'no-color': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

/** Flag values as parseArgs gives them. */
export type FlagValues = Record<string, string | boolean | string[] | undefined>;

type AnalyzeFlagValues = { [K in Exclude<keyof typeof ANALYZE_FLAGS, 'what-if' | 'native-backend' | 'lenient' | 'no-color' | 'help'>]?: string } & { 'what-if'?: string[]; 'native-backend'?: string[]; lenient?: boolean; 'no-color'?: boolean; help?: boolean };

/** The arguments parsed against a flag table; a flag it does not know is a usage error. */
export function parseFlags(args: string[], flags: NonNullable<ParseArgsConfig['options']>): { values: FlagValues; positionals: string[] } {
  try {
    const parsed = parseArgs({ args, allowPositionals: true, strict: true, options: flags });
    return { values: parsed.values as FlagValues, positionals: parsed.positionals };
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** What the analyze flags say (every command that takes them). */
export function optionsFromFlags(values: FlagValues, positionals: string[]): { options: AnalyzeOptions; failOn: string | undefined; progress: string; color: boolean | undefined; help: boolean } {
  const v = values as AnalyzeFlagValues;
  const help = !!v.help;
  const options: AnalyzeOptions = { paths: positionals };
  if (v.alpha !== undefined) options.alpha = parseAlpha('--alpha', v.alpha);
  if (v['alpha-vector'] !== undefined) {
    if (v.alpha !== undefined) throw new UsageError('give --alpha or --alpha-vector, not both');
    options.alphaVector = parseList('--alpha-vector', v['alpha-vector']);
    if (!options.alphaVector.length) throw new UsageError('--alpha-vector expects comma-separated numbers');
  }
  if (v.gamma !== undefined) options.gamma = parseNumber('--gamma', v.gamma);
  if (v.convention !== undefined) options.convention = parseConvention('--convention', v.convention, v.loss);
  const config: NonNullable<AnalyzeOptions['config']> = {};
  if (v['config-alpha'] !== undefined) config.alpha = parseAlpha('--config-alpha', v['config-alpha']);
  if (v['config-alpha-vector'] !== undefined) config.alpha = parseList('--config-alpha-vector', v['config-alpha-vector']);
  if (v['config-gamma'] !== undefined) config.gamma = parseNumber('--config-gamma', v['config-gamma']);
  if (v['config-convention'] !== undefined) config.convention = parseConvention('--config-convention', v['config-convention'], v.loss);
  if (v['config-source'] !== undefined) config.source = v['config-source'];
  if (Object.keys(config).length) options.config = config;
  if (v.loss !== undefined) {
    if (v.loss !== 'sigmoid' && v.loss !== 'softmax') throw new UsageError(`--loss must be sigmoid or softmax; got '${v.loss}'`);
    options.loss = v.loss;
  }
  if (v.classes !== undefined) options.classes = v.classes.split(',').map((s) => s.trim());
  if (v.split !== undefined) options.split = v.split;
  if (v.threshold !== undefined) options.threshold = parseNumber('--threshold', v.threshold);
  if (v['what-if'] !== undefined) {
    const items: Array<number | number[]> = [];
    for (const group of v['what-if']) {
      for (const item of group.split(',')) {
        if (!item.trim()) continue;
        items.push(item.includes(':') ? item.split(':').map((s) => parseNumber('--what-if', s)) : parseNumber('--what-if', item));
      }
    }
    options.whatIf = items;
  }
  if (v.objective !== undefined) {
    if (!OBJECTIVES.includes(v.objective as Objective)) throw new UsageError(`--objective must be one of ${OBJECTIVES.join(', ')}; got '${v.objective}'`);
    options.objective = v.objective as Objective;
  }
  const perClass = v['what-if-samples'];
  if (perClass !== undefined) {
    const n = perClass.trim().toLowerCase() === 'all' ? Infinity : parseNumber('--what-if-samples', perClass);
    if (n !== Infinity && (!Number.isInteger(n) || n < 1)) throw new UsageError(`--what-if-samples expects a whole number of samples (at least 1) or all; got '${perClass}'`);
    options.whatIfSamplesPerClass = n;
  }
  if (v.backend !== undefined) {
    if (!['auto', 'tensorflow', 'wasm', 'cpu'].includes(v.backend)) throw new UsageError(`--backend must be auto, tensorflow, wasm or cpu; got '${v.backend}'`);
    options.backend = v.backend as BackendPreference;
  }
  const nativePaths = v['native-backend'] ?? [];
  if (nativePaths.length) options.nativeBackendPaths = nativePaths;
  const thresholds: Partial<CollapseThresholds> = {};
  for (const key of COLLAPSE_THRESHOLD_KEYS) {
    const flag = COLLAPSE_THRESHOLDS[key].flag;
    const text = (v as Record<string, unknown>)[flag.slice(2)];
    if (typeof text !== 'string') continue;
    const value = parseNumber(flag, text);
    const problem = collapseThresholdProblem(key, value);
    if (problem) throw new UsageError(`${flag} ${problem}, got ${text}`);
    thresholds[key] = value;
  }
  if (Object.keys(thresholds).length) options.verdictThresholds = thresholds;
  if (v.lenient) options.lenient = true;
  const failOn = v['fail-on'];
  if (failOn !== undefined && failOn !== 'drift' && failOn !== 'collapse') throw new UsageError(`--fail-on must be drift or collapse; got '${failOn}'`);
  const progress = v.progress ?? 'auto';
  if (!['auto', 'json', 'none'].includes(progress)) throw new UsageError(`--progress must be auto, json or none; got '${progress}'`);
  return { options, failOn, progress, color: v['no-color'] ? false : undefined, help };
}

export function buildOptions(args: string[]): { options: AnalyzeOptions; format: string; failOn: string | undefined; progress: string; color: boolean | undefined; help: boolean } {
  const { values, positionals } = parseFlags(args, ANALYZE_FLAGS);
  const format = (values.format as string | undefined) ?? 'text';
  if (!['text', 'json', 'markdown', 'md'].includes(format)) throw new UsageError(`--format must be text, json or markdown; got '${format}'`);
  return { ...optionsFromFlags(values, positionals), format };
}

/** The focal_lens package shipped beside the CLI bundle (python/ of the checkout or the .vsix), for the dump snippet. */
export function bundledPythonPackage(): { pythonPackage?: string } {
  const dir = join(dirname(process.argv[1] ?? ''), '..', 'python');
  return existsSync(join(dir, 'pyproject.toml')) ? { pythonPackage: dir } : {};
}

/** FOCAL_LENS_NATIVE_BACKEND's folders after the --native-backend ones. */
export function nativeBackendFromEnv(options: AnalyzeOptions, env: CliIo['env']): Pick<AnalyzeOptions, 'nativeBackendPaths'> {
  const fromEnv = (env.FOCAL_LENS_NATIVE_BACKEND ?? '').split(delimiter).filter((p) => p.trim() !== '');
  const all = [...(options.nativeBackendPaths ?? []), ...fromEnv];
  return all.length ? { nativeBackendPaths: all } : {};
}

/** Exit code for a verdict under --fail-on. */
export function failOnCode(report: AnalysisReport, failOn: string | undefined): number {
  if (failOn === 'collapse') return report.verdict.status === 'collapsed' ? 3 : 0;
  if (failOn === 'drift') return report.verdict.status === 'healthy' ? 0 : 3;
  return 0;
}

/** Progress as --progress says: JSON lines on stderr, a line redrawn on a terminal, or nothing. */
export function progressReporter(mode: string, io: CliIo): (e: AnalyzeProgress) => void {
  const tty = mode === 'auto' && !!io.stderr.isTTY;
  let lastDraw = 0;
  return (e) => {
    if (mode === 'json') {
      const event: CliEvent = { type: 'progress', ...e };
      io.stderr.write(JSON.stringify(event) + '\n');
    } else if (tty) {
      const now = Date.now();
      if (e.phase === 'read' && now - lastDraw < 100) return;
      lastDraw = now;
      const pct = e.fraction !== undefined ? ` ${Math.floor(e.fraction * 100)}%` : '';
      io.stderr.write(`\r\u001b[Kfocal-lens: ${e.phase}${pct} ${e.phase === 'read' ? '' : e.message}`);
      if (e.phase === 'done') io.stderr.write('\r\u001b[K');
    }
  };
}

export async function runAnalyzeCommand(args: string[], io: CliIo = defaultIo()): Promise<number> {
  let progressMode = 'auto';
  try {
    const cli = buildOptions(args);
    progressMode = cli.progress;
    if (cli.help) {
      io.stdout.write(ANALYZE_USAGE);
      return 0;
    }
    if (!cli.options.paths.length) throw new UsageError('no input: give one or more prediction dumps (files or folders)');
    const onProgress = progressReporter(progressMode, io);
    const controller = new AbortController();
    const onSigint = () => controller.abort();
    process.once('SIGINT', onSigint);
    let report: AnalysisReport;
    try {
      report = await analyze({ ...cli.options, ...nativeBackendFromEnv(cli.options, io.env), onProgress, signal: controller.signal, ...bundledPythonPackage() });
    } finally {
      process.removeListener('SIGINT', onSigint);
    }
    const color = cli.color ?? (!!io.stdout.isTTY && !io.env.NO_COLOR && io.env.TERM !== 'dumb');
    if (cli.format === 'json') io.stdout.write(JSON.stringify(report, null, 2) + '\n');
    else if (cli.format === 'markdown' || cli.format === 'md') io.stdout.write(renderMarkdown(report));
    else io.stdout.write(renderText(report, { color }));
    return failOnCode(report, cli.failOn);
  } catch (err) {
    return failureCode('analyze', err, progressMode, io);
  }
}

/**
 * Bad input or usage: the message on stderr (and an error event with --progress json), exit code
 * 2; an abort: 130. Anything else is a bug, thrown on.
 */
export function failureCode(command: string, err: unknown, progressMode: string, io: CliIo): number {
  if (isInputError(err) || isUsageError(err)) {
    // stderr: for people at a terminal, with the flags that fix it; the JSON event: the words and
    // the data, for a face that words the fix itself (the extension)
    const text = isUsageError(err) ? cliUsageText(err) : err.message;
    io.stderr.write(`focal-lens ${command}: ${text}\n${isUsageError(err) ? `Run 'focal-lens ${command} --help' for the options.\n` : ''}`);
    if (progressMode === 'json') {
      const where = isInputError(err) ? { file: err.file, ...(err.line !== undefined ? { line: err.line } : {}), ...(err.byteOffset !== undefined ? { byteOffset: err.byteOffset } : {}) } : {};
      const event: CliEvent = { type: 'error', kind: isInputError(err) ? err.kind : 'usage', exitCode: 2, message: err.message, ...where, ...(isUsageError(err) ? err.needs : {}) };
      io.stderr.write(JSON.stringify(event) + '\n');
    }
    return 2;
  }
  if (err instanceof Error && err.name === 'AbortError') {
    io.stderr.write(`focal-lens ${command}: aborted\n`);
    return 130;
  }
  throw err;
}
