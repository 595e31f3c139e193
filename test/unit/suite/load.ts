// Loads the retrained-run suite of scripts/experiments/suite.py (test/fixtures/experiments/suite).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze } from '../../../src/core/analyze';
import type { AnalysisReport } from '../../../src/core/report';

export const SUITE_DIR = join(__dirname, '..', '..', 'fixtures', 'experiments', 'suite');

export interface SuiteEpoch {
  epoch: number;
  predShare: number[];
  recall: number[];
  precision: number[];
}

export interface SuiteRun {
  id: string;
  loss: 'sigmoid' | 'softmax';
  data: string;
  schedule: string;
  seed: number;
  alpha: number;
  auc: Array<number | null>;
  epochs: SuiteEpoch[];
}

export interface SuiteIndex {
  gamma: number;
  sigmoid: { convention: 'positive'; classes: string[]; alphas: number[]; counts: { val: number[] } };
  softmax: { convention: 'class0-alpha'; classes: string[]; alphas: number[]; counts: { val: number[] } };
  runs: SuiteRun[];
}

export function loadSuite(): SuiteIndex {
  return JSON.parse(readFileSync(join(SUITE_DIR, 'index.json'), 'utf8')) as SuiteIndex;
}

export const runPath = (run: SuiteRun): string => join(SUITE_DIR, 'runs', `${run.id}.npz`);

/** The runs of the same data, schedule and seed: one per alpha, ascending. */
export function siblings(index: SuiteIndex, run: SuiteRun): SuiteRun[] {
  return index.runs
    .filter((r) => r.loss === run.loss && r.data === run.data && r.schedule === run.schedule && r.seed === run.seed)
    .sort((a, b) => a.alpha - b.alpha);
}

/** `analyze()` on a run's dump, as a user would call it with the run's settings. */
export function analyzeRun(index: SuiteIndex, run: SuiteRun, whatIf: number[] = []): Promise<AnalysisReport> {
  return analyze({
    paths: [runPath(run)],
    alpha: run.alpha,
    gamma: index.gamma,
    convention: index[run.loss].convention,
    loss: run.loss,
    classes: index[run.loss].classes,
    whatIf,
    backend: 'cpu',
  });
}
