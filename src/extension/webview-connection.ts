import * as vscode from 'vscode';
import type { AnalysisStore } from './analysis-store';
import {
  dispatchWebviewMessage,
  parseWebviewMessage,
  type HostMessage,
  type HostMessages,
  type SamplesAnswer,
  type WebviewBackendPreference,
  type WebviewHandlers,
  type WebviewKind,
  type WebviewMessageOf,
} from '../protocol/messages';
import type { RecentRuns } from './recent-runs';
import { webviewHtml, webviewOptions } from './webview-html';

export type RenderedMessage = WebviewMessageOf<'rendered'>;

/** What a webview can ask the extension to do; the extension wires these to its commands. */
export interface WebviewActions {
  chooseLog(): void;
  cancel(): void;
  openPanel(): void;
  exportReport(format: 'json' | 'markdown' | 'html', epoch?: number): void;
  /** One epoch's per-sample data for the live what-if (or why there is none). */
  requestSamples(epoch: number): Promise<SamplesAnswer>;
  copyAlpha(alpha: number | number[]): void;
  applyAlpha(alpha: number | number[]): void;
  openRecent(id: string): void;
  /** Starts or stops watching the current run; says whether it can. */
  watchRun(start: boolean): HostMessages['watch'];
  /** focalLens.computeBackend, for the webview's own tfjs. */
  backend(): WebviewBackendPreference;
}

/**
 * Remembers when each kind of webview last reported `rendered`, so the integration tests (through the
 * API `activate` returns) and the status bar can wait for a real render instead of sleeping.
 */
export class RenderTracker {
  private readonly last = new Map<WebviewKind, RenderedMessage>();
  private readonly waiters: { kind: WebviewKind; resolve(m: RenderedMessage): void }[] = [];

  report(message: RenderedMessage): void {
    this.last.set(message.kind, message);
    for (const waiter of this.waiters.filter((w) => w.kind === message.kind)) {
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.resolve(message);
    }
  }

  /** Resolves with the next `rendered` of this kind (or the last one, when `acceptPrevious`). */
  wait(kind: WebviewKind, timeoutMs = 30_000, acceptPrevious = true): Promise<RenderedMessage> {
    const previous = this.last.get(kind);
    if (acceptPrevious && previous) return Promise.resolve(previous);
    return new Promise((resolve, reject) => {
      const waiter = { kind, resolve };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`the ${kind} webview did not report 'rendered' within ${timeoutMs} ms`));
      }, timeoutMs);
      waiter.resolve = (m) => {
        clearTimeout(timer);
        resolve(m);
      };
      this.waiters.push(waiter);
    });
  }

  forget(kind: WebviewKind): void {
    this.last.delete(kind);
  }
}

/** What every Focal Lens webview is connected to. */
export interface WebviewDeps {
  extensionUri: vscode.Uri;
  store: AnalysisStore;
  renders: RenderTracker;
  actions: WebviewActions;
  recent: RecentRuns;
  /** Watching starts and stops (a view is told, whoever started it: a command, the other view, a deleted file). */
  watch: { announcement(): HostMessages['watch'] | undefined; onDidChange: vscode.Event<HostMessages['watch']> };
}

/**
 * Binds one webview to the analysis store with the typed protocol: answers `ready` with `init`,
 * forwards every analysis change, and routes the webview's requests to the extension's actions
 * through a table with one handler per message type.
 */
function connectWebview(webview: vscode.Webview, kind: WebviewKind, { store, renders, actions, recent, watch }: WebviewDeps): vscode.Disposable {
  const post = (message: HostMessage) => void webview.postMessage(message);
  const handlers: WebviewHandlers = {
    ready: () => {
      post({ type: 'init', kind, analysis: store.state, trusted: vscode.workspace.isTrusted, recent: recent.summaries(), backend: actions.backend() });
      const watching = watch.announcement();
      if (watching) post({ type: 'watch', ...watching });
    },
    rendered: (m) => renders.report(m),
    chooseLog: () => actions.chooseLog(),
    cancel: () => actions.cancel(),
    openPanel: () => actions.openPanel(),
    exportReport: (m) => actions.exportReport(m.format, m.epoch),
    requestSamples: (m) => void actions.requestSamples(m.epoch).then((answer) => post({ type: 'samples', ...answer })),
    copyAlpha: (m) => actions.copyAlpha(m.alpha),
    applyAlpha: (m) => actions.applyAlpha(m.alpha),
    openRecent: (m) => actions.openRecent(m.id),
    watchRun: (m) => post({ type: 'watch', ...actions.watchRun(m.start) }),
  };
  return vscode.Disposable.from(
    store.onDidChange((analysis) => post({ type: 'analysis', analysis })),
    recent.onDidChange((runs) => post({ type: 'recent', runs })),
    watch.onDidChange((answer) => post({ type: 'watch', ...answer })),
    webview.onDidReceiveMessage((raw: unknown) => {
      const message = parseWebviewMessage(raw);
      if (message) dispatchWebviewMessage(message, handlers);
    }),
  );
}

/**
 * Sets a webview up the one way both Focal Lens views use: the restricted options, the protocol
 * connection, then the page (so that its `ready` is never missed). Returns the connection.
 */
export function attachWebview(webview: vscode.Webview, kind: WebviewKind, deps: WebviewDeps): vscode.Disposable {
  deps.renders.forget(kind);
  webview.options = webviewOptions(deps.extensionUri);
  const connection = connectWebview(webview, kind, deps);
  webview.html = webviewHtml(webview, deps.extensionUri, kind, 'Focal Lens');
  return connection;
}
