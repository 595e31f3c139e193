import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AnalysisReport } from '../core/report';
import type { WebviewKind } from '../protocol/messages';
import { AnalysisInputError, runAnalysisProcess, type AnalysisRequest } from './analysis-runner';
import { AnalysisStore } from './analysis-store';
import { AlphaApplier } from './apply-config';
import { EpochSamplesProvider } from './epoch-samples';
import { registerHintFeatures } from './hints';
import { pickTrainingLog } from './log-picker';
import { analysisFailureText } from './notifications';
import { RecentRuns } from './recent-runs';
import { exportReport } from './report-export';
import { ReportPanel } from './report-panel';
import { SIDE_VIEW_ID, SideViewProvider } from './side-view';
import { RenderTracker, type RenderedMessage, type WebviewActions } from './webview-connection';

/** What `activate` returns: other extensions and the integration tests use it. */
export interface FocalLensApi {
  /**
   * Runs an analysis and shows it in the report panel; resolves with the report (undefined if
   * cancelled) and rejects with the engine's message (naming file and line) on bad input.
   */
  analyze(request: AnalysisRequest): Promise<AnalysisReport | undefined>;
  testing: {
    waitForWebviewRendered(kind: WebviewKind, timeoutMs?: number): Promise<RenderedMessage>;
  };
}

export function activate(context: vscode.ExtensionContext): FocalLensApi {
  const store = new AnalysisStore(context.workspaceState);
  const renders = new RenderTracker();
  const verdictItem = vscode.window.createStatusBarItem('focalLens.verdict', vscode.StatusBarAlignment.Left, 10);
  verdictItem.name = 'Focal Lens verdict';
  verdictItem.command = 'focalLens.analyze';
  let running: vscode.CancellationTokenSource | undefined;

  const samples = new EpochSamplesProvider(context.extensionUri, store);
  const recent = new RecentRuns(context.workspaceState);
  // the config -> log links come from the hints, registered below (read only once the user applies)
  const applier = new AlphaApplier(store, () => hints.links());
  const actions: WebviewActions = {
    chooseLog: () => void vscode.commands.executeCommand('focalLens.analyze'),
    cancel: () => running?.cancel(),
    openPanel: () => panel.show(),
    exportReport: (format, epoch) => void exportReport(store, format, epoch),
    requestSamples: (epoch) => samples.get(epoch),
    copyAlpha: (alpha) => void copyAlpha(store, alpha),
    applyAlpha: (alpha) => void applier.propose(alpha),
    openRecent: (id) => void openRecent(id),
    // live watching comes with the writer/watch issue: until its command exists, say so
    watchRun: () => ({ watching: false, available: false, message: 'Watching a run is not available in this version yet: analyze the run again to see new epochs.' }),
    backend: () => vscode.workspace.getConfiguration('focalLens').get<'auto' | 'tensorflow' | 'wasm' | 'cpu'>('computeBackend', 'auto'),
  };
  const deps = { extensionUri: context.extensionUri, store, renders, actions, recent };
  const panel = new ReportPanel(deps);
  const sideView = new SideViewProvider(deps);

  /**
   * Runs one analysis at a time (a new request cancels the one before it) and shows it in both
   * views. Rejects with the CLI's error; `analyzeAndReport` turns errors into notifications.
   */
  async function analyze(request: AnalysisRequest, outerToken?: vscode.CancellationToken): Promise<AnalysisReport | undefined> {
    if (!vscode.workspace.isTrusted) {
      throw new Error('Focal Lens reads training logs only in trusted workspaces.');
    }
    running?.cancel();
    const source = new vscode.CancellationTokenSource();
    running = source;
    const outer = outerToken?.onCancellationRequested(() => source.cancel());
    const label = request.logPaths.map((p) => vscode.workspace.asRelativePath(p)).join(', ');
    const previous = store.state;
    store.set({ phase: 'running', source: label, fraction: null, message: 'Starting…' });
    try {
      const report = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Focal Lens: analyzing ${path.basename(request.logPaths[0] ?? '')}`, cancellable: true },
        (progress, progressToken) => {
          progressToken.onCancellationRequested(() => source.cancel());
          let reported = 0;
          return runAnalysisProcess(
            context.extensionUri,
            { backend: vscode.workspace.getConfiguration('focalLens').get<'auto' | 'tensorflow' | 'wasm' | 'cpu'>('computeBackend', 'auto'), ...request },
            ({ fraction, message }) => {
              if (source.token.isCancellationRequested) return;
              const increment = fraction === null ? undefined : Math.max(0, fraction * 100 - reported);
              if (fraction !== null) reported = fraction * 100;
              progress.report({ message, increment });
              store.set({ phase: 'running', source: label, fraction, message });
            },
            source.token,
          );
        },
      );
      if (!report) {
        // Cancelled: the views go back to the report they showed before, unless a newer run took over.
        if (running === source) store.set(previous.phase === 'done' ? previous : { phase: 'idle' });
        return undefined;
      }
      store.set({ phase: 'done', source: label, report, logPaths: request.logPaths, finishedAt: Date.now() });
      showVerdict(verdictItem, report);
      return report;
    } catch (err) {
      store.set({ phase: 'failed', source: label, message: (err as Error).message });
      throw err;
    } finally {
      outer?.dispose();
      if (running === source) running = undefined;
      source.dispose();
    }
  }

  /** `analyze` for people: asks for loss settings the log lacks, offers to skip bad records. */
  async function analyzeAndReport(request: AnalysisRequest, token?: vscode.CancellationToken): Promise<AnalysisReport | undefined> {
    try {
      return await analyze(request, token);
    } catch (err) {
      if (err instanceof AnalysisInputError && err.missing.length) {
        const settings = await askLossSettings(err.missing);
        return settings ? analyzeAndReport({ ...request, ...settings }, token) : undefined;
      }
      const skip = 'Skip bad records';
      // only a bad record can be skipped; a missing file or an unknown format stays what it is
      const canSkip = err instanceof AnalysisInputError && err.kind === 'record' && !request.lenient;
      const what = err instanceof AnalysisInputError ? 'cannot read the log' : 'analysis failed';
      const choice = await vscode.window.showErrorMessage(analysisFailureText(what, err), ...(canSkip ? [skip] : []));
      return choice === skip ? analyzeAndReport({ ...request, lenient: true }, token) : undefined;
    }
  }

  /** Shows a run of the recent list: its kept report at once, else analyzed again. */
  async function openRecent(id: string): Promise<void> {
    const run = recent.get(id);
    if (!run) return;
    panel.show();
    if (run.report) store.set({ phase: 'done', source: run.label, report: run.report, logPaths: run.logPaths, finishedAt: Date.parse(run.analyzedAt) });
    else await analyzeAndReport({ logPaths: run.logPaths });
  }

  context.subscriptions.push(
    store,
    panel,
    sideView,
    samples,
    recent,
    store.onDidChange((state) => {
      if (state.phase === 'done') void recent.add(state);
    }),
    vscode.commands.registerCommand('focalLens.exportReport', (format: 'json' | 'markdown' | 'html' = 'html', epoch?: number, target?: vscode.Uri) => exportReport(store, format, epoch, target)),
    verdictItem,
    vscode.window.registerWebviewViewProvider(SIDE_VIEW_ID, sideView),
    vscode.commands.registerCommand('focalLens.analyze', async (target?: vscode.Uri, selected?: vscode.Uri[]) => {
      panel.show();
      // From the explorer context menu VS Code passes the clicked file and the whole selection.
      const uris = selected?.length ? selected : target instanceof vscode.Uri ? [target] : await pickTrainingLog();
      if (!uris?.length) return undefined;
      return analyzeAndReport({ logPaths: uris.map((u) => u.fsPath) });
    }),
    { dispose: () => running?.cancel() },
  );
  const hints = registerHintFeatures(context, {
    runAnalysis: (request, token) => {
      panel.show();
      return analyzeAndReport(request, token);
    },
  });
  context.subscriptions.push(applier);

  return {
    analyze: (request) => {
      panel.show();
      return analyze(request);
    },
    testing: { waitForWebviewRendered: (kind, timeoutMs) => renders.wait(kind, timeoutMs) },
  };
}

/** Asks for the loss settings the log's meta does not record. Undefined when the user backs out. */
async function askLossSettings(missing: readonly ('alpha' | 'gamma')[]): Promise<Pick<AnalysisRequest, 'alpha' | 'gamma'> | undefined> {
  const settings: Pick<AnalysisRequest, 'alpha' | 'gamma'> = {};
  if (missing.includes('alpha')) {
    const value = await vscode.window.showInputBox({
      title: 'Focal Lens: the log does not record alpha',
      prompt: 'alpha of the run (a scalar in your library\'s convention, a comma-separated per-class vector, or "off")',
      placeHolder: '0.25',
      ignoreFocusOut: true,
      validateInput: (v) => (v.trim() === 'off' || parseAlpha(v) !== undefined ? undefined : 'a number, a comma-separated list of numbers, or off'),
    });
    if (value === undefined) return undefined;
    settings.alpha = value.trim() === 'off' ? null : parseAlpha(value);
  }
  if (missing.includes('gamma')) {
    const value = await vscode.window.showInputBox({
      title: 'Focal Lens: the log does not record gamma',
      prompt: 'gamma of the run (2 in the paper and torchvision, 1.5 in YOLOv5)',
      placeHolder: '2',
      ignoreFocusOut: true,
      validateInput: (v) => (Number(v) >= 0 && v.trim() !== '' ? undefined : 'a number >= 0'),
    });
    if (value === undefined) return undefined;
    settings.gamma = Number(value);
  }
  return settings;
}

function parseAlpha(text: string): number | number[] | undefined {
  const values = text.split(',').map((v) => Number(v.trim()));
  if (values.some((v) => !Number.isFinite(v) || v < 0)) return undefined;
  return values.length === 1 ? values[0] : values;
}

function showVerdict(item: vscode.StatusBarItem, report: AnalysisReport): void {
  const { status, class: onto } = report.verdict;
  const icon = status === 'healthy' ? '$(pass)' : '$(warning)';
  item.text = `${icon} Focal Lens: ${status}${onto && status !== 'healthy' ? ` onto ${onto}` : ''}`;
  item.tooltip = report.verdict.message;
  item.backgroundColor =
    status === 'collapsed' ? new vscode.ThemeColor('statusBarItem.errorBackground') : status === 'drifting' ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
  item.show();
}

/** Copies an alpha of the report (its convention) as the text a config would hold. */
async function copyAlpha(store: AnalysisStore, alpha: number | number[]): Promise<void> {
  const text = Array.isArray(alpha) ? `[${alpha.map((a) => Number(a.toPrecision(4))).join(', ')}]` : String(Number(alpha.toPrecision(4)));
  await vscode.env.clipboard.writeText(text);
  const convention = store.state.phase === 'done' ? store.state.report.loss.convention : undefined;
  void vscode.window.showInformationMessage(`Focal Lens copied alpha = ${text}${convention ? ` (${convention} convention: convert it for a library of another convention, or use Apply to config…)` : ''}.`);
}
