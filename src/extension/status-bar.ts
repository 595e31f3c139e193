import * as vscode from 'vscode';
import type { AnalysisStore } from './analysis-store';
import { verdictStatus } from './words';

/**
 * The status bar item: derived from the analysis store and nothing else, so it shows the verdict
 * of the report the views show (also the report a window reload restores) or nothing.
 */
export class VerdictStatusItem implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('focalLens.verdict', vscode.StatusBarAlignment.Left, 10);
  private readonly subscription: vscode.Disposable;
  private visible = false;

  constructor(store: AnalysisStore) {
    this.item.name = 'Focal Lens verdict';
    this.item.command = 'focalLens.analyze';
    this.update(store);
    this.subscription = store.onDidChange(() => this.update(store));
  }

  /** What the item shows now (tests read it): undefined when hidden. */
  get shown(): { text: string; tooltip: string } | undefined {
    return this.visible ? { text: this.item.text, tooltip: typeof this.item.tooltip === 'string' ? this.item.tooltip : '' } : undefined;
  }

  private update(store: AnalysisStore): void {
    const words = verdictStatus(store.state);
    this.visible = words !== undefined;
    if (!words) {
      this.item.hide();
      return;
    }
    this.item.text = words.text;
    this.item.tooltip = words.tooltip;
    this.item.backgroundColor =
      words.severity === 'error' ? new vscode.ThemeColor('statusBarItem.errorBackground') : words.severity === 'warning' ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    this.item.show();
  }

  dispose(): void {
    this.subscription.dispose();
    this.item.dispose();
  }
}
