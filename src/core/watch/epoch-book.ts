/**
 * A live dump's epochs as their records arrive, with analyze's own stage (pipeline/read-epochs.ts):
 * one EpochAccumulator per epoch, fed chunk by chunk (an old epoch's records are never read again),
 * and the per-sample counterfactual for each epoch that may still be the last one judged. Judging
 * an epoch takes its report from the sums so far; records of a judged epoch that arrive later (a
 * rank file that lagged) are added to the same sums and the epoch is judged again.
 *
 * Memory: per epoch, its accumulator's sums (staging let go once judged); per-sample data only for
 * the newest judged epoch and the epochs after it (capped, analysis/sample-cap.ts).
 */
import type { EpochReport } from '../report';
import type { PredictionChunk } from '../readers/types';
import { EpochAccumulator } from '../compute/epoch-accumulator';
import { cappedCounterfactual, type CappedCounterfactual, type SampleCapOptions } from '../analysis/sample-cap';
import { checkEpochCount } from '../pipeline/read-epochs';
import { counterfactualSpec, type Resolved } from '../pipeline/settings';

interface BookEpoch {
  acc: EpochAccumulator;
  counterfactual: CappedCounterfactual | null;
  /** The report as last judged (null: never judged). */
  report: EpochReport | null;
  /** Records came since it was last judged. */
  fresh: boolean;
}

export class EpochBook {
  private readonly epochs = new Map<number, BookEpoch>();
  private newestJudged = -Infinity;

  constructor(
    readonly resolved: Resolved,
    private readonly classes: string[] | null,
    private readonly where: string,
    private readonly sampleCap: SampleCapOptions = {},
  ) {}

  add(chunk: PredictionChunk): void {
    let slot = this.epochs.get(chunk.epoch);
    if (!slot) {
      checkEpochCount(this.epochs.size + 1, this.resolved.loss.numClasses, this.where);
      // an epoch before the newest judged one can no longer be the last: no per-sample data for it
      const counterfactual = chunk.epoch > this.newestJudged ? cappedCounterfactual(counterfactualSpec(this.resolved), this.sampleCap) : null;
      const created: BookEpoch = { acc: new EpochAccumulator(this.resolved.loss, this.classes, { onBatch: (b) => created.counterfactual?.add(b) }), counterfactual, report: null, fresh: true };
      this.epochs.set(chunk.epoch, (slot = created));
    }
    slot.acc.add(chunk);
    slot.fresh = true;
  }

  has(epoch: number): boolean {
    return this.epochs.has(epoch);
  }

  /** Epochs with records not judged yet (new ones, and judged ones that got more), in epoch order. */
  fresh(): number[] {
    return [...this.epochs].filter(([, s]) => s.fresh).map(([e]) => e).sort((a, b) => a - b);
  }

  /** Whether the epoch was judged before. */
  judgedBefore(epoch: number): boolean {
    return this.epochs.get(epoch)?.report != null;
  }

  /** Judge an epoch: its report from the sums so far. Judging a later epoch lets earlier epochs' per-sample data go. */
  judge(epoch: number): void {
    const slot = this.epochs.get(epoch)!;
    slot.report = slot.acc.finish(epoch).report;
    slot.acc.release();
    slot.fresh = false;
    if (epoch <= this.newestJudged) return;
    this.newestJudged = epoch;
    for (const [e, other] of this.epochs) {
      if (e >= epoch || !other.counterfactual) continue;
      other.counterfactual.discard();
      other.counterfactual = null;
    }
  }

  /** The judged epochs' reports up to `through`, in epoch order. */
  reports(through = Infinity): EpochReport[] {
    return [...this.epochs]
      .filter(([e, s]) => e <= through && s.report)
      .sort(([a], [b]) => a - b)
      .map(([, s]) => s.report!);
  }

  /** The per-sample counterfactual kept for the epoch (null when it was let go, or capped to none). */
  counterfactual(epoch: number): CappedCounterfactual | null {
    return this.epochs.get(epoch)?.counterfactual ?? null;
  }

  /** Let every epoch's per-sample data go (the watch stops, or starts over). */
  discard(): void {
    for (const slot of this.epochs.values()) slot.counterfactual?.discard();
    this.epochs.clear();
    this.newestJudged = -Infinity;
  }
}
