/**
 * Stages 3 and 4 of the pipeline: from the last epoch's counterfactual (per-sample, or binned from
 * PR curves) the what-if rows and the suggestion, then the verdict, its attribution and the balance
 * explanation of the last epoch (docs/method.md).
 */
import type { AnalysisReport, EpochReport, Objective, SuggestionDetail, WhatIfEstimate, WhatIfRow } from '../report';
import { conventionVector, minPositiveShare, round4, type CounterfactualEngine } from '../analysis/counterfactual';
import { COUNTERFACTUAL_MAX_SCORES, type CappedCounterfactual } from '../analysis/sample-cap';
import { epochShares, verdict as judge, type VerdictThresholds } from '../analysis/verdict';
import { proseNumber } from '../format/numbers';
import { suggest, type SuggestionOutcome } from '../analysis/suggestion';
import { explainBalance } from '../analysis/explanation';
import { positiveWeightOf } from '../conventions';
import { UsageError, type AnalyzeOptions } from './options';
import { settingText, type Resolved } from './settings';

/** The counterfactual engine of the last epoch, and what to say about it. */
export function lastEpochEngine(cf: CappedCounterfactual | null, classes: string[], lastEpoch: number): { engine: CounterfactualEngine | null; notes: string[] } {
  const engine = cf ? cf.build(classes) : null;
  const notes: string[] = [];
  if (!engine) notes.push('No per-sample probabilities were kept for the last epoch: no counterfactual, what-if or suggestion.');
  const sampled = cf?.sampled();
  if (engine && sampled) {
    const how =
      sampled.perClass === null
        ? `a seeded uniform sample of ${sampled.kept} of the ${sampled.seen} samples of epoch ${lastEpoch} (the counterfactual keeps at most ${COUNTERFACTUAL_MAX_SCORES} scores)`
        : `a seeded sample of ${sampled.kept} of the ${sampled.seen} samples of epoch ${lastEpoch}: all of each class with at most ${sampled.perClass} samples, ${sampled.perClass} drawn uniformly from each larger class and weighted by its size`;
    notes.push(`The what-if rows and the suggestion come from ${how}; the per-epoch numbers use every sample.`);
  }
  return { engine, notes };
}

export interface JudgeInput {
  epochs: EpochReport[];
  /** The last epoch's counterfactual (per-sample or binned), null when none could be built. */
  engine: CounterfactualEngine | null;
  resolved: Resolved;
  opts: AnalyzeOptions;
  thresholds: VerdictThresholds;
  classes: string[];
}

export interface Judged {
  whatIf: WhatIfRow[];
  suggestion: AnalysisReport['suggestion'];
  suggestionDetail: SuggestionDetail;
  verdict: ReturnType<typeof judge>;
  explanation: AnalysisReport['explanation'];
  ranking: AnalysisReport['ranking'];
}

/** The verdict as the report states it (of a dump or of PR-curve bins). */
export function reportedVerdict(v: Judged['verdict']): AnalysisReport['verdict'] {
  return {
    status: v.status,
    class: v.class,
    onsetEpoch: v.onsetEpoch,
    alphaDriven: v.alphaDriven,
    message: v.message,
    perEpoch: v.perEpoch.map((p) => ({ epoch: p.epoch, status: p.status, class: p.onto })),
    attribution: v.attribution ?? null,
    atRisk: v.atRisk ?? [],
  };
}

/**
 * What-if rows, the suggestion, the verdict and the balance explanation of recomputed epochs (from
 * a dump or PR-curve bins).
 */
export function judgeRun({ epochs, engine, resolved: r, opts, thresholds: th, classes }: JudgeInput): Judged {
  const lastEpoch = epochs[epochs.length - 1]!;
  // evaluate an alpha of the log's convention: the loss-minimum estimate, and beside it the label-calibrated one
  const C = r.loss.numClasses;
  // the engine takes softmax vectors and sigmoid positive weights
  const toEngine = (a: number | number[]): number | number[] =>
    Array.isArray(a) ? a : r.kind === 'softmax' ? conventionVector(r.convention, a, C) : positiveWeightOf(r.convention, a);
  // A softmax calibrated row costs a pass over every sample: each alpha once (the neutral and the
  // suggested rows come back), and the alphas known together in one pass; the rows every report
  // has are computed along with whatever is asked first.
  const alwaysNeeded: Array<number | number[]> = [];
  const calibrated = rowCache(alwaysNeeded, (alphas) =>
    engine!.evaluateCalibratedMany(alphas.map(toEngine)).map(({ perClass, macroF1, balancedAccuracy, accuracy }): WhatIfEstimate => ({ perClass, macroF1, balancedAccuracy, accuracy })),
  );
  const prefetchCalibrated = calibrated.prefetch;
  const calibratedOf = calibrated.get;
  // The same for the loss-minimum rows: the neutral and --what-if rows wait for the suggestion's
  // first candidate, whose exact row comes in the same pass.
  const exactNeeded: Array<number | number[]> = [];
  const exact = rowCache(exactNeeded, (alphas) => engine!.evaluateMany(alphas.map(toEngine)));
  const prefetchExact = exact.prefetch;
  const evaluate = (a: number | number[], label: WhatIfRow['label']): WhatIfRow => {
    return { ...exact.get(a), alpha: Array.isArray(a) ? a.slice() : a, label };
  };
  const loggedAlpha: number | number[] =
    r.alphaVector && (r.convention === 'vector' || r.alphaScalar === null) ? r.alphaVector : (r.alphaScalar !== null && r.alphaScalar >= 0 ? r.alphaScalar : 0.5);
  const neutralAlpha: number | number[] =
    r.kind === 'softmax' && (r.convention === 'vector' || r.convention === 'uniform')
      ? new Array<number>(C).fill(round4(1 / C))
      : 0.5;

  const whatIf: WhatIfRow[] = [];
  let neutralRow: WhatIfRow | null = null;
  let suggestion: AnalysisReport['suggestion'] = null;
  let suggested: { alpha: number | number[]; row: WhatIfRow } | null = null;
  let suggestionDetail: SuggestionDetail = {
    status: 'no-probabilities',
    message: 'No suggestion: no per-sample probabilities of the last epoch for the counterfactual.',
    excluded: 0,
    trivial: null,
  };
  let ranking: AnalysisReport['ranking'] = null;
  if (engine) {
    const seen = new Set<string>();
    const push = (row: WhatIfRow) => {
      const key = JSON.stringify(row.alpha);
      if (seen.has(key)) return;
      seen.add(key);
      whatIf.push(row);
    };
    const observed = { ...engine.observed(), alpha: loggedAlpha, label: 'logged' as const };
    for (const a of opts.whatIf ?? []) {
      if (Array.isArray(a) && a.length !== C) throw new UsageError(`a what-if vector has ${a.length} values for ${C} score columns`, { option: 'what-if', columns: C });
    }
    alwaysNeeded.push(loggedAlpha, neutralAlpha, ...(opts.whatIf ?? []));
    exactNeeded.push(neutralAlpha, ...(opts.whatIf ?? []));
    const aucs = engine.auc();
    ranking = { epoch: lastEpoch.epoch, perClass: engine.classes.map((name, i) => ({ class: name, auc: Number.isFinite(aucs[i]!) ? aucs[i]! : null })) };
    const lastShares = epochShares(lastEpoch);
    const reference = engine.classes.map((name) => lastShares.find((c) => c.class === name) ?? { class: name, count: 0, trueShare: 0, predShare: 0, recall: 0 });
    const trueShares = engine.classes.map((name) => lastEpoch.perClass.find((c) => c.class === name)?.trueShare ?? 0);
    const objective = opts.objective ?? 'macro-f1';
    const outcome = suggest(
      engine,
      {
        kind: r.kind,
        layout: r.layout,
        convention: r.convention,
        trueShares,
        objective,
        observed,
        reference,
        thresholds: th,
        calibrated: (a) => ({ ...calibratedOf(a), alpha: a }),
        prefetchCalibrated,
        prefetchExact,
      },
      (a) => evaluate(a, 'suggested'),
    );
    push(observed);
    neutralRow = evaluate(neutralAlpha, 'neutral');
    push(neutralRow);
    for (const a of opts.whatIf ?? []) push(evaluate(a, 'what-if'));
    const s = outcome.suggestion;
    if (s) {
      suggestion = { objective: s.objective, alpha: s.alpha, current: s.current, expected: s.expected, ...(s.beta !== undefined ? { beta: s.beta } : {}) };
      suggested = { alpha: s.alpha, row: s.row };
      push({ ...s.row, alpha: s.alpha, label: 'suggested' });
    }
    suggestionDetail = suggestionWords(s, outcome, objective, engine.classes, ranking, r.layout);
    // after the suggestion's guard, whose first batch of calibrated rows included these
    for (const w of whatIf) w.calibrated = calibratedOf(w.alpha);
  }
  // a line chart over alpha needs the rows in alpha order (vectors keep their order: logged, neutral, suggested)
  if (whatIf.every((w) => typeof w.alpha === 'number')) whatIf.sort((a, b) => (a.alpha as number) - (b.alpha as number));

  const perClassAlpha = (cls: string): number | null => {
    if (r.kind !== 'sigmoid') return null;
    if (!r.loss.classAlpha) return 0.5;
    if (r.loss.numClasses === 1) return r.loss.classAlpha[0]!;
    const i = classes.indexOf(cls);
    return i >= 0 ? (r.loss.classAlpha[i] ?? null) : null;
  };
  const v = judge(
    epochs,
    {
      kind: r.kind,
      layout: r.layout,
      alpha: r.alphaScalar,
      alphaVector: r.alphaVector,
      gamma: r.loss.gamma,
      convention: r.convention,
      threshold: r.loss.threshold,
      neutral: neutralRow,
      neutralAlpha: engine ? neutralAlpha : null,
      classAlpha: perClassAlpha,
      minShare: (cls) => {
        const a = perClassAlpha(cls);
        return a === null ? null : minPositiveShare(a, r.loss.gamma, r.loss.threshold);
      },
      neutralCalibrated: engine ? { ...neutralRow!, ...calibratedOf(neutralAlpha) } : null,
      neutralShareThreshold: r.kind === 'sigmoid' ? minPositiveShare(0.5, r.loss.gamma, r.loss.threshold) : 0.5,
      suggestion: suggested,
    },
    th,
  );

  // the binary head's 'negative' class is the head seen from the other side: its own alpha is 1 - alpha
  const negativeOfBinary = (cls: string): boolean => r.layout === 'binary' && classes.length === 2 && cls === classes[0];
  const explanation = explainBalance(lastEpoch, {
    kind: r.kind,
    layout: r.layout,
    gamma: r.loss.gamma,
    threshold: r.loss.threshold,
    alphaVector: r.kind === 'softmax' ? r.loss.classAlpha : null,
    classAlpha: (cls) => {
      const a = perClassAlpha(cls);
      return a === null ? null : negativeOfBinary(cls) ? 1 - a : a;
    },
    minShare: (cls) => {
      const a = perClassAlpha(cls);
      if (a === null) return null;
      const q = minPositiveShare(a, r.loss.gamma, r.loss.threshold);
      return negativeOfBinary(cls) ? 1 - q : q;
    },
    mirror: negativeOfBinary,
  });

  return { whatIf, suggestion, suggestionDetail, verdict: v, explanation, ranking };
}

/** Why there is (or is no) suggestion, in words. */
function suggestionWords(
  s: { alpha: number | number[] } | null,
  outcome: SuggestionOutcome,
  objective: Objective,
  classes: string[],
  ranking: NonNullable<AnalysisReport['ranking']>,
  layout: 'binary' | 'multilabel' | 'softmax',
): SuggestionDetail {
  const detail = (status: SuggestionDetail['status'], message: string): SuggestionDetail => ({
    status,
    message,
    excluded: outcome.excluded,
    trivial: outcome.trivial,
    ...(outcome.band ? { band: outcome.band } : {}),
  });
  const trivial = `${layout === 'multilabel' ? 'predicting no class for any sample' : 'predicting the majority class for every sample'} (${objective} ${proseNumber(outcome.trivial)})`;
  const one = !!outcome.band && outcome.band[0] === outcome.band[1];
  const band = outcome.band ? (one ? `alpha ${outcome.band[0]}` : `alphas ${outcome.band[0]} to ${outcome.band[1]}`) : 'a few alphas';
  if (s) {
    return detail(
      'suggested',
      `Alpha ${settingText(s.alpha)} gives the best ${objective} among the alphas that neither estimate (from the probabilities, from the labels) judges collapsed or drifting, and whose neighbours are safe too.`,
    );
  }
  const aucs = ranking.perClass.filter((c) => c.auc !== null);
  const auc = layout === 'binary' ? `AUC ${proseNumber(aucs[aucs.length - 1]?.auc ?? NaN)}` : aucs.map((c) => `'${c.class}' AUC ${proseNumber(c.auc!)}`).join(', ');
  if (outcome.reason === 'unstable') {
    return detail(
      'unstable',
      `No suggestion: only ${band} ${one ? 'neither collapses nor drifts' : 'neither collapse nor drift'} by both estimates while beating ${trivial}, at best by ${proseNumber((outcome.bestUnstable ?? outcome.trivial) - outcome.trivial)}, ` +
        `and ${one ? 'its' : 'their'} neighbouring alphas do not: the outcome changes too fast there for a counterfactual to be trusted. The ranking quality is ${auc} (0.5 is chance). ` +
        'Retrain at a few alphas in that range to find a stable one, or improve the features if the gain is not worth it.',
    );
  }
  if (outcome.reason === 'estimates-disagree') {
    return detail(
      'estimates-disagree',
      `No suggestion: extrapolated from this run's probabilities every alpha collapses or drifts, but its labels say ${band} would not (and would beat ${trivial}). ` +
        'The two disagree when a run is far from its loss minimum (see the balance explanation); retrain at an alpha in that range, or train this run longer first.',
    );
  }
  const what = layout === 'binary' && classes.length === 2 ? `'${classes[1]}' from '${classes[0]}'` : 'the classes';
  return detail(
    'no-separation',
    `No suggestion: no alpha makes this model separate ${what} on these features. No alpha that neither estimate judges collapsed or drifting does better than ${trivial}. ` +
      `The ranking quality is ${auc} (0.5 is chance): look at the features, the model capacity or the learning rate.`,
  );
}

/**
 * Rows by alpha, computed in batches: prefetch(asked) computes in one call every alpha of `asked`
 * and of `needed` (the caller's list, read at each call) not yet known; get(a) prefetches a alone.
 */
function rowCache<Row>(needed: Array<number | number[]>, compute: (alphas: Array<number | number[]>) => Row[]): { prefetch: (asked: Array<number | number[]>) => void; get: (a: number | number[]) => Row } {
  const rows = new Map<string, Row>();
  const prefetch = (asked: Array<number | number[]>): void => {
    const keys = [...asked, ...needed].map((a) => [JSON.stringify(a), a] as const);
    const missing = [...new Map(keys.filter(([key]) => !rows.has(key))).values()];
    if (!missing.length) return;
    compute(missing).forEach((row, i) => rows.set(JSON.stringify(missing[i]), row));
  };
  return {
    prefetch,
    get: (a) => {
      prefetch([a]);
      return rows.get(JSON.stringify(a))!;
    },
  };
}
