import * as vscode from 'vscode';
import { attachWebview, type WebviewDeps } from './webview-connection';

export const SIDE_VIEW_ID = 'focalLens.panel';

/** The compact view in the Focal Lens activity-bar container: the same data, fewer words. */
export class SideViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  private connection: vscode.Disposable | undefined;

  constructor(private readonly deps: WebviewDeps) {}

  resolveWebviewView(view: vscode.WebviewView): void {
    this.connection?.dispose();
    this.connection = attachWebview(view.webview, 'sidebar', this.deps);
    view.onDidDispose(() => {
      this.connection?.dispose();
      this.connection = undefined;
    });
  }

  dispose(): void {
    this.connection?.dispose();
  }
}
