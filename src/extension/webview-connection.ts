import * as vscode from 'vscode';
import type { AnalysisStore } from './analysis-store';
import { isWebviewMessage, type HostMessage, type WebviewKind, type WebviewMessage } from '../protocol/messages';

export type RenderedMessage = Extract<WebviewMessage, { type: 'rendered' }>;

/** What a webview can ask the extension to do; the extension wires these to its commands. */
export interface WebviewActions {
  chooseLog(): void;
  cancel(): void;
  openPanel(): void;
  exportReport(format: 'json' | 'markdown'): void;
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

/**
 * Binds one webview to the analysis store with the typed protocol: answers `ready` with `init`,
 * forwards every analysis change, and routes the webview's requests to the extension's actions.
 */
export function connectWebview(
  webview: vscode.Webview,
  kind: WebviewKind,
  store: AnalysisStore,
  renders: RenderTracker,
  actions: WebviewActions,
): vscode.Disposable {
  const post = (message: HostMessage) => void webview.postMessage(message);
  const subscriptions = [
    store.onDidChange((analysis) => post({ type: 'analysis', analysis })),
    webview.onDidReceiveMessage((raw: unknown) => {
      if (!isWebviewMessage(raw)) return;
      switch (raw.type) {
        case 'ready':
          post({ type: 'init', kind, analysis: store.state, trusted: vscode.workspace.isTrusted });
          break;
        case 'rendered':
          renders.report(raw);
          break;
        case 'chooseLog':
          actions.chooseLog();
          break;
        case 'cancel':
          actions.cancel();
          break;
        case 'openPanel':
          actions.openPanel();
          break;
        case 'exportReport':
          actions.exportReport(raw.format);
          break;
      }
    }),
  ];
  return vscode.Disposable.from(...subscriptions);
}
