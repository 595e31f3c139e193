/** Hint and hover text: what alpha and gamma mean, in words and numbers. */
import type { AlphaConvention } from '../report';
import { markdownCode, markdownText } from '../format/escape';
import { CONVENTION_DESCRIPTIONS } from './conventions';
import { percentDigits as pct, significant as fmt } from '../format/numbers';
import type { ConventionId, LibraryInfo, LinkedAnalysis, ParamValue, Prevalence, ResolvedConvention } from './types';

export const PAPER_LINE =
  'Paper (Lin et al. 2017, Table 1): alpha-balanced CE (gamma 0) was best at alpha .75; with gamma 2 the best alpha was .25 ' +
  '(the rare foreground down-weighted once gamma removes easy negatives); best alphas ranged over [.25, .75].';

function list(v: number[]): string {
  const shown = v.slice(0, 4).map((x, i) => `class ${i} x${fmt(x)}`);
  return shown.join(', ') + (v.length > 4 ? `, ... (${v.length} classes)` : '');
}

export function alphaHint(value: ParamValue | undefined, conv: ResolvedConvention): string {
  const lib = conv.library;
  if (conv.alphaIgnored) return 'ignored: apply_class_balancing is off';
  if (value === null) return lib?.alphaNoneOff ? 'off: no class balancing' : 'None: no class balancing';
  if (Array.isArray(value)) return list(value);
  if (value === undefined) {
    switch (conv.convention) {
      case 'positive':
        return 'pos x alpha / neg x (1 - alpha)';
      case 'class0-alpha':
        return 'class 0 x alpha / others x (1 - alpha)';
      case 'class0-complement':
        return 'class 0 x (1 - alpha) / others x alpha';
      case 'negative':
        return 'neg x alpha / pos x (1 - alpha)';
      case 'uniform':
        return 'scale only, no balancing';
      default:
        return 'convention unknown';
    }
  }
  if (lib?.alphaOffBelowZero && value < 0) return 'off (alpha < 0): no class balancing';
  const a = fmt(value);
  const b = fmt(1 - value);
  switch (conv.convention) {
    case 'positive':
      return `pos x${a} / neg x${b}`;
    case 'class0-alpha':
      return `class 0 x${a} / others x${b}`;
    case 'class0-complement':
      return `class 0 x${b} / others x${a}`;
    case 'negative':
      return `neg x${a} / pos x${b}`;
    case 'uniform':
      return 'scale only, no balancing';
    case 'vector':
      return `every class x${a} (a list was expected)`;
    default:
      return 'convention unknown';
  }
}

/** The weight of an easy sample (p_t = 0.9) relative to cross-entropy. */
export function gammaHint(value: ParamValue | undefined, library: LibraryInfo | null): string | null {
  if (typeof value !== 'number') return null;
  if (library?.yolo && value === 0) return 'focal loss off (fl_gamma = 0)';
  if (value === 0) return 'no focusing: p_t=0.9 -> x1 (plain CE)';
  return `p_t=0.9 -> x${fmt(Math.pow(0.1, value), 2)}`;
}

export function linkedSuffix(linked: LinkedAnalysis): string {
  const v = linked.verdict;
  if (v.status === 'healthy') {
    const only = linked.lastEpoch?.perClass.length === 1 ? linked.lastEpoch.perClass[0] : undefined;
    return only ? ` · log: healthy, G+/G- ${fmt(only.balance, 2)}` : ' · log: healthy';
  }
  const onto = v.class !== null ? ` onto '${v.class}'` : '';
  const at = v.onsetEpoch !== null ? ` @ epoch ${v.onsetEpoch}` : '';
  return ` · log: ${v.status}${onto}${at}`;
}

/** Section 4 in words, for the weight a gives to positives. */
export function decisionRule(apos: number | null, convention: ConventionId, ignored: boolean): string | null {
  if (ignored || convention === 'uniform') {
    return 'alpha does not move the decision: the model says "positive" where more than 50% of similar samples are positive (the accuracy rule).';
  }
  if (apos === null) return null;
  const t = 1 - apos;
  const classWord = convention === 'class0-alpha' || convention === 'class0-complement' || convention === 'vector' ? 'class 1 (any class but 0)' : '"positive"';
  const share = convention === 'positive' ? 'positive' : 'of that class';
  if (t >= 1) return `this model never says ${classWord}: alpha gives it no weight.`;
  if (t <= 0) return `this model says ${classWord} everywhere: alpha gives the other side no weight.`;
  const lead = t > 0.5 ? 'only where at least' : t < 0.5 ? 'already where' : 'where more than';
  const tail = convention === 'positive' ? `of similar samples are positive` : `of similar samples are ${share}`;
  return `this model says ${classWord} ${lead} ${pct(t)} ${tail} (q > 1 - alpha, independent of gamma).`;
}

export function conventionLine(conv: ResolvedConvention, context: string): string {
  if (conv.convention === 'unknown') {
    return `Convention **unknown** (${markdownText(context)}): nothing says which library reads this alpha. ` +
      'The same 0.25 is foreground x0.25 in torchvision and background x0.25 in Focal-Loss-Pytorch. ' +
      'Declare it with a comment `focal-lens: convention=positive` (or class0-alpha, class0-complement, uniform, vector).';
  }
  const desc = CONVENTION_DESCRIPTIONS[conv.convention as AlphaConvention];
  const from = conv.source === 'comment' ? `declared by ${conv.detail}` : `from ${conv.detail}, recognised by ${sourceWords(conv.source)}: ${context}`;
  return `Convention **${conv.convention}**: ${desc}. ${markdownText(capitalize(from))}.`;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export function sourceWords(source: string): string {
  switch (source) {
    case 'import':
      return 'the import';
    case 'type':
      return 'the type= string';
    case 'key-path':
      return 'the key path';
    case 'target':
      return 'the target class';
    case 'call-name':
      return 'the function name';
    case 'loss-name':
      return 'the loss named beside it';
    case 'value':
      return 'the list value';
    case 'comment':
      return 'a focal-lens comment';
    default:
      return 'nothing';
  }
}

export function prevalenceLine(prev: Prevalence | null, apos: number | null): string | null {
  if (!prev) return null;
  const base = `Prevalence ${pct(prev.value)} (${markdownText(prev.detail)}): alpha = 1 - prevalence = ${fmt(1 - prev.value, 3)} is the balanced-accuracy rule`;
  if (apos === null) return `${base}.`;
  return apos >= 1 - prev.value
    ? `${base}; this alpha is at or above it, so samples the features cannot separate are all predicted positive.`
    : `${base}; this alpha stays below it (no collapse onto positives from alpha alone).`;
}

export function linkedLines(linked: LinkedAnalysis, parameter: 'alpha' | 'gamma'): string[] {
  const lines: string[] = [];
  const name = markdownCode(linked.logPaths.map((p) => p.split(/[\\/]/).pop()).join(', '));
  const v = linked.verdict;
  const status =
    v.status === 'healthy'
      ? 'healthy'
      : `${v.status}${v.class !== null ? ` onto '${v.class}'` : ''}${v.onsetEpoch !== null ? ` from epoch ${v.onsetEpoch}` : ''}${v.alphaDriven ? ', alpha-driven' : ''}`;
  lines.push(`Linked log ${name} (${linked.epochs} epochs, ${linked.loss.kind}, alpha ${linked.loss.alpha ?? (linked.loss.alphaVector ? `[${linked.loss.alphaVector.map((x) => fmt(x)).join(', ')}]` : 'off')}, gamma ${linked.loss.gamma === null ? 'unknown' : fmt(linked.loss.gamma)}): verdict **${markdownText(status)}**.`);
  for (const m of linked.configMismatches ?? []) {
    if (m.parameter !== parameter && !(parameter === 'alpha' && m.parameter === 'convention')) continue;
    const show = (x: typeof m.log): string => markdownText(x === null ? 'off' : Array.isArray(x) ? `[${x.map((y) => fmt(y)).join(', ')}]` : typeof x === 'number' ? fmt(x, 4) : x);
    lines.push(`**The log and this file disagree:** the log recorded ${m.parameter} ${show(m.log)} (what the run trained with), this file said ${show(m.config)} when the analysis ran; the analysis used the log's ${show(m.log)}.`);
  }
  if (v.message) lines.push(markdownText(v.message));
  const last = linked.lastEpoch;
  if (last) {
    const rows = last.perClass.slice(0, 6).map((c) =>
      parameter === 'alpha'
        ? `'${markdownText(c.class)}': balance G+/G- ${fmt(c.balance, 3)} = alpha x${fmt(c.factors.alpha, 3)} · count x${fmt(c.factors.count, 3)} · gamma x${fmt(c.factors.gamma, 3)}; true share ${pct(c.trueShare)}, predicted ${pct(c.predShare)}`
        : `'${markdownText(c.class)}': gamma factor x${fmt(c.factors.gamma, 3)}, mean weight positives ${fmt(c.meanWeightPos, 3)}, negatives ${fmt(c.meanWeightNeg, 3)}`,
    );
    lines.push(`Observed at epoch ${last.epoch}:\n\n` + rows.map((r) => `- ${r}`).join('\n'));
  }
  const s = linked.suggestion;
  if (s && parameter === 'alpha') {
    const a = Array.isArray(s.alpha) ? `[${s.alpha.map((x) => fmt(x, 2)).join(', ')}]` : fmt(s.alpha, 2);
    lines.push(`Suggestion: alpha ${a} for ${objectiveName(s.objective)} (${s.current.toFixed(2)} -> ${s.expected.toFixed(2)} expected).`);
  }
  return lines;
}

export function objectiveName(o: string): string {
  return o === 'macro-f1' ? 'macro-F1' : o === 'balanced-accuracy' ? 'balanced accuracy' : o;
}

export function gammaTable(g: number): string {
  const w = (p: number): string => fmt(Math.pow(1 - p, g), 2);
  return `Weight vs cross-entropy, (1 - p_t)^gamma: hard p_t=0.1 -> x${w(0.1)}, p_t=0.5 -> x${w(0.5)}, easy p_t=0.9 -> x${w(0.9)}, p_t=0.99 -> x${w(0.99)}.`;
}
