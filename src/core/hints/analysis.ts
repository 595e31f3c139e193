/**
 * The whole pipeline for one document: parse, find focal-loss sites, resolve conventions, and
 * produce hints, hovers, diagnostics and quick fixes as plain data.
 */
import type { AnalysisReport } from '../report';
import { convertAlpha, positiveWeight, resolveConvention } from './conventions';
import { attachDirectives, parseDirectives } from './directives';
import { CONVENTIONS } from '../conventions';
import { markdownCode, markdownText } from '../format/escape';
import { SUGGESTION_MARGIN } from '../analysis/suggestion';
import { extractJson } from './json';
import { extractPython } from './python';
import { LineIndex } from './text-index';
import type { KeyedEntry } from './keyed';
import { percentDigits as pct, significant as fmt } from '../format/numbers';
import { extractToml } from './toml';
import {
  alphaHint,
  conventionLine,
  decisionRule,
  gammaHint,
  gammaTable,
  linkedLines,
  linkedSuffix,
  objectiveName,
  PAPER_LINE,
  prevalenceLine,
} from './text';
import type {
  ConventionId,
  Directive,
  ExtractResult,
  FocalSite,
  HintDiagnostic,
  HintFinding,
  HintLanguage,
  HintsOptions,
  HintsResult,
  LinkedAnalysis,
  ParamOccurrence,
  ParamValue,
  Prevalence,
  QuickFix,
  ResolvedConvention,
  Severity,
  SiteSummary,
  TextEdit,
} from './types';
import { extractYaml } from './yaml';
import type { AlphaConvention } from '../report';

/** Language of a file from its name; null when hints do not apply. */
export function languageForPath(path: string): HintLanguage | null {
  const lower = path.toLowerCase();
  if (lower.endsWith('.py') || lower.endsWith('.pyw')) return 'python';
  if (lower.endsWith('.yaml') || lower.endsWith('.yml')) return 'yaml';
  if (lower.endsWith('.jsonc')) return 'jsonc';
  if (lower.endsWith('.json')) return 'json';
  if (lower.endsWith('.toml')) return 'toml';
  return null;
}

/** VS Code language ids (and file names) to a hint language. */
export function languageForId(languageId: string, fileName: string): HintLanguage | null {
  switch (languageId) {
    case 'python':
      return 'python';
    case 'yaml':
    case 'dockercompose':
      return 'yaml';
    case 'json':
      return 'json';
    case 'jsonc':
    case 'json5':
      return 'jsonc';
    case 'toml':
      return 'toml';
    default:
      return languageForPath(fileName);
  }
}

/** What a report leaves behind in a link (small enough for workspaceState). */
export function summarizeReport(report: AnalysisReport, logPaths: string[], analyzedAt = new Date().toISOString()): LinkedAnalysis {
  return {
    logPaths,
    analyzedAt,
    loss: report.loss,
    classes: report.classes,
    epochs: report.epochs.length,
    verdict: report.verdict,
    suggestion: report.suggestion,
    lastEpoch: report.epochs.length > 0 ? report.epochs[report.epochs.length - 1]! : null,
    ...(report.settingSources ? { settingSources: report.settingSources } : {}),
    ...(report.configMismatches ? { configMismatches: report.configMismatches } : {}),
    ...(mirrored(report).length ? { mirrored: mirrored(report) } : {}),
  };
}

/** The binary head's 'negative' class: its share is the positives' seen from the other side. */
function mirrored(report: AnalysisReport): string[] {
  return (report.explanation?.perClass ?? []).filter((c) => c.mirror).map((c) => c.class);
}

/**
 * The value the linked log recorded for a parameter, in the convention of this file's site, when
 * the analysis took it from the log (the log wins over the config: it is what the run trained with).
 * undefined when the log did not record it or it cannot be compared.
 */
export function recordedByLog(linked: LinkedAnalysis, parameter: 'alpha' | 'gamma', convention: ConventionId, written: ParamValue | undefined): ParamValue | undefined {
  if (linked.settingSources?.[parameter] !== 'log') return undefined;
  if (parameter === 'gamma') return linked.loss.gamma;
  const l = linked.loss;
  if (Array.isArray(written)) return l.alphaVector ?? undefined;
  if (l.alpha === null) return l.alphaVector ? undefined : null;
  if (convention === 'unknown') return l.convention === 'positive' ? l.alpha : undefined;
  return convertAlpha(l.alpha, l.convention, convention) ?? undefined;
}

function sameValue(a: ParamValue, b: ParamValue): boolean {
  const close = (x: number, y: number) => Math.abs(x - y) <= 1e-6 * Math.max(1, Math.abs(x));
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => close(v, b[i]!));
  if (a === null || b === null) return a === b;
  return close(a, b);
}

/** The positive share a linked analysis observed (the largest share among sigmoid classes). */
export function prevalenceFromLinked(linked: LinkedAnalysis): number | null {
  const last = linked.lastEpoch;
  if (!last || last.perClass.length === 0) return null;
  if (linked.loss.kind === 'sigmoid') {
    // a binary head's 'negative' row is the positives seen from the other side: not a positive share
    const heads = last.perClass.filter((c) => !(linked.mirrored ?? []).includes(c.class));
    return heads.length ? Math.max(...heads.map((c) => c.trueShare)) : null;
  }
  const c0 = last.perClass.find((c) => c.class === linked.classes[0]) ?? last.perClass[0]!;
  return 1 - c0.trueShare;
}

/** Cheap check before parsing: no focal-loss vocabulary, no hints. */
function mayHaveHints(text: string): boolean {
  const t = text.toLowerCase();
  return t.includes('alpha') || t.includes('gamma') || t.includes('focal');
}

/** Brackets nested deeper than this are no config: the file is not parsed (recursive parsers would overflow). */
export const MAX_NESTING = 500;

/** True when `text` nests brackets deeper than {@link MAX_NESTING}: no parser is given it. */
export function nestsTooDeep(text: string): boolean {
  return bracketDepth(text, MAX_NESTING) > MAX_NESTING;
}

/**
 * True when more than MAX_NESTING prefix operators come in a row (`not not ... x`, `- - ... 1`),
 * across lines or not: in Python they nest like brackets, and the parser's error recovery on a
 * broken file copies its stacks at every level (20,000 `not` cost 1.5 s and 260 MiB, 80,000 half a
 * GiB). One pass over the text, a word or a character at a time (a regular expression counting
 * repeats rescans each run from every position: 1.6 s for a MB of runs just under the limit).
 */
export function prefixChainTooLong(text: string): boolean {
  let run = 0;
  for (let i = 0; i < text.length; ) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13) {
      i++;
      continue;
    }
    if (c === 45 || c === 43 || c === 126) {
      // - + ~
      if (++run > MAX_NESTING) return true;
      i++;
      continue;
    }
    let end = i + 1;
    if (isWordChar(c)) while (end < text.length && isWordChar(text.charCodeAt(end))) end++;
    if (end - i === 3 && text.startsWith('not', i)) {
      if (++run > MAX_NESTING) return true;
    } else run = 0;
    i = end;
  }
  return false;
}

function isWordChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c > 127;
}

function extract(text: string, language: HintLanguage, fileName: string | undefined): ExtractResult {
  if (!mayHaveHints(text)) return { sites: [], comments: [] };
  if (nestsTooDeep(text)) return { sites: [], comments: [], parseError: `brackets nest more than ${MAX_NESTING} deep` };
  if (language === 'python' && prefixChainTooLong(text)) return { sites: [], comments: [], parseError: `more than ${MAX_NESTING} prefix operators in a row` };
  try {
    switch (language) {
      case 'python':
        return extractPython(text);
      case 'yaml':
        return extractYaml(text, fileName);
      case 'json':
      case 'jsonc':
        return extractJson(text);
      case 'toml':
        return extractToml(text);
    }
  } catch (e) {
    // Hints never take the editor or the CLI down: nesting the bracket count does not see
    // (indentation, long chains) can still exhaust a parser's stack.
    if (e instanceof RangeError) return { sites: [], comments: [], parseError: `the file is nested too deeply to read (${e.message})` };
    throw e;
  }
}

/** The deepest bracket nesting of `text`, counting up to `limit + 1` (strings and comments included: a cheap upper bound). */
function bracketDepth(text: string, limit: number): number {
  let depth = 0;
  let max = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 40 || c === 91 || c === 123) {
      if (++depth > max && (max = depth) > limit) return max;
    } else if ((c === 41 || c === 93 || c === 125) && depth > 0) depth--;
  }
  return max;
}

interface InternalFinding {
  finding: HintFinding;
  site: FocalSite;
  param: ParamOccurrence;
  conv: ResolvedConvention;
  prevalence: Prevalence | null;
  apos: number | null;
}

export class HintsAnalysis {
  readonly index: LineIndex;
  readonly result: HintsResult;
  /** The file's keyed leaves where its language has them (YAML, JSON) and it was parsed. */
  readonly entries: KeyedEntry[] | undefined;
  private readonly sitesRaw: FocalSite[];
  private readonly internal: InternalFinding[] = [];
  private readonly perSite: Directive[][];
  private readonly conventions: ResolvedConvention[];

  constructor(
    readonly text: string,
    readonly language: HintLanguage,
    readonly options: HintsOptions = {},
  ) {
    this.index = new LineIndex(text);
    const ex = extract(text, language, options.fileName);
    this.sitesRaw = ex.sites;
    this.entries = ex.entries;
    const directives = parseDirectives(ex.comments, this.index);
    const { perSite, fileWide } = attachDirectives(directives, ex.sites, ex.comments, this.index);
    this.perSite = perSite;
    const linked = options.linked ?? null;

    const fileDiagnostics: HintDiagnostic[] = [];
    for (const d of directives) {
      for (const p of d.problems) fileDiagnostics.push(this.diag('warning', 'directive-invalid', `focal-lens comment: ${p}.`, d.range));
    }
    if (ex.parseError && ex.sites.length > 0) {
      fileDiagnostics.push(this.diag('hint', 'parse-error', `Focal Lens could not read all of this file (${ex.parseError}); hints may be incomplete.`, { start: 0, end: 0 }));
    }

    const fileWidePrev = [...fileWide].reverse().find((d) => d.prevalence !== undefined);
    const linkedPrev = linked ? prevalenceFromLinked(linked) : null;
    const filePrevalence: Prevalence | null = fileWidePrev
      ? { value: fileWidePrev.prevalence!, source: 'comment', detail: `comment on line ${fileWidePrev.line + 1}` }
      : linkedPrev !== null
        ? { value: linkedPrev, source: 'analysis', detail: 'observed in the linked log' }
        : options.givenPrevalence && options.givenPrevalence.value > 0 && options.givenPrevalence.value < 1
          ? { value: options.givenPrevalence.value, source: 'given', detail: options.givenPrevalence.from }
          : null;

    this.conventions = ex.sites.map((site, i) => resolveConvention(site, perSite[i]!, fileWide));
    const findings: HintFinding[] = [];
    const sites: SiteSummary[] = [];
    ex.sites.forEach((site, siteIndex) => {
      const conv = this.conventions[siteIndex]!;
      const attachedPrev = [...perSite[siteIndex]!].reverse().find((d) => d.prevalence !== undefined);
      const prevalence: Prevalence | null = attachedPrev
        ? { value: attachedPrev.prevalence!, source: 'comment', detail: `comment on line ${attachedPrev.line + 1}` }
        : filePrevalence;
      const alphaParam = site.params.find((p) => p.parameter === 'alpha');
      const gammaParam = site.params.find((p) => p.parameter === 'gamma');
      sites.push({
        index: siteIndex,
        kind: site.kind,
        anchor: this.index.position(site.anchor),
        context: site.context,
        convention: conv.convention,
        conventionSource: conv.source,
        library: site.library?.label ?? null,
        ...(alphaParam && alphaParam.value !== undefined ? { alpha: alphaParam.value } : {}),
        ...(gammaParam && typeof gammaParam.value === 'number' ? { gamma: gammaParam.value } : {}),
      });
      for (const param of site.params) {
        const hint = this.hintFor(param, site, conv, linked);
        if (hint === null) continue;
        const apos = param.parameter === 'alpha' ? positiveWeight(conv.convention, param.value, site.library, conv.alphaIgnored) : null;
        const range = this.index.range(param.valueRange);
        const finding: HintFinding = {
          line: range.start.line + 1,
          character: range.start.character,
          parameter: param.parameter,
          value: param.value,
          valueText: param.valueText,
          convention: conv.convention,
          conventionSource: conv.source,
          library: site.library?.label ?? null,
          hint,
          diagnostics: [],
          range,
          hoverRange: this.index.range(param.keyRange ?? param.valueRange),
          siteIndex,
        };
        const item: InternalFinding = { finding, site, param, conv, prevalence, apos };
        finding.diagnostics = this.diagnosticsFor(item, linked);
        this.internal.push(item);
        findings.push(finding);
      }
    });
    // Report order is document order; internal and result lists stay aligned.
    const order = findings.map((_f, i) => i).sort((a, b) => findings[a]!.line - findings[b]!.line || findings[a]!.character - findings[b]!.character);
    const sortedInternal = order.map((i) => this.internal[i]!);
    this.internal.splice(0, this.internal.length, ...sortedInternal);
    this.result = { language, findings: order.map((i) => findings[i]!), sites, fileDiagnostics, prevalence: filePrevalence };
  }

  private diag(severity: Severity, code: string, message: string, r: { start: number; end: number }): HintDiagnostic {
    return { severity, code, message, range: this.index.range(r) };
  }

  private hintFor(param: ParamOccurrence, site: FocalSite, conv: ResolvedConvention, linked: LinkedAnalysis | null): string | null {
    if (param.parameter === 'gamma') return gammaHint(param.value, site.library);
    const base = alphaHint(param.value, conv);
    return linked ? base + linkedSuffix(linked) : base;
  }

  private diagnosticsFor(item: InternalFinding, linked: LinkedAnalysis | null): HintDiagnostic[] {
    const { param, conv, site, prevalence, apos } = item;
    const out: HintDiagnostic[] = [];
    const at = (severity: Severity, code: string, message: string): void => {
      out.push(this.diag(severity, code, message, param.valueRange));
    };
    const v = param.value;
    const lib = site.library;
    const recorded = linked && v !== undefined ? recordedByLog(linked, param.parameter, conv.convention, v) : undefined;
    if (recorded !== undefined && v !== undefined && !sameValue(recorded, v)) {
      const shown = Array.isArray(recorded) ? `[${recorded.map((x) => fmt(x, 4)).join(', ')}]` : recorded === null ? 'off' : fmt(recorded, 4);
      at('warning', 'log-config-mismatch',
        `The linked log recorded ${param.parameter} = ${shown}, which is what the run trained with; this file says ${param.valueText}. ` +
          `The analysis used ${shown}: link the log of a run trained with ${param.valueText}, or correct this value.`);
    }
    if (param.parameter === 'gamma') {
      if (typeof v !== 'number') return out;
      if (v > 0 && v < 1) {
        at('information', 'gamma-below-one',
          `gamma = ${fmt(v)} is between 0 and 1: the gradient of the modulating factor (1 - p_t)^gamma is unbounded as p_t -> 1, a known source of NaN losses. Use 0, a value >= 1, or clamp p_t.`);
      } else if (v < 0) {
        at('warning', 'gamma-negative', `gamma = ${fmt(v)} is negative: easy samples get more weight than hard ones, the opposite of focal loss.`);
      }
      return out;
    }
    // alpha
    if (conv.alphaIgnored && v !== undefined) {
      at('warning', 'keras-alpha-ignored',
        'Keras BinaryFocalCrossentropy ignores alpha unless apply_class_balancing=True: this alpha has no effect on the loss.');
    }
    if (!conv.alphaIgnored && conv.convention === 'uniform' && typeof v === 'number') {
      at('information', 'alpha-uniform-scale',
        `Under the uniform convention (${conv.detail}) a scalar alpha multiplies every class alike: it only rescales the loss, it does not balance classes. Pass a per-class list to balance.`);
    }
    if (conv.convention === 'unknown' && v !== undefined && v !== null && !Array.isArray(v)) {
      at('hint', 'convention-unknown',
        `What alpha = ${param.valueText} weighs depends on the library (positives in torchvision, class 0 in Focal-Loss-Pytorch) and nothing here tells which. Declare it with a comment: focal-lens: convention=...`);
    }
    const values = typeof v === 'number' ? [v] : Array.isArray(v) ? v : [];
    if (typeof v === 'number' && v < 0 && lib?.alphaOffBelowZero) {
      at('information', 'alpha-off', `${lib.label} treats alpha < 0 as "no alpha weighting": every sample keeps weight 1, no class balancing.`);
    } else if (values.some((x) => x < 0 || x > 1) && !conv.alphaIgnored) {
      const detail = typeof v === 'number'
        ? v > 1 ? `1 - alpha = ${fmt(1 - v)} is negative` : 'alpha is negative'
        : 'a per-class weight is negative or above 1';
      const reject = lib?.monai ? ' MONAI documents alpha in [0, 1].' : '';
      at('warning', 'alpha-out-of-range',
        `alpha = ${param.valueText} is outside [0, 1]: ${detail}, so one side gets a negative weight and the loss is unbounded below.${reject}`);
    }
    const balances =
      !conv.alphaIgnored &&
      ((typeof v === 'number' && !(v < 0 && lib?.alphaOffBelowZero) && conv.convention !== 'uniform') || (Array.isArray(v) && v.length === 2));
    if (prevalence && apos !== null && balances && apos >= 1 - prevalence.value) {
      const eff = conv.convention === 'positive' ? `alpha = ${fmt(apos)}` : `the positive weight ${fmt(apos)} (alpha ${param.valueText} under ${conv.convention})`;
      at('warning', 'alpha-collapse-positives',
        `${eff} >= 1 - prevalence = ${fmt(1 - prevalence.value, 3)} (prevalence ${pct(prevalence.value)}, ${prevalence.detail}): samples the features cannot separate will all be predicted positive: collapse onto positives.`);
    }
    if (linked && linked.verdict.status !== 'healthy' && linked.verdict.alphaDriven) {
      const vd = linked.verdict;
      const what = vd.status === 'collapsed' ? 'collapsed' : 'is drifting';
      const onto = vd.class !== null ? ` onto class '${vd.class}'` : '';
      const when = vd.onsetEpoch !== null ? ` from epoch ${vd.onsetEpoch}` : '';
      at('warning', vd.status === 'collapsed' ? 'alpha-driven-collapse' : 'alpha-driven-drift',
        `The linked training log ${what}${onto}${when}, and alpha drives it: at a neutral alpha the counterfactual does not ${vd.status === 'collapsed' ? 'collapse' : 'drift'}.`);
    }
    return out;
  }

  /** Markdown for a hover over a finding. */
  hover(findingIndex: number): string {
    const item = this.internal[findingIndex];
    if (!item) return '';
    const { param, conv, site, prevalence, apos } = item;
    const linked = this.options.linked ?? null;
    // Hover markdown: every piece from the file or a linked log goes through markdownText / markdownCode.
    const parts: string[] = [`**Focal Lens: ${param.parameter} = ${markdownText(param.valueText)}** (${markdownText(param.key)})`];
    if (param.parameter === 'alpha') {
      parts.push(conventionLine(conv, site.context));
      if (conv.library?.note) parts.push(conv.library.note);
      parts.push(`Inline: ${markdownCode(item.finding.hint)}`);
      const rule = decisionRule(apos, conv.convention, conv.alphaIgnored);
      if (rule) parts.push(`Decision rule: ${rule}`);
      const pl = prevalenceLine(prevalence, apos);
      if (pl) parts.push(pl);
      parts.push(PAPER_LINE);
    } else {
      if (typeof param.value === 'number') {
        if (site.library?.yolo && param.value === 0) parts.push('YOLOv5 / YOLOv7 use plain BCE when fl_gamma is 0; fl_gamma > 0 wraps it in FocalLoss (alpha 0.25 in the code).');
        parts.push(gammaTable(param.value));
      }
      parts.push('gamma does not move the decision threshold (section 4 of the rules: the two gradient terms are equal at p = 0.5); it shifts the loss from easy samples to hard ones, which changes what alpha is best (the paper found .25 with gamma 2).');
      if (conv.convention !== 'unknown') parts.push(`Convention of this loss: **${conv.convention}** (${markdownText(conv.detail)}).`);
    }
    if (linked) parts.push(...linkedLines(linked, param.parameter));
    for (const d of item.finding.diagnostics) parts.push(`_${d.code}_: ${markdownText(d.message)}`);
    return parts.join('\n\n');
  }

  /** Findings whose key or value range touches a 0-based position. */
  findingAt(line: number, character: number): number {
    return this.result.findings.findIndex((f) => {
      const r = f.hoverRange;
      const afterStart = line > r.start.line || (line === r.start.line && character >= r.start.character);
      const beforeEnd = line < r.end.line || (line === r.end.line && character <= r.end.character);
      return afterStart && beforeEnd;
    });
  }

  /** Quick fixes for one finding. */
  quickFixes(findingIndex: number): QuickFix[] {
    const item = this.internal[findingIndex];
    if (!item) return [];
    const fixes: QuickFix[] = [];
    const { param, conv, site } = item;
    const linked = this.options.linked ?? null;
    if (param.parameter !== 'alpha') return fixes;
    const s = linked?.suggestion;
    if (s && param.value !== undefined) {
      let target: number | number[] | null = null;
      if (Array.isArray(s.alpha)) target = conv.convention === 'vector' || Array.isArray(param.value) ? s.alpha : null;
      else target = convertAlpha(s.alpha, linked!.loss.convention, conv.convention);
      if (target !== null) {
        const text = Array.isArray(target) ? `[${target.map((x) => fmt(x, 3)).join(', ')}]` : fmt(target, 3);
        if (text !== param.valueText) {
          fixes.push({
            title: `Set alpha to ${text} (suggested for ${objectiveName(s.objective)}: ${s.current.toFixed(2)} -> ${s.expected.toFixed(2)})`,
            kind: 'set-alpha',
            codes: ['alpha-driven-collapse', 'alpha-driven-drift', 'alpha-collapse-positives'],
            edits: [{ range: this.index.range(param.valueRange), newText: text }],
            preferred: true,
          });
        }
      }
    }
    // a linked log's counterfactual knows this run: it suggests an alpha, or says none is safe (issue 8)
    const collapse = !linked && item.finding.diagnostics.some((d) => d.code === 'alpha-collapse-positives');
    const safe = collapse && typeof param.value === 'number' && item.prevalence ? safeAlpha(item.prevalence.value, conv.convention) : null;
    if (safe) {
      fixes.push({
        title: `Set alpha to ${safe.text}: ${safe.reason}`,
        kind: 'safe-alpha',
        codes: ['alpha-collapse-positives'],
        edits: [{ range: this.index.range(param.valueRange), newText: safe.text }],
        preferred: true,
      });
    }
    if (conv.alphaIgnored) {
      const edit = this.classBalancingEdit(site, param);
      if (edit) {
        fixes.push({ title: 'Set apply_class_balancing=True', kind: 'apply-class-balancing', codes: ['keras-alpha-ignored'], edits: [edit], preferred: true });
      }
    }
    if (conv.convention === 'unknown' || conv.source === 'comment') {
      for (const c of CONVENTIONS) {
        if (conv.source === 'comment' && conv.convention === c) continue;
        const edit = this.declareConventionEdit(item.finding.siteIndex, c);
        if (edit) fixes.push({ title: `Declare the convention: ${c}`, kind: 'declare-convention', codes: ['convention-unknown'], edits: [edit] });
      }
    }
    return fixes;
  }

  private classBalancingEdit(site: FocalSite, param: ParamOccurrence): TextEdit | null {
    const t = this.language === 'python' ? 'True' : 'true';
    if (site.applyClassBalancing) return { range: this.index.range(site.applyClassBalancing.valueRange), newText: t };
    if (this.language === 'python') {
      if (site.argsInsertAt === undefined) return null;
      const pos = this.index.position(site.argsInsertAt);
      return { range: { start: pos, end: pos }, newText: site.argsEmpty ? 'apply_class_balancing=True' : ', apply_class_balancing=True' };
    }
    const end = this.index.position(param.valueRange.end);
    if (this.language === 'json' || this.language === 'jsonc') return { range: { start: end, end }, newText: ', "apply_class_balancing": true' };
    const keyStart = param.keyRange?.start ?? param.valueRange.start;
    const keyPos = this.index.position(keyStart);
    const lineText = this.index.lineText(keyPos.line);
    const blockStyle = lineText.slice(0, keyPos.character).trim() === '' || lineText.slice(0, keyPos.character).trim() === '-';
    if (!blockStyle) {
      return { range: { start: end, end }, newText: this.language === 'yaml' ? ', apply_class_balancing: true' : ', apply_class_balancing = true' };
    }
    const indent = ' '.repeat(keyPos.character);
    const lineEnd = { line: keyPos.line, character: lineText.length };
    return { range: { start: lineEnd, end: lineEnd }, newText: `\n${indent}apply_class_balancing${this.language === 'yaml' ? ': ' : ' = '}true` };
  }

  /** The comment that declares a convention for a site (replacing an existing declaration). */
  declareConventionEdit(siteIndex: number, convention: AlphaConvention): TextEdit | null {
    const site = this.sitesRaw[siteIndex];
    if (!site) return null;
    if (this.language === 'json') return null;
    const existing = this.perSite[siteIndex]?.find((d) => d.convention);
    if (existing) {
      const txt = this.text.slice(existing.range.start, existing.range.end);
      const at = txt.indexOf('convention=');
      let end = at + 'convention='.length;
      while (end < txt.length && /[A-Za-z0-9-]/.test(txt[end]!)) end++;
      return {
        range: this.index.range({ start: existing.range.start + at, end: existing.range.start + end }),
        newText: `convention=${convention}`,
      };
    }
    const line = this.index.lineOf(site.anchor);
    const indent = this.index.indentOf(line);
    const marker = this.language === 'jsonc' ? '//' : '#';
    const pos = { line, character: 0 };
    return { range: { start: pos, end: pos }, newText: `${indent}${marker} focal-lens: convention=${convention}\n` };
  }

  /** Convention of a site as resolved (for the CodeLens / analysis request). */
  siteConvention(siteIndex: number): ConventionId {
    return this.conventions[siteIndex]?.convention ?? 'unknown';
  }

  /** All diagnostics of the document, flattened. */
  allDiagnostics(): HintDiagnostic[] {
    return [...this.result.fileDiagnostics, ...this.result.findings.flatMap((f) => f.diagnostics)];
  }
}

/**
 * A scalar alpha that does not collapse onto positives at this prevalence, in the site's convention:
 * the positive weight 1 - prevalence (above it, samples the features cannot separate are all called
 * positive: docs/method.md "Decision rule") moved down by the suggestion's margin (alpha odds
 * divided by e^SUGGESTION_MARGIN), rounded away from it to two decimals. Null when no convention says
 * which side alpha weighs.
 */
export function safeAlpha(prevalence: number, convention: ConventionId): { text: string; reason: string } | null {
  const onPositives = convention === 'positive' || convention === 'class0-complement';
  const onNegatives = convention === 'class0-alpha' || convention === 'negative';
  if (!onPositives && !onNegatives) return null;
  const limit = 1 - prevalence;
  const logit = Math.log(limit / (1 - limit)) - SUGGESTION_MARGIN;
  const weight = Math.floor(100 / (1 + Math.exp(-logit))) / 100;
  if (!(weight > 0)) return null;
  const alpha = onPositives ? weight : Math.round((1 - weight) * 100) / 100;
  const positives = onPositives ? '' : `the positives get 1 - alpha = ${fmt(weight, 3)}, `;
  return {
    text: fmt(alpha, 3),
    reason: `${positives}below 1 - prevalence = ${fmt(limit, 3)} by a safety margin (from ${fmt(limit, 3)} up, samples the features cannot separate are all predicted positive)`,
  };
}

export function analyzeHints(text: string, language: HintLanguage, options: HintsOptions = {}): HintsAnalysis {
  return new HintsAnalysis(text, language, options);
}
