import * as vscode from 'vscode';
import type { AnalysisState } from '../protocol/messages';

/**
 * The one analysis the views show. The report panel and the side view both render from it, so they
 * never disagree, and a view opened later starts from the latest state.
 */
export class AnalysisStore implements vscode.Disposable {
  private current: AnalysisState = { phase: 'idle' };
  private readonly changed = new vscode.EventEmitter<AnalysisState>();
  readonly onDidChange = this.changed.event;

  get state(): AnalysisState {
    return this.current;
  }

  set(state: AnalysisState): void {
    this.current = state;
    this.changed.fire(state);
  }

  dispose(): void {
    this.changed.dispose();
  }
}
