// What the extension says to people: failures, questions, the status bar. No `vscode` import, so
// unit tests check the wording as is (no flags: those are the CLI's words, src/cli/usage-words.ts).
// Text from logs (file and class names, messages quoting them) goes through notificationText
// where VS Code would render it as markdown.
import type { AlphaConvention, AnalysisReport, BackendName, LossKind } from '../core/report';
import type { UsageNeeds } from '../core/errors';
import { notificationText } from '../core/format/escape';
import type { CliErrorEvent } from '../protocol/cli-events';
import type { AnalysisState } from '../protocol/messages';

const BACKEND_NAMES: Record<BackendName, string> = { tensorflow: 'TensorFlow native', wasm: 'WebAssembly', cpu: 'plain JavaScript' };

/** The compute backend of a report, in a word or two (the status bar, the panel). */
export function backendName(report: AnalysisReport): string {
  if (report.backend) return BACKEND_NAMES[report.backend];
  return report.basis === 'metrics' ? 'logged metrics' : 'PR-curve bins';
}

export interface StatusWords {
  text: string;
  tooltip: string;
  severity: 'error' | 'warning' | 'none';
}

/**
 * The status bar item: the verdict of the report on screen, or nothing. A report is on screen when
 * the analysis is done (also when a later run was cancelled and it stayed); while a run goes, after
 * a failure and before any run there is no verdict to show.
 */
export function verdictStatus(state: AnalysisState): StatusWords | undefined {
  if (state.phase !== 'done') return undefined;
  const { report } = state;
  const { status } = report.verdict;
  // a class name is the log's text: "$(" in it would render as an icon
  const onto = report.verdict.class?.replace(/\$\(/g, '$ (');
  const icon = status === 'healthy' ? '$(pass)' : status === 'collapsed' ? '$(error)' : '$(warning)';
  const computed = report.backend ? `Computed on ${report.backendDetail ?? BACKEND_NAMES[report.backend]}.` : `Judged from ${backendName(report)} (nothing recomputed).`;
  return {
    text: `${icon} Focal Lens: ${status}${onto && status !== 'healthy' ? ` onto '${onto}'` : ''} · ${backendName(report)}`,
    tooltip: [
      `${state.source}: ${report.verdict.message}`,
      computed,
      state.cancelled ? 'The last analysis was cancelled: this is the report before it.' : '',
      'Click to analyze a training log.',
    ]
      .filter(Boolean)
      .join('\n'),
    severity: status === 'collapsed' ? 'error' : status === 'drifting' ? 'warning' : 'none',
  };
}

/** A run being watched (src/extension/watch.ts): its name, and its last complete epoch once there is one. */
export interface WatchedRun {
  label: string;
  epoch?: number;
}

/**
 * The status bar item while a run is watched: the watched verdict and its epoch (the report on
 * screen is the watch's), or that the watch waits for a complete epoch.
 */
export function watchedStatus(state: AnalysisState, watched: WatchedRun): StatusWords {
  const click = 'Click to stop watching, open the report or watch another run.';
  if (state.phase !== 'done' || watched.epoch === undefined) {
    return { text: '$(eye) Focal Lens: watching', tooltip: `Watching ${watched.label}: waiting for the first complete epoch.\n${click}`, severity: 'none' };
  }
  const { status, message } = state.report.verdict;
  const onto = state.report.verdict.class?.replace(/\$\(/g, '$ (');
  return {
    text: `$(eye) Focal Lens: ${status}${onto && status !== 'healthy' ? ` onto '${onto}'` : ''} · epoch ${watched.epoch}`,
    tooltip: `Watching ${state.source}: ${message}\n${click}`,
    severity: status === 'collapsed' ? 'error' : status === 'drifting' ? 'warning' : 'none',
  };
}

/** What the watch says in buttons, pickers and the webviews' watch line. */
export const WATCH_WORDS = {
  picker: { title: 'Watch Training Run', openLabel: 'Watch' },
  openReport: 'Open report',
  dontWarn: "Don't warn again for this run",
  stop: 'Stop Watching',
  another: 'Watch Another Run…',
  untrusted: 'Focal Lens reads training logs only in trusted workspaces.',
  notWatching: 'No run is watched.',
  nothingToWatch: 'Analyze a run first (or use "Focal Lens: Watch Training Run"), then it can be watched.',
  watching: (run: string) => `Watching ${run}: each epoch is shown once it is complete.`,
  stopped: (run: string) => `Stopped watching ${run}.`,
  isWatching: (run: string) => notificationText(`Focal Lens is watching ${run}.`),
} as const;

/** The one warning of a watched run: drift or collapse has started. */
export function watchWarningText(run: string, report: Pick<AnalysisReport, 'verdict'>, epoch: number): string {
  const v = report.verdict;
  return notificationText(`Focal Lens: the watched run ${run} is ${v.status} onto '${v.class}' since epoch ${v.onsetEpoch ?? epoch}${v.alphaDriven ? ' (alpha-driven)' : ''}. ${v.message}`);
}

/** Watching stopped by itself: the run's file was deleted, or the CLI failed. */
export function watchStoppedText(message: string): string {
  return notificationText(`Focal Lens stopped watching: ${message}`);
}

export type FailureAction = 'skip-bad-records' | 'install-native-backend' | 'use-wasm' | 'use-cpu' | 'open-settings';

export const FAILURE_ACTION_LABELS: Record<FailureAction, string> = {
  'skip-bad-records': 'Skip Bad Records',
  'install-native-backend': 'Install Native Backend',
  'use-wasm': 'Use WebAssembly',
  'use-cpu': 'Use Plain JavaScript',
  'open-settings': 'Open Settings',
};

/** A failed analysis as a person reads it: what happened, and the buttons that fix it. */
export function failureWords(event: CliErrorEvent | undefined, err: unknown, lenient: boolean): { message: string; actions: FailureAction[] } {
  const message = event?.message ?? (err instanceof Error ? err.message : String(err));
  const backend = event?.backend;
  if (backend?.name === 'tensorflow') {
    return {
      message: notificationText(`Focal Lens: the TensorFlow native backend is not installed where Focal Lens runs (${backend.reason}). Install it, or compute on WebAssembly, which ships with Focal Lens.`),
      actions: ['install-native-backend', 'use-wasm'],
    };
  }
  if (backend?.name === 'wasm') {
    return { message: notificationText(`Focal Lens: the WebAssembly backend could not load (${backend.reason}).`), actions: ['use-cpu'] };
  }
  if (event?.option === 'threshold') return { message: notificationText(`Focal Lens: ${message} (the focalLens.threshold setting).`), actions: ['open-settings'] };
  const canSkip = event?.kind === 'record' && !lenient;
  const lead = event && event.kind !== 'usage' ? 'Focal Lens cannot read the log' : 'Focal Lens';
  return { message: notificationText(`${lead}: ${message}`), actions: canSkip ? ['skip-bad-records'] : [] };
}

/** The same failure as the report panel shows it (its own text sink: no notification escaping). */
export function panelFailureText(event: CliErrorEvent | undefined, err: unknown): string {
  const backend = event?.backend;
  if (backend?.name === 'tensorflow') return `The TensorFlow native backend is not installed where Focal Lens runs: ${backend.reason}`;
  return event?.message ?? (err instanceof Error ? err.message : String(err));
}

const round4 = (x: number): number => Math.round(x * 1e4) / 1e4;

export interface PromptWords {
  title: string;
  prompt: string;
  placeholder: string;
}

/** The question for a loss setting a log does not record. */
export function settingQuestion(setting: 'alpha' | 'gamma', needs: UsageNeeds, problem?: string): PromptWords {
  const again = problem ? ` ${problem}.` : '';
  if (setting === 'alpha') {
    const columns = needs.columns && needs.columns > 1 ? needs.columns : undefined;
    return {
      title: 'Focal Lens: which alpha did this run train with?',
      prompt: `The log does not record it.${again} Enter one number (0.25), one weight per class separated by commas${columns ? ` (${columns} classes)` : ''}, or "off" if the loss has no alpha.`,
      placeholder: columns ? new Array(columns).fill(round4(1 / columns)).join(', ') : '0.25',
    };
  }
  return {
    title: 'Focal Lens: which gamma did this run train with?',
    prompt: `The log does not record it.${again} 2 is the paper's and torchvision's default; YOLOv5 and ultralytics use 1.5.`,
    placeholder: '2',
  };
}

/** Why an answer to the alpha question is not one (undefined: it is fine). */
export function alphaAnswerProblem(text: string, columns?: number): string | undefined {
  const answer = parseAlphaAnswer(text);
  if (answer === undefined) return 'Enter a number, numbers separated by commas (one per class), or off.';
  if (Array.isArray(answer) && columns && columns > 1 && answer.length !== columns) return `The log has ${columns} classes: enter ${columns} weights, or one number.`;
  return undefined;
}

/** An answer to the alpha question: a scalar, a per-class list, null for "off"; undefined when it is none. */
export function parseAlphaAnswer(text: string): number | number[] | null | undefined {
  const t = text.trim().toLowerCase();
  if (t === 'off' || t === 'none') return null;
  if (t === '') return undefined;
  const values = t.split(/[,\s]+/).filter((v) => v !== '').map(Number);
  if (values.some((v) => !Number.isFinite(v) || v < 0)) return undefined;
  return values.length === 1 ? values[0] : values;
}

export function gammaAnswerProblem(text: string): string | undefined {
  const g = Number(text.trim());
  return text.trim() !== '' && Number.isFinite(g) && g >= 0 ? undefined : 'Enter a number of 0 or more (2 is the usual).';
}

/** One answer to "what does this alpha mean": a convention, or "give a weight per class instead". */
export interface ConventionChoice {
  label: string;
  detail: string;
  convention: AlphaConvention | 'per-class';
}

/** Where the workspace's configs say what alpha means (src/core/hints found it there). */
export interface FoundConvention {
  convention: AlphaConvention;
  library: string | null;
  /** "configs/train.py:12" */
  where: string;
}

/** The choices for a scalar alpha whose meaning the log does not say, in words, with what they do to this alpha. */
export function conventionChoices(needs: UsageNeeds): ConventionChoice[] {
  const a = needs.alpha ?? 0.25;
  const b = round4(1 - a);
  const kind: LossKind = needs.loss ?? 'softmax';
  const perClass: ConventionChoice = { label: 'A weight per class…', detail: 'Enter the alpha of each class instead of one number.', convention: 'per-class' };
  if (kind === 'sigmoid') {
    return [
      { label: 'torchvision style: positives get alpha', detail: `positives x${a}, negatives x${b} (torchvision, detectron2, mmdet, Keras with class balancing)`, convention: 'positive' },
      { label: 'fudannlp16 style: negatives get alpha', detail: `negatives x${a}, positives x${b}`, convention: 'negative' },
      perClass,
    ];
  }
  return [
    { label: 'Focal-Loss-Pytorch style: class 0 gets alpha', detail: `class 0 x${a}, every other class x${b} (Focal-Loss-Pytorch, clcarwin focal_loss_pytorch)`, convention: 'class0-alpha' },
    { label: 'torchvision style: positives get alpha', detail: `every class but 0 x${a}, class 0 (background) x${b} (kornia focal_loss, MONAI with softmax)`, convention: 'class0-complement' },
    { label: 'Keras style: every class gets alpha', detail: `every class x${a}: a pure scale, no balancing (Keras CategoricalFocalCrossentropy)`, convention: 'uniform' },
    perClass,
  ];
}

/** The choice a found convention picks (torchvision's "positive" is class0-complement for softmax). */
export function choiceFor(choices: ConventionChoice[], found: AlphaConvention): ConventionChoice | undefined {
  const same = (c: AlphaConvention | 'per-class'): boolean =>
    c === found || (c === 'class0-complement' && found === 'positive') || (c === 'class0-alpha' && found === 'negative');
  return choices.find((c) => same(c.convention));
}

export function conventionQuestion(needs: UsageNeeds): PromptWords {
  return {
    title: `Focal Lens: what does alpha ${needs.alpha ?? ''} mean in this run?`.replace('  ', ' '),
    prompt: 'The log does not say which classes a scalar alpha weighs: pick the style of the loss the run used (remembered for this log).',
    placeholder: '',
  };
}
