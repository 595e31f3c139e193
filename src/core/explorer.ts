/**
 * The focal-loss explorer of Lin et al. 2017, Figure 1: loss against the probability of the true
 * class p_t for several gamma, with the modulating factor (1 - p_t)^gamma that produces the
 * difference. Computed here (pure) so the report panel, the side view and the tests share it.
 */
import { focalLoss, modulatingFactor } from './focal';

/** The gammas of the paper's Figure 1. */
export const PAPER_GAMMAS: readonly number[] = [0, 0.5, 1, 2, 5];

export interface ExplorerSeries {
  gamma: number;
  /** FL(p_t) = -alpha_t (1 - p_t)^gamma log(p_t) at each point of `pt`. */
  loss: number[];
  /** (1 - p_t)^gamma at each point of `pt`: the weight relative to cross-entropy. */
  factor: number[];
}

export interface ExplorerData {
  pt: number[];
  alphaT: number;
  series: ExplorerSeries[];
  /** Well-classified samples (p_t = 0.9): how much each gamma shrinks their loss versus CE. */
  easySample: { pt: number; factors: { gamma: number; factor: number }[] };
}

/**
 * Samples p_t on (0, 1]: denser near 0 where the loss is steep, ending at 1 where every curve is 0.
 */
export function explorerData(gammas: readonly number[] = PAPER_GAMMAS, points = 101, alphaT = 1): ExplorerData {
  if (points < 2) throw new RangeError('explorerData needs at least 2 points');
  const pt: number[] = [];
  for (let i = 0; i < points; i++) {
    // Quadratic spacing from 0.01 to 1 keeps the steep left end smooth without many points.
    const u = i / (points - 1);
    pt.push(Number((0.01 + 0.99 * u * u * 0.5 + 0.99 * u * 0.5).toFixed(4)));
  }
  const series = gammas.map((gamma) => ({
    gamma,
    loss: pt.map((p) => focalLoss(p, gamma, alphaT)),
    factor: pt.map((p) => modulatingFactor(p, gamma)),
  }));
  const easyPt = 0.9;
  return {
    pt,
    alphaT,
    series,
    easySample: { pt: easyPt, factors: gammas.map((gamma) => ({ gamma, factor: modulatingFactor(easyPt, gamma) })) },
  };
}
