import * as vscode from 'vscode';
import type { AnalysisReport } from '../core/report';
import type { AnalysisState, RecentRunSummary } from '../protocol/messages';

const RECENT_KEY = 'focalLens.recentRuns';
/** Runs listed in the side view. */
const MAX_RUNS = 8;
/** Reports up to this size (JSON) are kept with the run; larger ones keep their paths and are analyzed again. */
const MAX_KEPT_REPORT_CHARS = 256 * 1024;

interface RecentRun {
  id: string;
  label: string;
  logPaths: string[];
  analyzedAt: string;
  status: AnalysisReport['verdict']['status'];
  onto: string | null;
  report?: AnalysisReport;
}

type Done = Extract<AnalysisState, { phase: 'done' }>;

/**
 * The recently analyzed runs, newest first, in workspaceState: a bounded list (MAX_RUNS) holding
 * each run's report when it is small, else only its paths (switching to it analyzes it again).
 */
export class RecentRuns implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<RecentRunSummary[]>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly memento: vscode.Memento) {}

  private runs(): RecentRun[] {
    return this.memento.get<RecentRun[]>(RECENT_KEY, []);
  }

  summaries(): RecentRunSummary[] {
    return this.runs().map(({ id, label, analyzedAt, status, onto, report }) => ({ id, label, analyzedAt, status, onto, kept: report !== undefined }));
  }

  get(id: string): RecentRun | undefined {
    return this.runs().find((r) => r.id === id);
  }

  /** Records a finished analysis (the same files replace their older entry). */
  async add(state: Done): Promise<void> {
    if (!state.logPaths?.length) return;
    const id = state.logPaths.join('\n');
    const keep = JSON.stringify(state.report).length <= MAX_KEPT_REPORT_CHARS;
    const run: RecentRun = {
      id,
      label: state.source,
      logPaths: state.logPaths,
      analyzedAt: new Date(state.finishedAt ?? Date.now()).toISOString(),
      status: state.report.verdict.status,
      onto: state.report.verdict.class,
      ...(keep ? { report: state.report } : {}),
    };
    await this.memento.update(RECENT_KEY, [run, ...this.runs().filter((r) => r.id !== id)].slice(0, MAX_RUNS));
    this.changed.fire(this.summaries());
  }

  dispose(): void {
    this.changed.dispose();
  }
}
