import * as vscode from 'vscode';
import type { AnalysisStore } from './analysis-store';
import type { WatchController } from './watch';
import { verdictStatus, watchedStatus } from './words';

/**
 * The status bar item: derived from the analysis store and the watch and nothing else, so it shows
 * the verdict of the report the views show (also the report a window reload restores), the watched
 * verdict while a run is watched, or nothing.
 */
export class VerdictStatusItem implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('focalLens.verdict', vscode.StatusBarAlignment.Left, 10);
  private readonly subscription: vscode.Disposable;
  private visible = false;

  constructor(
    private readonly store: AnalysisStore,
    private readonly watch: Pick<WatchController, 'current' | 'onDidChange'>,
  ) {
    this.item.name = 'Focal Lens verdict';
    this.update();
    this.subscription = vscode.Disposable.from(
      store.onDidChange(() => this.update()),
      watch.onDidChange(() => this.update()),
    );
  }

  /** What the item shows now (tests read it): undefined when hidden. */
  get shown(): { text: string; tooltip: string } | undefined {
    return this.visible ? { text: this.item.text, tooltip: typeof this.item.tooltip === 'string' ? this.item.tooltip : '' } : undefined;
  }

  private update(): void {
    const watched = this.watch.current;
    const words = watched ? watchedStatus(this.store.state, watched) : verdictStatus(this.store.state);
    this.item.command = watched ? 'focalLens.watchRun' : 'focalLens.analyze';
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
