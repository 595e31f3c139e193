import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AnalysisReport } from '../core/report';
import { parseCliEvent, parseWatchEvent, type WatchCliEvent } from '../protocol/cli-events';
import { spawnCli, type AnalysisRequest } from './analysis-runner';
import type { AnalysisStore } from './analysis-store';
import { watchStoppedText, watchWarningText } from './notifications';

/** Whether a run is watched, or why it cannot be (the answer to the webview's `watchRun`). */
export interface WatchAnswer {
  watching: boolean;
  available: boolean;
  message: string;
}

export interface WatchDeps {
  extensionUri: vscode.Uri;
  store: AnalysisStore;
  /** workspaceState: the runs whose warning the user turned off. */
  memento: vscode.Memento;
  /** Shows the report panel. */
  openReport(): void;
  /** The files of the report shown now: what "watch this run" follows. */
  currentRun(): string[] | undefined;
  /** Settings of the analysis (the compute backend). */
  request(): Omit<AnalysisRequest, 'logPaths'>;
}

const QUIET_RUNS_KEY = 'focalLens.watch.quietRuns';
const OPEN_REPORT = 'Open report';
const DONT_WARN = "Don't warn again for this run";

interface Session {
  paths: string[];
  label: string;
  /** The run as remembered for "Don't warn again" (its sorted paths). */
  key: string;
  child: ReturnType<typeof spawnCli>;
  /** The one warning was shown (or the user turned it off for this run). */
  warned: boolean;
  lastEpoch?: number;
}

/**
 * "Focal Lens: Watch Training Run": follows a run with `focal-lens watch --format json` in a child
 * process (parsing and the kernels stay off the extension host's thread, as for analyze, and the
 * extension runs the CLI users run). Each complete epoch's report goes to the AnalysisStore, so the
 * report panel and the side view update; a status-bar item shows the watched verdict; drift or
 * collapse is announced once per watch, unless turned off for the run. Watching stops on "Stop
 * Watching", when the run's file is deleted, or with the window.
 */
export class WatchController implements vscode.Disposable {
  private session: Session | undefined;
  private readonly item: vscode.StatusBarItem;
  /** The epochs shown and the warnings given, in order, of every watch so far (the integration tests check them). */
  readonly shown: { epochs: number[]; warnings: string[] } = { epochs: [], warnings: [] };

  constructor(private readonly deps: WatchDeps) {
    this.item = vscode.window.createStatusBarItem('focalLens.watch', vscode.StatusBarAlignment.Left, 9);
    this.item.name = 'Focal Lens watched run';
    this.item.command = 'focalLens.watchRun';
  }

  get watching(): string[] | undefined {
    return this.session?.paths;
  }

  /** Start watching `paths` (a watch running already is stopped first). */
  start(paths: string[]): WatchAnswer {
    if (!vscode.workspace.isTrusted) return { watching: false, available: false, message: 'Focal Lens reads training logs only in trusted workspaces.' };
    this.stop();
    const label = paths.map((p) => vscode.workspace.asRelativePath(p)).join(', ');
    const key = [...paths].sort().join('\n');
    const child = spawnCli(this.deps.extensionUri, 'watch', { ...this.deps.request(), logPaths: paths });
    const session: Session = { paths, label, key, child, warned: this.quietRuns().includes(key) };
    this.session = session;
    this.setWatching(true);
    this.show(`$(eye) Focal Lens: watching ${path.basename(paths[0] ?? '')}`, `Watching ${label}: waiting for the first complete epoch`);
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
      for (const event of batch.map(parseCliEvent)) {
        if (event?.type === 'error') failure = event.message;
        else if (event?.type === 'progress' && event.phase === 'read' && this.session === session && session.lastEpoch === undefined) {
          this.deps.store.set({ phase: 'running', source: label, fraction: event.fraction ?? null, message: `Catching up with the run: ${event.message}` });
        }
      }
    });
    child.on('close', (code) => {
      // stopped on purpose (0), by deletion (4, said by its watch-stop event), or failed
      if (this.end(session) && code !== 0 && code !== 4) void vscode.window.showErrorMessage(watchStoppedText(failure ?? `focal-lens watch exited with ${code}`));
    });
    // the CLI could not be started (no 'close' follows)
    child.on('error', (err) => {
      if (this.end(session)) void vscode.window.showErrorMessage(watchStoppedText(err.message));
    });
    return { watching: true, available: true, message: `Watching ${label}.` };
  }

  /** Stop watching (nothing when no run is watched). */
  stop(): WatchAnswer {
    const session = this.session;
    if (!session) return { watching: false, available: true, message: 'No run is watched.' };
    this.end(session);
    session.child.kill('SIGTERM');
    return { watching: false, available: true, message: `Stopped watching ${session.label}.` };
  }

  /** `session` is over: true when it was the watch running (and not stopped on purpose before). */
  private end(session: Session): boolean {
    if (this.session !== session) return false;
    this.session = undefined;
    this.setWatching(false);
    this.item.hide();
    return true;
  }

  /** The webview's "watch this run" switch: start or stop watching the run of the report shown. */
  watchRun(start: boolean): WatchAnswer {
    if (!start) return this.stop();
    const paths = this.deps.currentRun();
    if (!paths?.length) return { watching: false, available: true, message: 'Analyze a run first (or use "Focal Lens: Watch Training Run"), then it can be watched.' };
    return this.start(paths);
  }

  dispose(): void {
    this.stop();
    this.item.dispose();
  }

  private handle(session: Session, event: WatchCliEvent): void {
    if (event.type === 'watch-epoch') {
      session.lastEpoch = event.epoch;
      this.shown.epochs.push(event.epoch);
      if (event.status !== 'healthy' && !session.warned) {
        session.warned = true;
        this.warn(session, event.report, event.epoch);
      }
    } else if (event.type === 'watch-restart') {
      this.item.tooltip = `Watching ${session.label}: ${event.file} was ${event.reason}, read again`;
    } else if (event.type === 'watch-stop' && event.reason === 'deleted') {
      void vscode.window.showInformationMessage(watchStoppedText(event.message));
    }
  }

  /** The report of an epoch in the views and the status bar. */
  private showEpoch(session: Session, event: Extract<WatchCliEvent, { type: 'watch-epoch' }>): void {
    const { report, status, class: onto } = event;
    this.deps.store.set({ phase: 'done', source: session.label, report });
    this.show(
      `$(eye) Focal Lens: ${status}${onto && status !== 'healthy' ? ` onto ${onto}` : ''} · epoch ${event.epoch}`,
      `Watching ${session.label}: ${report.verdict.message}`,
      status === 'collapsed' ? 'statusBarItem.errorBackground' : status === 'drifting' ? 'statusBarItem.warningBackground' : undefined,
    );
  }

  private warn(session: Session, report: AnalysisReport, epoch: number): void {
    const text = watchWarningText(session.label, report, epoch);
    this.shown.warnings.push(text);
    void vscode.window.showWarningMessage(text, OPEN_REPORT, DONT_WARN).then((choice) => {
      if (choice === OPEN_REPORT) this.deps.openReport();
      else if (choice === DONT_WARN) void this.deps.memento.update(QUIET_RUNS_KEY, [...new Set([...this.quietRuns(), session.key])]);
    });
  }

  private quietRuns(): string[] {
    return this.deps.memento.get<string[]>(QUIET_RUNS_KEY, []);
  }

  /** The `focalLens.watching` context key: the menus offer Stop Watching while a run is watched. */
  private setWatching(watching: boolean): void {
    void vscode.commands.executeCommand('setContext', 'focalLens.watching', watching);
  }

  private show(text: string, tooltip: string, background?: string): void {
    this.item.text = text;
    this.item.tooltip = tooltip;
    this.item.backgroundColor = background ? new vscode.ThemeColor(background) : undefined;
    this.item.show();
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
    const choice = await vscode.window.showInformationMessage(`Focal Lens is watching ${watch.watching.map((p) => vscode.workspace.asRelativePath(p)).join(', ')}.`, OPEN_REPORT, 'Stop Watching', 'Watch Another Run…');
    if (choice === OPEN_REPORT) openReport();
    if (choice === 'Stop Watching') return watch.stop();
    if (choice !== 'Watch Another Run…') return undefined;
  }
  uris ??= await pick();
  if (!uris?.length) return undefined;
  const answer = watch.start(uris.map((u) => u.fsPath));
  if (answer.watching) openReport();
  else void vscode.window.showErrorMessage(answer.message);
  return answer;
}
