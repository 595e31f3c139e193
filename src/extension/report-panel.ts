import * as vscode from 'vscode';
import type { AnalysisStore } from './analysis-store';
import { connectWebview, type RenderTracker, type WebviewActions } from './webview-connection';
import { webviewHtml, webviewOptions } from './webview-html';

export const REPORT_PANEL_VIEW_TYPE = 'focalLens.report';

/**
 * The report panel: one per window, revealed again rather than duplicated. A serializer brings it
 * back after a reload with the webview's own saved state (getState/setState).
 */
export class ReportPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private connection: vscode.Disposable | undefined;
  private readonly registration: vscode.Disposable;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly store: AnalysisStore,
    private readonly renders: RenderTracker,
    private readonly actions: WebviewActions,
  ) {
    this.registration = vscode.window.registerWebviewPanelSerializer(REPORT_PANEL_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel) => this.adopt(panel),
    });
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
      { ...webviewOptions(this.extensionUri), retainContextWhenHidden: false },
    );
    this.adopt(panel);
  }

  private adopt(panel: vscode.WebviewPanel): void {
    this.panel = panel;
    this.renders.forget('panel');
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'activity.svg');
    panel.webview.options = webviewOptions(this.extensionUri);
    this.connection = connectWebview(panel.webview, 'panel', this.store, this.renders, this.actions);
    panel.webview.html = webviewHtml(panel.webview, this.extensionUri, 'panel', 'Focal Lens');
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
