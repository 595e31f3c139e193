import * as vscode from 'vscode';
import type { NativePackage } from '../core/compute/native-packages';
import type { AnalysisReport } from '../core/report';
import type { AnalysisState, WebviewKind } from '../protocol/messages';
import type { AnalysisRequest } from './analysis-runner';
import { AnalysisController } from './analysis-controller';
import { AnalysisStore } from './analysis-store';
import { AlphaApplier } from './apply-config';
import { Config } from './config';
import { EpochSamplesProvider } from './epoch-samples';
import { registerHintFeatures } from './hints';
import { LogAnswerStore } from './log-answers';
import { pickTrainingLog } from './log-picker';
import { NativeBackend, type InstallOutcome } from './native-backend';
import { PromptTracker, type PromptSnapshot } from './prompts';
import { RecentRuns } from './recent-runs';
import { exportReport } from './report-export';
import { ReportPanel } from './report-panel';
import { SIDE_VIEW_ID, SideViewProvider } from './side-view';
import { VerdictStatusItem } from './status-bar';
import { WatchController, watchRunCommand } from './watch';
import { WATCH_WORDS } from './words';
import { RenderTracker, type RenderedMessage, type WebviewActions } from './webview-connection';

/** What `activate` returns: other extensions and the integration tests use it. */
export interface FocalLensApi {
  /**
   * Runs an analysis and shows it in the report panel; resolves with the report (undefined if
   * cancelled) and rejects with the engine's message (naming file and line) on bad input.
   */
  analyze(request: AnalysisRequest): Promise<AnalysisReport | undefined>;
  testing: {
    /** The last `rendered` of a webview (or the next one, with `next`). */
    waitForWebviewRendered(kind: WebviewKind, timeoutMs?: number, next?: boolean): Promise<RenderedMessage>;
    /** What the views show. */
    analysisState(): AnalysisState;
    /** The status bar item's text and tooltip; undefined when it is hidden. */
    statusBar(): { text: string; tooltip: string } | undefined;
    /** The question on screen: read it, wait for one, type into it (accept with VS Code's own command). */
    prompts: { current(): PromptSnapshot | undefined; wait(timeoutMs?: number): Promise<PromptSnapshot>; fill(value: string): void };
    /** The native backend's output channel text (npm's log, the load checks). */
    nativeBackendLog(): string;
    /** What the views' Cancel button does. */
    cancelAnalysis(): void;
    /** The last failure notification's text and buttons. */
    lastFailure(): { message: string; actions: string[] } | undefined;
    /** The epochs a watch showed and the warnings it gave, of every watch so far. */
    watched: WatchController['shown'];
    /** The paths watched now; undefined when no run is watched. */
    watching(): string[] | undefined;
  };
}

export function activate(context: vscode.ExtensionContext): FocalLensApi {
  const config = new Config();
  const store = new AnalysisStore(context.workspaceState);
  const renders = new RenderTracker();
  const prompts = new PromptTracker();
  const nativeBackend = new NativeBackend(context, config);
  const answers = new LogAnswerStore(context.workspaceState);
  const controller = new AnalysisController({
    extensionUri: context.extensionUri,
    store,
    config,
    nativeBackend,
    answers,
    prompts,
    memento: context.workspaceState,
  });
  const watch = new WatchController({
    extensionUri: context.extensionUri,
    memento: context.workspaceState,
    views: controller,
    openReport: () => panel.show(),
    currentRun: () => (store.state.phase === 'done' ? store.state.logPaths : undefined),
    // what the user told an analysis of the run about its loss settings holds for its watch too
    request: (paths) => ({ ...config.analysisSettings(), nativeBackendPaths: nativeBackend.paths(), ...answers.get(paths) }),
  });
  const statusItem = new VerdictStatusItem(store, watch);
  const samples = new EpochSamplesProvider(context.extensionUri, store, () => config.maxSamplesToWebview);
  const recent = new RecentRuns(context.workspaceState);
  // the config -> log links come from the hints, registered below (read only once the user applies)
  const applier = new AlphaApplier(store, () => hints.links());

  /** Shows a run of the recent list: its kept report at once, else analyzed again. */
  const openRecent = async (id: string): Promise<void> => {
    const run = recent.get(id);
    if (!run) return;
    panel.show();
    watch.giveWayTo(run.logPaths);
    if (run.report) controller.show({ source: run.label, report: run.report, logPaths: run.logPaths });
    else await controller.analyzeForPeople({ logPaths: run.logPaths });
  };

  const actions: WebviewActions = {
    chooseLog: () => void vscode.commands.executeCommand('focalLens.analyze'),
    cancel: () => controller.cancel(),
    openPanel: () => panel.show(),
    exportReport: (format, epoch) => void exportReport(store, format, epoch),
    requestSamples: (epoch) => samples.get(epoch),
    copyAlpha: (alpha) => void copyAlpha(store, alpha),
    applyAlpha: (alpha) => void applier.propose(alpha),
    openRecent: (id) => void openRecent(id),
    watchRun: (start) => watch.watchRun(start),
    backend: () => config.computeBackend,
  };
  const deps = { extensionUri: context.extensionUri, store, renders, actions, recent, watch };
  const panel = new ReportPanel(deps);
  const sideView = new SideViewProvider(deps);

  context.subscriptions.push(
    config,
    store,
    prompts,
    nativeBackend,
    controller,
    watch,
    controller.onDidStartRun((paths) => watch.giveWayTo(paths)),
    statusItem,
    panel,
    sideView,
    samples,
    recent,
    store.onDidChange((state) => {
      if (state.phase === 'done') void recent.add(state);
    }),
    vscode.window.registerWebviewViewProvider(SIDE_VIEW_ID, sideView),
    vscode.commands.registerCommand('focalLens.analyze', async (target?: vscode.Uri, selected?: vscode.Uri[]) => {
      panel.show();
      // From the explorer context menu VS Code passes the clicked file and the whole selection.
      const uris = selected?.length ? selected : target instanceof vscode.Uri ? [target] : await pickTrainingLog();
      if (!uris?.length) return undefined;
      return controller.analyzeForPeople({ logPaths: uris.map((u) => u.fsPath) });
    }),
    vscode.commands.registerCommand('focalLens.watchRun', (target?: vscode.Uri, selected?: vscode.Uri[]) =>
      watchRunCommand(watch, () => pickTrainingLog(WATCH_WORDS.picker), () => panel.show(), target, selected),
    ),
    vscode.commands.registerCommand('focalLens.stopWatching', () => {
      const answer = watch.stop();
      void vscode.window.showInformationMessage(`Focal Lens: ${answer.message}`);
      return answer;
    }),
    vscode.commands.registerCommand('focalLens.exportReport', (format: 'json' | 'markdown' | 'html' = 'html', epoch?: number, target?: vscode.Uri) =>
      exportReport(store, format, epoch, target),
    ),
    vscode.commands.registerCommand('focalLens.installNativeBackend', (pkg?: NativePackage, timeoutMs?: number): Promise<InstallOutcome | undefined> =>
      nativeBackend.install(typeof pkg === 'string' ? pkg : undefined, typeof timeoutMs === 'number' ? timeoutMs : undefined),
    ),
  );
  const hints = registerHintFeatures(context, config, {
    runAnalysis: (request, token) => {
      panel.show();
      return controller.analyzeForPeople(request, token);
    },
  });
  context.subscriptions.push(applier);

  return {
    analyze: (request) => {
      panel.show();
      return controller.analyze(request);
    },
    testing: {
      waitForWebviewRendered: (kind, timeoutMs, next) => renders.wait(kind, timeoutMs, !next),
      analysisState: () => store.state,
      statusBar: () => statusItem.shown,
      prompts: { current: () => prompts.snapshot, wait: (timeoutMs) => prompts.wait(timeoutMs), fill: (value) => prompts.fill(value) },
      nativeBackendLog: () => nativeBackend.log,
      cancelAnalysis: () => controller.cancel(),
      lastFailure: () => controller.lastFailure,
      watched: watch.shown,
      watching: () => watch.watching,
    },
  };
}

/** Copies an alpha of the report (its convention) as the text a config would hold. */
async function copyAlpha(store: AnalysisStore, alpha: number | number[]): Promise<void> {
  const text = Array.isArray(alpha) ? `[${alpha.map((a) => Number(a.toPrecision(4))).join(', ')}]` : String(Number(alpha.toPrecision(4)));
  await vscode.env.clipboard.writeText(text);
  const convention = store.state.phase === 'done' ? store.state.report.loss.convention : undefined;
  void vscode.window.showInformationMessage(`Focal Lens copied alpha = ${text}${convention ? ` (${convention} convention: convert it for a library of another convention, or use Apply to config…)` : ''}.`);
}
