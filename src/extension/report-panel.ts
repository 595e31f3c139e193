import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AnalysisState } from '../protocol/messages';
import { attachWebview, type WebviewDeps } from './webview-connection';
import { webviewOptions } from './webview-html';

export const REPORT_PANEL_VIEW_TYPE = 'focalLens.report';

/**
 * The report panel: one per window, revealed again rather than duplicated. A serializer brings it
 * back after a reload with the webview's own saved state (getState/setState).
 */
export class ReportPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private connection: vscode.Disposable | undefined;
  private readonly registration: vscode.Disposable;

  constructor(private readonly deps: WebviewDeps) {
    this.registration = vscode.Disposable.from(
      vscode.window.registerWebviewPanelSerializer(REPORT_PANEL_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel) => this.adopt(panel),
      }),
      deps.store.onDidChange((state) => this.retitle(state)),
    );
  }

  /** The tab names the log whose report it shows. */
  private retitle(state: AnalysisState): void {
    if (!this.panel) return;
    const names = state.phase === 'done' ? state.source.split(', ').map((p) => path.basename(p)) : [];
    this.panel.title = names.length ? `Focal Lens: ${names[0]}${names.length > 1 ? ` (+${names.length - 1})` : ''}` : 'Focal Lens';
  }

  show(): void {
    if (this.panel) {
      this.panel.reveal(undefined, true);
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      REPORT_PANEL_VIEW_TYPE,
      'Focal Lens',
      { viewColumn: vscode.ViewColumn.Active, preserveFocus: false },
      { ...webviewOptions(this.deps.extensionUri), retainContextWhenHidden: false },
    );
    this.adopt(panel);
  }

  private adopt(panel: vscode.WebviewPanel): void {
    this.panel = panel;
    panel.iconPath = vscode.Uri.joinPath(this.deps.extensionUri, 'media', 'activity.svg');
    this.connection = attachWebview(panel.webview, 'panel', this.deps);
    this.retitle(this.deps.store.state);
    panel.onDidDispose(() => {
      this.connection?.dispose();
      this.connection = undefined;
      this.panel = undefined;
    });
  }

  dispose(): void {
    this.registration.dispose();
    this.connection?.dispose();
    this.panel?.dispose();
  }
}
