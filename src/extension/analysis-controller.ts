// One analysis at a time, shown in both views through the store: the run itself (a CLI child
// process), the questions a log without its loss settings gets (answers remembered per log), the
// way forward a failure offers, and re-runs when a setting the report depends on changes.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { lookupConvention } from '../core/conventions';
import type { AnalysisReport } from '../core/report';
import type { CliErrorEvent } from '../protocol/cli-events';
import type { AnalysisRequest } from '../protocol/analysis-request';
import { AnalysisError, runAnalysisProcess } from './analysis-runner';
import type { AnalysisStore } from './analysis-store';
import { AFFECTS } from './config-schema';
import type { Config } from './config';
import { ANSWER_KEYS, type LogAnswers, type LogAnswerStore } from './log-answers';
import type { NativeBackend } from './native-backend';
import { askAlpha, askConvention, askGamma, type PromptTracker } from './prompts';
import { FAILURE_ACTION_LABELS, failureWords, panelFailureText, type FailureAction } from './words';
import { conventionsInWorkspace } from './workspace-conventions';

const LAST_REQUEST_KEY = 'focalLens.lastRequest';
/** Settings edits come in bursts (typing a number): one re-run after they settle. */
const RERUN_DELAY_MS = 500;
/** Questions and fixes of one analysis: enough for alpha, gamma and convention, and one correction. */
const MAX_ATTEMPTS = 6;

export interface ControllerDeps {
  extensionUri: vscode.Uri;
  store: AnalysisStore;
  config: Config;
  nativeBackend: NativeBackend;
  answers: LogAnswerStore;
  prompts: PromptTracker;
  memento: vscode.Memento;
}

/** A finished report the views can go back to, with the paths it was read from (the what-if reads their samples). */
export interface Shown {
  source: string;
  report: AnalysisReport;
  logPaths?: string[];
}

/** A request as it succeeded, for a re-run: without a convention that came from focalLens.defaultConvention (a new default applies). */
interface LastRequest {
  request: AnalysisRequest;
  conventionFromDefault: boolean;
  /** The settings the extension put in the request (answers to its questions, focalLens.defaultConvention). */
  supplied?: SettingKey[];
}

type SettingKey = keyof LogAnswers;

/**
 * The report's "where each setting came from" in this face's words: a value the extension put in
 * the request (an answer to its question, or focalLens.defaultConvention) reached the CLI as a
 * flag, and the CLI names it so.
 */
function wordSettingOrigins(report: AnalysisReport, { supplied = [], conventionFromDefault }: LastRequest): void {
  const origin = report.loss.origin;
  if (!origin) return;
  for (const key of supplied) {
    if (!origin[key]?.startsWith('flag ')) continue;
    origin[key] = key === 'convention' && conventionFromDefault ? 'the focalLens.defaultConvention setting' : 'your answer in VS Code';
  }
}

export class AnalysisController implements vscode.Disposable {
  private running: vscode.CancellationTokenSource | undefined;
  /** Bumped by every analysis started: an older one, still asking or failing, leaves the views alone. */
  private generation = 0;
  /** The report the views fall back to when a run is cancelled, escaped or fails. */
  private lastGood: Shown | undefined;
  private last: LastRequest | undefined;
  private rerunTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];
  private readonly started = new vscode.EventEmitter<string[]>();
  /** Fires with the paths of every analysis that starts (a watch of another run gives way to it). */
  readonly onDidStartRun = this.started.event;
  /** The last failure notification: its text and buttons (tests read it). */
  lastFailure: { message: string; actions: string[] } | undefined;

  constructor(private readonly deps: ControllerDeps) {
    const s = deps.store.state;
    if (s.phase === 'done') this.lastGood = { source: s.source, report: s.report, ...(s.logPaths ? { logPaths: s.logPaths } : {}) };
    this.last = deps.memento.get<LastRequest>(LAST_REQUEST_KEY);
    this.subscriptions.push(deps.config.onDidChange((keys) => this.settingsChanged(keys)));
  }

  cancel(): void {
    this.running?.cancel();
  }

  /** Shows a report kept from before (a run of the recent list) as the current one, stopping a run going on. */
  show(shown: Shown): void {
    this.generation++;
    this.running?.cancel();
    this.lastGood = shown;
    this.showLastGood();
  }

  /** For the API and the tests: one run, rejecting with the CLI's error (the views show the failure). */
  async analyze(request: AnalysisRequest, token?: vscode.CancellationToken): Promise<AnalysisReport | undefined> {
    const generation = ++this.generation;
    try {
      return await this.runOnce(request, generation, token);
    } catch (err) {
      this.fail(request, err, generation);
      throw err;
    }
  }

  /**
   * For people: asks for what the log does not record (remembered per log), and when the run still
   * fails says why with the buttons that fix it. Resolves undefined when cancelled, escaped or failed.
   */
  async analyzeForPeople(request: AnalysisRequest, token?: vscode.CancellationToken, supplied: readonly SettingKey[] = []): Promise<AnalysisReport | undefined> {
    const generation = ++this.generation;
    const asked: LogAnswers = {};
    let current: LastRequest = { request, conventionFromDefault: false, supplied: [...supplied] };
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      try {
        const report = await this.runOnce(current.request, generation, token, current);
        if (report && Object.keys(asked).length) await this.deps.answers.remember(request.logPaths, asked);
        return report;
      } catch (err) {
        if (generation !== this.generation) return undefined;
        const event = err instanceof AnalysisError ? err.event : undefined;
        const next = event ? await this.supply(current, event, asked, generation) : undefined;
        if (generation !== this.generation) return undefined;
        if (next === 'escaped') {
          this.showLastGood();
          return undefined;
        }
        if (next) {
          const added = ANSWER_KEYS.filter((k) => next.request[k] !== undefined && request[k] === undefined);
          current = { ...next, supplied: [...supplied, ...added] };
          continue;
        }
        this.fail(current.request, err, generation);
        void this.offerFix(current.request, event, err);
        return undefined;
      }
    }
    return undefined;
  }

  /** One CLI run; the views show its progress over the last good report, then the new report. */
  private async runOnce(request: AnalysisRequest, generation: number, outer?: vscode.CancellationToken, last?: LastRequest): Promise<AnalysisReport | undefined> {
    if (!vscode.workspace.isTrusted) throw new Error('Focal Lens reads training logs only in trusted workspaces.');
    this.running?.cancel();
    const source = new vscode.CancellationTokenSource();
    this.running = source;
    const outerSub = outer?.onCancellationRequested(() => source.cancel());
    const label = request.logPaths.map((p) => vscode.workspace.asRelativePath(p)).join(', ');
    const full: AnalysisRequest = { ...this.deps.config.analysisSettings(), nativeBackendPaths: this.deps.nativeBackend.paths(), ...request };
    this.started.fire(request.logPaths);
    this.showRunning(label, 'Starting…', null);
    try {
      const report = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Focal Lens: analyzing ${path.basename(request.logPaths[0] ?? '')}`, cancellable: true },
        (progress, progressToken) => {
          progressToken.onCancellationRequested(() => source.cancel());
          let reported = 0;
          return runAnalysisProcess(
            this.deps.extensionUri,
            full,
            ({ fraction, message }) => {
              if (source.token.isCancellationRequested) return;
              const increment = fraction === null ? undefined : Math.max(0, fraction * 100 - reported);
              if (fraction !== null) reported = fraction * 100;
              progress.report({ message, increment });
              if (generation === this.generation) this.showRunning(label, message, fraction);
            },
            source.token,
          );
        },
      );
      if (!report) {
        // cancelled: the views go back to the last good report, marked, unless a newer run took over
        if (this.running === source) this.showLastGood(true);
        return undefined;
      }
      if (generation === this.generation) {
        if (last) wordSettingOrigins(report, last);
        this.lastGood = { source: label, report, logPaths: request.logPaths };
        this.deps.store.set({ phase: 'done', source: label, report, logPaths: request.logPaths, finishedAt: Date.now() });
        this.last = last ?? { request, conventionFromDefault: false };
        void this.deps.memento.update(LAST_REQUEST_KEY, this.last);
      }
      return report;
    } finally {
      outerSub?.dispose();
      if (this.running === source) this.running = undefined;
      source.dispose();
    }
  }

  private showRunning(source: string, message: string, fraction: number | null): void {
    const previous = this.lastGood?.report;
    this.deps.store.set({ phase: 'running', source, fraction, message, ...(previous ? { previous } : {}) });
  }

  /** Back to the last good report (after an escaped question, or marked as such after a cancelled run). */
  private showLastGood(cancelled = false): void {
    const shown = this.lastGood;
    const flag = cancelled ? { cancelled: true } : {};
    this.deps.store.set(shown ? { phase: 'done', ...shown, ...flag } : { phase: 'idle', ...flag });
  }

  private fail(request: AnalysisRequest, err: unknown, generation: number): void {
    if (generation !== this.generation) return;
    const label = request.logPaths.map((p) => vscode.workspace.asRelativePath(p)).join(', ');
    const event = err instanceof AnalysisError ? err.event : undefined;
    const previous = this.lastGood?.report;
    this.deps.store.set({ phase: 'failed', source: label, message: panelFailureText(event, err), ...(previous ? { previous } : {}) });
  }

  /**
   * The request with what the CLI said is missing: first the answers remembered for this log, then
   * focalLens.defaultConvention, then questions. 'escaped' when the user backs out; undefined when
   * nothing here can fix the failure.
   */
  private async supply(current: LastRequest, event: CliErrorEvent, asked: LogAnswers, generation: number): Promise<LastRequest | 'escaped' | undefined> {
    const { request } = current;
    const logPaths = request.logPaths;
    const remembered = this.deps.answers.get(logPaths);
    const next: AnalysisRequest = { ...request };
    // an answer that does not fit (a vector of the wrong length, a convention of the other loss): ask again
    const redo = event.option === 'alpha' || event.option === 'convention' ? event.option : undefined;
    if (redo && (asked[redo] !== undefined || remembered[redo] !== undefined)) {
      await this.deps.answers.forget(logPaths);
      delete asked[redo];
      delete next[redo];
      const again = await this.ask(redo, next, event, asked, generation, event.message);
      return again === 'escaped' ? again : { request: again, conventionFromDefault: current.conventionFromDefault && redo !== 'convention' };
    }
    const missing = (event.missing ?? []).filter((m) => next[m] === undefined);
    if (!missing.length) return undefined;
    // what this log lacks was asked before: all of it at once, no question
    const known = ANSWER_KEYS.filter((k) => remembered[k] !== undefined && next[k] === undefined && asked[k] === undefined);
    if (known.length) {
      for (const k of known) Object.assign(next, { [k]: remembered[k] });
      return { request: next, conventionFromDefault: current.conventionFromDefault };
    }
    let fromDefault = current.conventionFromDefault;
    let answered: AnalysisRequest = next;
    for (const setting of missing) {
      if (setting === 'convention' && this.deps.config.defaultConvention) {
        const found = lookupConvention(this.deps.config.defaultConvention, event.loss);
        if (found.ok) {
          answered = { ...answered, convention: found.convention };
          fromDefault = true;
          continue;
        }
      }
      const result = await this.ask(setting, answered, event, asked, generation);
      if (result === 'escaped') return result;
      answered = result;
    }
    return { request: answered, conventionFromDefault: fromDefault };
  }

  /** One question; the answer goes into the request and into `asked` (remembered once the run succeeds). */
  private async ask(setting: 'alpha' | 'gamma' | 'convention', request: AnalysisRequest, event: CliErrorEvent, asked: LogAnswers, generation: number, problem?: string): Promise<AnalysisRequest | 'escaped'> {
    if (generation === this.generation) this.showRunning(request.logPaths.map((p) => vscode.workspace.asRelativePath(p)).join(', '), `Waiting for the run's ${setting}…`, null);
    const { prompts } = this.deps;
    if (setting === 'gamma') {
      const gamma = await askGamma(prompts, event, problem);
      if (gamma === undefined) return 'escaped';
      asked.gamma = gamma;
      return { ...request, gamma };
    }
    if (setting === 'convention') {
      const found = await conventionsInWorkspace(request.logPaths[0] ?? '');
      const convention = await askConvention(prompts, event, found);
      if (convention === undefined) return 'escaped';
      if (convention !== 'per-class') {
        asked.convention = convention;
        return { ...request, convention };
      }
    }
    const alpha = await askAlpha(prompts, event, problem);
    if (alpha === undefined) return 'escaped';
    asked.alpha = alpha;
    return { ...request, alpha };
  }

  /** The failure's notification, with the buttons that fix it; a click starts the fixed run. */
  private async offerFix(request: AnalysisRequest, event: CliErrorEvent | undefined, err: unknown): Promise<void> {
    const { message, actions } = failureWords(event, err, request.lenient ?? false);
    const labels = actions.map((a) => FAILURE_ACTION_LABELS[a]);
    this.lastFailure = { message, actions: labels };
    const label = await vscode.window.showErrorMessage(message, ...labels);
    const action = actions.find((a) => FAILURE_ACTION_LABELS[a] === label);
    if (action) await this.apply(action, request);
  }

  private async apply(action: FailureAction, request: AnalysisRequest): Promise<void> {
    switch (action) {
      case 'skip-bad-records':
        await this.analyzeForPeople({ ...request, lenient: true });
        return;
      case 'install-native-backend': {
        const outcome = await this.deps.nativeBackend.install();
        if (outcome?.loads) await this.analyzeForPeople(request);
        return;
      }
      case 'use-wasm':
      case 'use-cpu':
        await this.deps.config.setComputeBackend(action === 'use-wasm' ? 'wasm' : 'cpu');
        await this.analyzeForPeople({ ...request, backend: action === 'use-wasm' ? 'wasm' : 'cpu' });
        return;
      case 'open-settings':
        await vscode.commands.executeCommand('workbench.action.openSettings', 'focalLens');
        return;
    }
  }

  private settingsChanged(keys: ReadonlySet<string>): void {
    const affects = [...keys].some((k) => AFFECTS[k as keyof typeof AFFECTS] === 'analysis' && (k !== 'defaultConvention' || this.last?.conventionFromDefault));
    if (!affects) return;
    if (this.rerunTimer) clearTimeout(this.rerunTimer);
    this.rerunTimer = setTimeout(() => {
      this.rerunTimer = undefined;
      const last = this.last;
      // the report on screen depends on the settings: run it again (not a run that is going, nor a failure)
      if (!last || this.running || this.deps.store.state.phase !== 'done') return;
      const request = { ...last.request };
      if (last.conventionFromDefault) delete request.convention;
      void this.analyzeForPeople(request, undefined, (last.supplied ?? []).filter((k) => request[k] !== undefined));
    }, RERUN_DELAY_MS);
  }

  dispose(): void {
    if (this.rerunTimer) clearTimeout(this.rerunTimer);
    this.running?.cancel();
    this.subscriptions.forEach((s) => s.dispose());
    this.started.dispose();
  }
}
