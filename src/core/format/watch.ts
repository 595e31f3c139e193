/**
 * One epoch of a watched run in a line (`focal-lens watch`): the verdict so far, each class's
 * balance G+/G- and its predicted share against its true share.
 */
import type { AnalysisReport, VerdictStatus } from '../report';
import { prosePercent, significant } from './numbers';

export interface WatchEpochSummary {
  epoch: number;
  /** The verdict of the run so far (its status is the epoch's). */
  status: VerdictStatus;
  class: string | null;
  onsetEpoch: number | null;
  alphaDriven: boolean;
  message: string;
  perClass: Array<{
    class: string;
    /** G+/G- of the epoch; null when judged from metric logs (nothing to recompute it from). */
    balance: number | null;
    predShare: number | null;
    trueShare: number | null;
  }>;
}

export function watchEpochSummary(report: AnalysisReport, epoch: number): WatchEpochSummary {
  const v = report.verdict;
  const recomputed = report.epochs.find((e) => e.epoch === epoch);
  const observed = report.observed?.epochs.find((e) => e.epoch === epoch);
  const perClass = recomputed
    ? recomputed.perClass.map((c) => ({ class: c.class, balance: c.balance, predShare: c.predShare, trueShare: c.trueShare }))
    : (observed?.perClass ?? []).map((c) => ({ class: c.class, balance: null, predShare: c.predShare ?? null, trueShare: c.trueShare ?? null }));
  return { epoch, status: v.status, class: v.class, onsetEpoch: v.onsetEpoch, alphaDriven: v.alphaDriven, message: v.message, perClass };
}

/** `epoch 4: collapsed onto 'negative' since epoch 3 | balance G+/G-: ... | predicted (true): ...` */
export function watchEpochLine(s: WatchEpochSummary, revised: readonly number[] = []): string {
  const verdict = s.status === 'healthy' ? 'healthy' : `${s.status} onto '${s.class}'${s.onsetEpoch !== null ? ` since epoch ${s.onsetEpoch}` : ''}${s.alphaDriven ? ' (alpha-driven)' : ''}`;
  const parts = [`epoch ${s.epoch}: ${verdict}`];
  const balances = s.perClass.filter((c) => c.balance !== null);
  if (balances.length) parts.push(`balance G+/G-: ${balances.map((c) => `${c.class} ${significant(c.balance!, 3)}`).join(', ')}`);
  const shares = s.perClass.filter((c) => c.predShare !== null);
  if (shares.length) parts.push(`predicted (true): ${shares.map((c) => `${c.class} ${prosePercent(c.predShare!)}${c.trueShare !== null ? ` (${prosePercent(c.trueShare)})` : ''}`).join(', ')}`);
  const line = parts.join(' | ');
  return revised.length ? `${line} | revised: epoch${revised.length > 1 ? 's' : ''} ${revised.join(', ')} got more records` : line;
}
