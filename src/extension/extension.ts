import * as path from 'node:path';
import * as vscode from 'vscode';
import { renderMarkdown } from '../core/format/markdown';
import type { AnalysisReport } from '../core/report';
import type { WebviewKind } from '../protocol/messages';
import { AnalysisInputError, runAnalysisProcess, type AnalysisRequest } from './analysis-runner';
import { AnalysisStore } from './analysis-store';
import { registerHintFeatures } from './hints';
import { pickTrainingLog } from './log-picker';
import { analysisFailureText } from './notifications';
import { ReportPanel } from './report-panel';
import { SIDE_VIEW_ID, SideViewProvider } from './side-view';
import { WatchController, watchRunCommand } from './watch';
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
    /** The watched run's epochs shown and warnings given so far. */
    watched: WatchController['shown'];
  };
}

export function activate(context: vscode.ExtensionContext): FocalLensApi {
  const store = new AnalysisStore(context.workspaceState);
  const renders = new RenderTracker();
  const verdictItem = vscode.window.createStatusBarItem('focalLens.verdict', vscode.StatusBarAlignment.Left, 10);
  verdictItem.name = 'Focal Lens verdict';
  verdictItem.command = 'focalLens.analyze';
  let running: vscode.CancellationTokenSource | undefined;

  const actions: WebviewActions = {
    chooseLog: () => void vscode.commands.executeCommand('focalLens.analyze'),
    cancel: () => running?.cancel(),
    openPanel: () => panel.show(),
    exportReport: (format) => void exportReport(store, format),
  };
  const deps = { extensionUri: context.extensionUri, store, renders, actions };
  const panel = new ReportPanel(deps);
  const sideView = new SideViewProvider(deps);
  /** The files of the last analysis: the run "watch this run" follows. */
  let analyzed: string[] | undefined;
  const backend = () => vscode.workspace.getConfiguration('focalLens').get<'auto' | 'tensorflow' | 'wasm' | 'cpu'>('computeBackend', 'auto');
  const watch = new WatchController({ extensionUri: context.extensionUri, store, memento: context.workspaceState, openReport: () => panel.show(), currentRun: () => analyzed, request: () => ({ backend: backend() }) });

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
            { backend: backend(), ...request },
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
      store.set({ phase: 'done', source: label, report });
      analyzed = request.logPaths;
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

  context.subscriptions.push(
    store,
    panel,
    sideView,
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
    watch,
    vscode.commands.registerCommand('focalLens.watchRun', (target?: vscode.Uri, selected?: vscode.Uri[]) =>
      watchRunCommand(watch, () => pickTrainingLog({ title: 'Watch Training Run', openLabel: 'Watch' }), () => panel.show(), target, selected),
    ),
    vscode.commands.registerCommand('focalLens.stopWatching', () => {
      const answer = watch.stop();
      void vscode.window.showInformationMessage(`Focal Lens: ${answer.message}`);
      return answer;
    }),
  );
  registerHintFeatures(context, {
    runAnalysis: (request, token) => {
      panel.show();
      return analyzeAndReport(request, token);
    },
  });

  return {
    analyze: (request) => {
      panel.show();
      return analyze(request);
    },
    testing: { waitForWebviewRendered: (kind, timeoutMs) => renders.wait(kind, timeoutMs), watched: watch.shown },
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

async function exportReport(store: AnalysisStore, format: 'json' | 'markdown'): Promise<void> {
  const state = store.state;
  if (state.phase !== 'done') return;
  const content = format === 'json' ? JSON.stringify(state.report, null, 2) : renderMarkdown(state.report);
  const doc = await vscode.workspace.openTextDocument({ language: format, content });
  await vscode.window.showTextDocument(doc, { preview: false });
}
