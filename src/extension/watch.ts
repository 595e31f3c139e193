import * as vscode from 'vscode';
import type { AnalysisReport } from '../core/report';
import { parseCliEvent, parseWatchEvent, type WatchCliEvent } from '../protocol/cli-events';
import type { HostMessages } from '../protocol/messages';
import type { Shown } from './analysis-controller';
import { spawnForRequest, type AnalysisRequest } from './analysis-runner';
import { runKey } from './log-answers';
import { WATCH_WORDS as W, watchStoppedText, watchWarningText, type WatchedRun } from './words';

/** Whether a run is watched, or why it cannot be (the webviews' `watch` message). */
export type WatchAnswer = HostMessages['watch'];

export interface WatchDeps {
  extensionUri: vscode.Uri;
  /** Where the reports go: the analysis controller (the views show the watched run's report). */
  views: { show(shown: Shown): void };
  /** workspaceState: the runs whose warning the user turned off. */
  memento: vscode.Memento;
  /** Shows the report panel. */
  openReport(): void;
  /** The files of the report shown now: what "watch this run" follows. */
  currentRun(): string[] | undefined;
  /** The settings a request for these paths carries (compute backend, thresholds, the answers given for the log). */
  request(paths: string[]): Omit<AnalysisRequest, 'logPaths'>;
}

const QUIET_RUNS_KEY = 'focalLens.watch.quietRuns';
const NOT_WATCHING: WatchAnswer = { watching: false, available: true, message: W.notWatching };

interface Session {
  paths: string[];
  label: string;
  /** The run as remembered for "Don't warn again" (its sorted paths). */
  key: string;
  child: ReturnType<typeof spawnForRequest>;
  /** The one warning was shown (or the user turned it off for this run). */
  warned: boolean;
  lastEpoch?: number;
  /** Why the CLI stopped by itself (the run's file was deleted). */
  stopMessage?: string;
}

/**
 * "Focal Lens: Watch Training Run": follows a run with `focal-lens watch --format json` in a child
 * process (parsing and the kernels stay off the extension host's thread, as for analyze, and the
 * extension runs the CLI users run). Each complete epoch's report is shown in the report panel and
 * the side view; the status bar shows the watched verdict (status-bar.ts reads `current`); drift or
 * collapse is announced once per watch, unless turned off for the run. Watching stops on "Stop
 * Watching", when the run's file is deleted, or with the window.
 */
export class WatchController implements vscode.Disposable {
  private session: Session | undefined;
  private readonly changed = new vscode.EventEmitter<WatchAnswer>();
  /** Fires when watching starts or stops (the webviews get it as their `watch` message). */
  readonly onDidChange = this.changed.event;
  /** The epochs shown and the warnings given, in order, of every watch so far (the integration tests check them). */
  readonly shown: { epochs: number[]; warnings: string[] } = { epochs: [], warnings: [] };

  constructor(private readonly deps: WatchDeps) {}

  /** The paths watched now. */
  get watching(): string[] | undefined {
    return this.session?.paths;
  }

  /** The run watched now, with its last complete epoch. */
  get current(): WatchedRun | undefined {
    const s = this.session;
    return s ? { label: s.label, ...(s.lastEpoch !== undefined ? { epoch: s.lastEpoch } : {}) } : undefined;
  }

  /** What a webview that (re)loads is told while a run is watched. */
  announcement(): WatchAnswer | undefined {
    return this.session ? { watching: true, available: true, message: W.watching(this.session.label) } : undefined;
  }

  /** Start watching `paths` (a watch running already is stopped first). */
  start(paths: string[]): WatchAnswer {
    if (!vscode.workspace.isTrusted) return { watching: false, available: false, message: W.untrusted };
    this.stop();
    const label = paths.map((p) => vscode.workspace.asRelativePath(p)).join(', ');
    const key = runKey(paths);
    const child = spawnForRequest(this.deps.extensionUri, 'watch', { ...this.deps.request(paths), logPaths: paths });
    const session: Session = { paths, label, key, child, warned: this.quietRuns().includes(key) };
    this.session = session;
    this.setWatching(true);
    const answer: WatchAnswer = { watching: true, available: true, message: W.watching(label) };
    this.changed.fire(answer);
    let failure: string | undefined;
    lines(child.stdout, (batch) => {
      if (this.session !== session) return;
      const events = batch.map(parseWatchEvent).filter((e) => e !== undefined);
      for (const event of events) this.handle(session, event);
      // catching up on a long run gives many epochs at once: the views draw the last one
      const last = events.filter((e) => e.type === 'watch-epoch').pop();
      if (last) this.showEpoch(session, last);
    });
    lines(child.stderr, (batch) => {
      for (const event of batch.map(parseCliEvent)) if (event?.type === 'error') failure = event.message;
    });
    child.on('close', (code) => {
      // stopped on purpose (0), by deletion (4, said by its watch-stop event), or failed
      const why = code === 0 || code === 4 ? (session.stopMessage ?? W.stopped(label)) : (failure ?? `focal-lens watch exited with ${code}`);
      if (this.end(session, why) && code !== 0 && code !== 4) void vscode.window.showErrorMessage(watchStoppedText(why));
    });
    // the CLI could not be started (no 'close' follows)
    child.on('error', (err) => {
      if (this.end(session, err.message)) void vscode.window.showErrorMessage(watchStoppedText(err.message));
    });
    return answer;
  }

  /**
   * A run the user analyzes or reopens takes the views: the watch of another run stops, or its next
   * epoch would replace what the user asked for.
   */
  giveWayTo(paths: string[]): void {
    if (this.session && this.session.key !== runKey(paths)) this.stop();
  }

  /** Stop watching (nothing when no run is watched). */
  stop(): WatchAnswer {
    const session = this.session;
    if (!session) return NOT_WATCHING;
    session.child.kill('SIGTERM');
    return this.end(session, W.stopped(session.label)) ?? NOT_WATCHING;
  }

  /** `session` is over: what the webviews are told, or undefined when it was over already (stopped on purpose before). */
  private end(session: Session, message: string): WatchAnswer | undefined {
    if (this.session !== session) return undefined;
    this.session = undefined;
    this.setWatching(false);
    const answer: WatchAnswer = { watching: false, available: true, message };
    this.changed.fire(answer);
    return answer;
  }

  /** The webview's "watch this run" switch: start or stop watching the run of the report shown. */
  watchRun(start: boolean): WatchAnswer {
    if (!start) return this.stop();
    const paths = this.deps.currentRun();
    if (!paths?.length) return { watching: false, available: true, message: W.nothingToWatch };
    return this.start(paths);
  }

  dispose(): void {
    this.stop();
    this.changed.dispose();
  }

  private handle(session: Session, event: WatchCliEvent): void {
    if (event.type === 'watch-epoch') {
      session.lastEpoch = event.epoch;
      this.shown.epochs.push(event.epoch);
      if (event.status !== 'healthy' && !session.warned) {
        session.warned = true;
        this.warn(session, event.report, event.epoch);
      }
    } else if (event.type === 'watch-stop' && event.reason === 'deleted') {
      session.stopMessage = watchStoppedText(event.message);
      void vscode.window.showInformationMessage(session.stopMessage);
    }
  }

  /** The report of an epoch in the views (and so, with `current`, in the status bar). */
  private showEpoch(session: Session, event: Extract<WatchCliEvent, { type: 'watch-epoch' }>): void {
    this.deps.views.show({ source: session.label, report: event.report, logPaths: session.paths });
  }

  private warn(session: Session, report: AnalysisReport, epoch: number): void {
    const text = watchWarningText(session.label, report, epoch);
    this.shown.warnings.push(text);
    void vscode.window.showWarningMessage(text, W.openReport, W.dontWarn).then((choice) => {
      if (choice === W.openReport) this.deps.openReport();
      else if (choice === W.dontWarn) void this.deps.memento.update(QUIET_RUNS_KEY, [...new Set([...this.quietRuns(), session.key])]);
    });
  }

  private quietRuns(): string[] {
    return this.deps.memento.get<string[]>(QUIET_RUNS_KEY, []);
  }

  /** The `focalLens.watching` context key: the menus offer Stop Watching while a run is watched. */
  private setWatching(watching: boolean): void {
    void vscode.commands.executeCommand('setContext', 'focalLens.watching', watching);
  }
}

/** The complete lines of a stream, those of each chunk together. */
function lines(stream: NodeJS.ReadableStream, onLines: (lines: string[]) => void): void {
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (text: string) => {
    const parts = (pending + text).split('\n');
    pending = parts.pop() ?? '';
    if (parts.length) onLines(parts);
  });
}

/**
 * The "Watch Training Run" command: a run from the Explorer (the clicked file or folder) or the
 * picker; while a run is watched, what to do with it.
 */
export async function watchRunCommand(watch: WatchController, pick: () => Promise<vscode.Uri[] | undefined>, openReport: () => void, target?: vscode.Uri, selected?: vscode.Uri[]): Promise<WatchAnswer | undefined> {
  let uris = selected?.length ? selected : target instanceof vscode.Uri ? [target] : undefined;
  if (!uris && watch.watching) {
    const choice = await vscode.window.showInformationMessage(W.isWatching(watch.watching.map((p) => vscode.workspace.asRelativePath(p)).join(', ')), W.openReport, W.stop, W.another);
    if (choice === W.openReport) openReport();
    if (choice === W.stop) return watch.stop();
    if (choice !== W.another) return undefined;
  }
  uris ??= await pick();
  if (!uris?.length) return undefined;
  const answer = watch.start(uris.map((u) => u.fsPath));
  if (answer.watching) openReport();
  else void vscode.window.showErrorMessage(answer.message);
  return answer;
}
