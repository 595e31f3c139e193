/**
 * The balance explanation (docs/method.md, "Balance explanation"): per class, why G+/G- is what
 * it is, which factor the model had to compensate and how, which knob sets the decision
 * threshold (docs/method.md, "Decision rule"), and which way each factor points.
 *
 * Why not "the largest factor tips the balance": the bias of a class is at rest when G+ = G-, so
 * near the end of training the balance is about 1 whatever alpha is, and the gamma factor is then
 * whatever cancels alpha x counts. It is the model's answer (how hard it keeps the class's samples
 * relative to the rest), not a cause. What alpha really moves is the decision threshold.
 */
import type { BalanceExplanation, ClassBalanceExplanation, ClassEpochStats, EpochReport, FactorDirection, LossKind } from '../report';
import { proseNumber, prosePercent } from '../format/numbers';

/** Balances within [1/BALANCED, BALANCED] count as balanced (the push on the bias has cancelled). */
export const BALANCED = 1.5;
/** A factor within [1/NEUTRAL_FACTOR, NEUTRAL_FACTOR] points nowhere. */
const NEUTRAL_FACTOR = 1.1;

export interface ExplanationContext {
  kind: LossKind;
  layout: 'binary' | 'multilabel' | 'softmax';
  gamma: number;
  threshold: number;
  /** Sigmoid: the least local share of the class predicted as the class (section 4), null when unknown. */
  minShare?: (cls: string) => number | null;
  /** Softmax: the per-class alpha vector (null: all equal). */
  alphaVector?: number[] | null;
  /** Sigmoid: the class's own alpha (its positives' weight), null when alpha is off. */
  classAlpha?: (cls: string) => number | null;
  /** The binary head's 'negative' class: the same head seen from the other side. */
  mirror?: (cls: string) => boolean;
}

function direction(f: number): FactorDirection {
  if (!(f > 0) || !Number.isFinite(f)) return 'neutral';
  return f >= NEUTRAL_FACTOR ? 'positives' : f <= 1 / NEUTRAL_FACTOR ? 'negatives' : 'neutral';
}

function x(v: number): string {
  return `x${proseNumber(v >= 100 ? Math.round(v) : v >= 10 ? Math.round(v * 10) / 10 : v)}`;
}

function explainClass(c: ClassEpochStats, ctx: ExplanationContext, names: string[]): ClassBalanceExplanation {
  const f = c.factors;
  const imposed = f.alpha * f.count;
  const directions = { alpha: direction(f.alpha), count: direction(f.count), gamma: direction(f.gamma) };
  const balanced = c.balance > 0 && c.balance <= BALANCED && c.balance >= 1 / BALANCED;
  const imposedDir = direction(imposed);
  let compensates: ClassBalanceExplanation['compensates'];
  if (imposedDir === 'neutral') compensates = 'none';
  else {
    const a = directions.alpha === imposedDir;
    const n = directions.count === imposedDir;
    compensates = a && n ? 'alpha-and-counts' : a ? 'alpha' : 'counts';
  }
  const name = `'${c.class}'`;
  const others = names.length === 2 ? `'${names.find((n) => n !== c.class) ?? 'the rest'}'` : 'the other classes';
  const equation = `G+/G- = ${proseNumber(c.balance)} = alpha ${x(f.alpha)} . counts ${x(f.count)} . gamma ${x(f.gamma)}`;
  const parts: string[] = [`${name}: ${equation}.`];
  let summary: string;
  const side = imposedDir === 'positives' ? `for ${name}` : `against ${name}`;
  const why =
    compensates === 'alpha-and-counts'
      ? `alpha and the counts both ${imposedDir === 'positives' ? 'favour' : 'work against'} ${name}`
      : compensates === 'alpha'
        ? `mostly alpha; the counts push the other way`
        : `mostly the counts; alpha pushes the other way`;
  const keeps = f.gamma >= 1 ? `it keeps ${name} samples hard (low confidence) and ${others} easy` : `it keeps ${others} hard and ${name} samples easy`;
  if (compensates === 'none') {
    parts.push(`Alpha and the counts nearly cancel (alpha x counts = x${proseNumber(imposed)}): the loss asks for little distortion, and gamma ${x(f.gamma)} is small.`);
    summary = `alpha offsets the counts (x${proseNumber(imposed)})`;
  } else if (balanced) {
    parts.push(
      `Balanced (G+ ~ G-, as once the class's bias stops moving), so the factors multiply to about 1 and gamma ${x(f.gamma)} is the model's answer to ` +
        `alpha x counts = x${proseNumber(imposed)} (${why}), not a cause: ${keeps}.`,
    );
    summary = `gamma offsets alpha x counts (x${proseNumber(imposed)}, ${side})`;
  } else {
    const up = c.balance > 1;
    parts.push(
      `Not balanced yet: the loss still pushes ${name}'s logit ${up ? 'up (more' : 'down (fewer'} ${name} predictions to come); ` +
        `alpha x counts set x${proseNumber(imposed)} (${why}) and the model's current confidence (gamma) ${x(f.gamma)}.`,
    );
    summary = `pushed ${up ? 'up' : 'down'} ${x(up ? c.balance : 1 / c.balance)}`;
  }
  const threshold = thresholdOf(c, ctx, names);
  if (threshold.words) parts.push(threshold.words);
  return {
    class: c.class,
    balance: c.balance,
    balanced,
    imposed,
    directions,
    compensates,
    threshold: threshold.value,
    summary,
    sentence: parts.join(' '),
    detail: parts.slice(1).join(' '),
    ...(ctx.mirror?.(c.class) ? { mirror: true } : {}),
  };
}

function thresholdOf(c: ClassEpochStats, ctx: ExplanationContext, names: string[]): { value: ClassBalanceExplanation['threshold']; words: string } {
  const name = `'${c.class}'`;
  if (ctx.kind === 'softmax') {
    const v = ctx.alphaVector;
    const i = names.indexOf(c.class);
    if (!v || v.length !== names.length || v.every((a) => Math.abs(a - v[0]!) < 1e-12) || i < 0) {
      return {
        value: { knob: 'none', minShare: null, relativeShare: [1, 1] },
        words: `Alpha weighs every class alike: ${name} is predicted where it is the locally most frequent class; gamma does not move that rule.`,
      };
    }
    const at = v[i]!;
    const rest = v.filter((_, k) => k !== i);
    const lo = Math.min(...rest) / at;
    const hi = Math.max(...rest) / at;
    return {
      value: { knob: 'alpha', minShare: null, relativeShare: [lo, hi] },
      words:
        `Alpha alone sets the decision rule: ${name} (alpha ${proseNumber(at)}) wins where its local share is at least ${proseNumber(lo)} to ${proseNumber(hi)} times each other class's ` +
        `(1 at equal alphas); gamma and the counts do not move it.`,
    };
  }
  const q = ctx.minShare?.(c.class) ?? null;
  const a = ctx.classAlpha?.(c.class) ?? null;
  const neutralAlpha = a === null || Math.abs(a - 0.5) < 1e-9;
  const at = ctx.threshold === 0.5 ? '' : ` at threshold ${proseNumber(ctx.threshold)}`;
  if (q === null) return { value: { knob: 'none', minShare: null }, words: '' };
  if (neutralAlpha) {
    return {
      value: { knob: ctx.threshold === 0.5 ? 'none' : 'threshold', minShare: q },
      words: `Alpha is neutral: ${name} is predicted where at least ${prosePercent(q)} of similar samples are ${name}${at}${ctx.threshold === 0.5 ? ' (the accuracy rule)' : '; the threshold and gamma set that share'}.`,
    };
  }
  const knob = ctx.threshold === 0.5 ? 'alpha' : 'alpha-and-gamma';
  return {
    value: { knob, minShare: q },
    words:
      knob === 'alpha'
        ? `Alpha alone moved the decision threshold: ${name} is predicted where at least ${prosePercent(q)} of similar samples are ${name} (50% at alpha 0.5); gamma and the counts do not move it.`
        : `Alpha with gamma${at} sets the decision threshold: ${name} is predicted where at least ${prosePercent(q)} of similar samples are ${name}.`,
  };
}

export function explainBalance(epoch: EpochReport, ctx: ExplanationContext): BalanceExplanation {
  const names = epoch.perClass.map((c) => c.class);
  return { epoch: epoch.epoch, perClass: epoch.perClass.map((c) => explainClass(c, ctx, names)) };
}
