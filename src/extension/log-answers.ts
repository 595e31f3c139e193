// What the user told Focal Lens about a log that does not record its loss settings (alpha, gamma,
// what alpha means), kept per log in workspaceState: the next analysis of that log asks nothing.
import type * as vscode from 'vscode';
import type { AnalysisRequest } from '../protocol/analysis-request';

const KEY = 'focalLens.logAnswers';

export type LogAnswers = Pick<AnalysisRequest, 'alpha' | 'gamma' | 'convention'>;

/** The settings a log's answers hold. */
export const ANSWER_KEYS = ['alpha', 'gamma', 'convention'] as const satisfies ReadonlyArray<keyof LogAnswers>;

/** A run as its paths, whatever their order: one log (or a set of files analyzed together) is one entry. */
export const runKey = (logPaths: readonly string[]): string => [...logPaths].sort().join('\n');

export class LogAnswerStore {
  constructor(private readonly memento: vscode.Memento) {}

  private all(): Record<string, LogAnswers> {
    return this.memento.get<Record<string, LogAnswers>>(KEY, {});
  }

  get(logPaths: readonly string[]): LogAnswers {
    return this.all()[runKey(logPaths)] ?? {};
  }

  async remember(logPaths: readonly string[], answers: LogAnswers): Promise<void> {
    await this.memento.update(KEY, { ...this.all(), [runKey(logPaths)]: { ...this.get(logPaths), ...answers } });
  }

  async forget(logPaths: readonly string[]): Promise<void> {
    const all = { ...this.all() };
    delete all[runKey(logPaths)];
    await this.memento.update(KEY, all);
  }
}
