import * as vscode from 'vscode';
import type { AnalysisState } from '../protocol/messages';

const LAST_REPORT_KEY = 'focalLens.lastAnalysis';

/**
 * The one analysis the views show. The report panel and the side view both render from it, so they
 * never disagree, and a view opened later starts from the latest state. The last finished report
 * is kept per workspace, so a window reload brings the panel back with it.
 */
export class AnalysisStore implements vscode.Disposable {
  private current: AnalysisState;
  private readonly changed = new vscode.EventEmitter<AnalysisState>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly memento: vscode.Memento) {
    this.current = memento.get<AnalysisState>(LAST_REPORT_KEY) ?? { phase: 'idle' };
  }

  get state(): AnalysisState {
    return this.current;
  }

  set(state: AnalysisState): void {
    this.current = state;
    // the report is kept, not that a later run was cancelled: after a reload no run is going on
    if (state.phase === 'done') void this.memento.update(LAST_REPORT_KEY, { phase: 'done', source: state.source, report: state.report, logPaths: state.logPaths });
    this.changed.fire(state);
  }

  dispose(): void {
    this.changed.dispose();
  }
}
