import * as vscode from 'vscode';
import type { AnalysisStore } from './analysis-store';
import { connectWebview, type RenderTracker, type WebviewActions } from './webview-connection';
import { webviewHtml, webviewOptions } from './webview-html';

export const SIDE_VIEW_ID = 'focalLens.panel';

/** The compact view in the Focal Lens activity-bar container: the same data, fewer words. */
export class SideViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  private connection: vscode.Disposable | undefined;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly store: AnalysisStore,
    private readonly renders: RenderTracker,
    private readonly actions: WebviewActions,
  ) {}

  resolveWebviewView(view: vscode.WebviewView): void {
    this.connection?.dispose();
    this.renders.forget('sidebar');
    view.webview.options = webviewOptions(this.extensionUri);
    this.connection = connectWebview(view.webview, 'sidebar', this.store, this.renders, this.actions);
    view.webview.html = webviewHtml(view.webview, this.extensionUri, 'sidebar', 'Focal Lens');
    view.onDidDispose(() => {
      this.connection?.dispose();
      this.connection = undefined;
    });
  }

  dispose(): void {
    this.connection?.dispose();
  }
}
