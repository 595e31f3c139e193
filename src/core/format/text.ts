/**
 * Plain-text rendering of an AnalysisReport (the CLI's default output): verdict first, then the
 * last epoch per class, the epochs at a glance, what-if rows, the suggestion, backend and skipped
 * records. Colours (ANSI) only when asked.
 */
import type { AnalysisReport, ClassEpochStats, EpochReport, WhatIfRow } from '../report';
import { runSections } from './run-sections';
import { tableNumber, tablePercent } from './numbers';
import { mapStrings, terminalText } from './escape';

export interface TextOptions {
  color?: boolean;
  /** Wrap width of the verdict message (default 100). */
  width?: number;
}

interface Styler {
  bold(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  green(s: string): string;
  dim(s: string): string;
}

function styler(on: boolean): Styler {
  const wrap = (code: string) => (s: string) => (on ? `\u001b[${code}m${s}\u001b[0m` : s);
  return { bold: wrap('1'), red: wrap('31'), yellow: wrap('33'), green: wrap('32'), dim: wrap('2') };
}



export function alphaLabel(a: number | number[]): string {
  return Array.isArray(a) ? `[${a.map((v) => tableNumber(v, 3).replace(/0+$/, '').replace(/\.$/, '')).join(', ')}]` : String(Math.round(a * 1e4) / 1e4);
}

/** Columns aligned: first column left, the rest right. */
export function table(header: string[], rows: string[][], indent = '  '): string[] {
  const widths = header.map((h, i) => Math.max(visible(h), ...rows.map((r) => visible(r[i] ?? ''))));
  const line = (cells: string[]) =>
    indent +
    cells
      .map((c, i) => (i === 0 ? c + ' '.repeat(widths[i]! - visible(c)) : ' '.repeat(widths[i]! - visible(c)) + c))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

function visible(s: string): number {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\u001b\[[0-9;]*m/g, '').length;
}

export function wrap(text: string, width: number, indent = '  '): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (!word) continue;
    if (line && line.length + 1 + word.length > width - indent.length) {
      out.push(indent + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(indent + line);
  return out;
}

export function lossLabel(r: AnalysisReport): string {
  const l = r.loss;
  const unknown = new Set(l.unknown ?? []);
  const alpha = unknown.has('alpha') ? 'alpha unknown' : l.alphaVector ? `alpha [${l.alphaVector.map((v) => String(v)).join(', ')}]` : l.alpha === null ? 'alpha off' : `alpha ${l.alpha}`;
  const conv = unknown.has('alpha') || (l.alphaVector && l.convention === 'vector') ? '' : unknown.has('convention') ? ' (convention unknown)' : ` (${l.convention} convention)`;
  return `${l.kind} focal, ${alpha}${conv}, gamma ${l.gamma ?? 'unknown'}`;
}

/** What the report's numbers stand on, for the Input line. */
export function basisLabel(r: AnalysisReport): string {
  if (r.basis === 'metrics') return `${r.input.epochs} evaluation${r.input.epochs === 1 ? '' : 's'} of logged metrics, nothing recomputed`;
  return r.basis === 'pr-curves' ? `${samplesLabel(r)}, estimated from PR-curve bins` : samplesLabel(r);
}

export function classRow(c: ClassEpochStats): string[] {
  return [
    c.class,
    String(c.count),
    tablePercent(c.trueShare),
    tablePercent(c.predShare),
    tableNumber(c.recall),
    tableNumber(c.precision),
    tableNumber(c.f1),
    tableNumber(c.meanWeightPos),
    tableNumber(c.meanWeightNeg),
    tableNumber(c.gradPos),
    tableNumber(c.gradNeg),
    tableNumber(c.balance),
    tableNumber(c.factors.alpha),
    tableNumber(c.factors.count),
    tableNumber(c.factors.gamma),
  ];
}

export const CLASS_HEADER = ['class', 'count', 'true', 'pred', 'recall', 'prec', 'F1', 'w+', 'w-', 'G+', 'G-', 'G+/G-', '=alpha', 'x count', 'x gamma'];

/** The class whose predicted share the epochs table follows. */
function focusClass(r: AnalysisReport): string | null {
  const last = r.epochs[r.epochs.length - 1];
  if (!last) return null;
  const v = last.perClass.find((c) => c.class === r.verdict.class);
  if (v && v.trueShare < 0.5) return v.class;
  return [...last.perClass].sort((a, b) => a.trueShare - b.trueShare)[0]?.class ?? null;
}

function whatIfRows(r: AnalysisReport): { header: string[]; rows: string[][] } {
  const focus = focusClass(r);
  const classes = r.whatIf[0]?.perClass.map((c) => c.class) ?? [];
  const few = classes.length <= 4;
  const header = [
    'alpha',
    ...(few ? classes.map((c) => `pred ${c}`) : []),
    ...(focus ? [`recall ${focus}`, `F1 ${focus}`, `pred ${focus} (labels)`, `recall (labels)`] : []),
    'macro-F1',
    'bal.acc',
    'accuracy',
  ];
  const rows = r.whatIf.map((w: WhatIfRow) => {
    const label = (w as WhatIfRow & { label?: string }).label;
    const fc = focus ? w.perClass.find((c) => c.class === focus) : undefined;
    const lc = focus ? w.calibrated?.perClass.find((c) => c.class === focus) : undefined;
    return [
      alphaLabel(w.alpha) + (label ? ` (${label})` : ''),
      ...(few ? w.perClass.map((c) => tablePercent(c.predShare)) : []),
      ...(focus ? [fc ? tableNumber(fc.recall) : '-', fc ? tableNumber(fc.f1) : '-', lc ? tablePercent(lc.predShare) : '-', lc ? tableNumber(lc.recall) : '-'] : []),
      tableNumber(w.macroF1),
      tableNumber(w.balancedAccuracy),
      tableNumber(w.accuracy),
    ];
  });
  return { header, rows };
}

export function epochsRows(r: AnalysisReport): { header: string[]; rows: string[][] } {
  const focus = focusClass(r);
  const perEpoch = (r.verdict as { perEpoch?: Array<{ epoch: number; status: string }> }).perEpoch ?? [];
  const header = ['epoch', 'samples', 'focal sum', 'CE sum', ...(focus ? [`pred ${focus}`, `true ${focus}`, `recall ${focus}`] : []), 'status'];
  const rows = r.epochs.map((e: EpochReport) => {
    const c = focus ? e.perClass.find((x) => x.class === focus) : undefined;
    return [
      String(e.epoch),
      String(e.samples),
      tableNumber(e.focalSum),
      tableNumber(e.ceSum),
      ...(focus ? [c ? tablePercent(c.predShare) : '-', c ? tablePercent(c.trueShare) : '-', c ? tableNumber(c.recall) : '-'] : []),
      perEpoch.find((p) => p.epoch === e.epoch)?.status ?? '',
    ];
  });
  return { header, rows };
}

/** "5200 samples per epoch x 10 epochs": one epoch's samples, not the total of every epoch. */
export function samplesLabel(r: AnalysisReport, count: (n: number) => string = String, times = 'x'): string {
  const per = r.input.samplesPerEpoch ?? (new Set(r.epochs.map((e) => e.samples)).size === 1 ? r.epochs[0]?.samples : null);
  const n = r.input.epochs;
  if (per === null || per === undefined) {
    const sizes = r.epochs.map((e) => e.samples);
    return `${count(Math.min(...sizes))} to ${count(Math.max(...sizes))} samples per epoch, ${n} epochs`;
  }
  return n === 1 ? `${count(per)} samples, 1 epoch` : `${count(per)} samples per epoch ${times} ${n} epochs`;
}

/** The verdict headline's suffix: attribution and classes at risk. */
export function verdictTags(r: AnalysisReport): string[] {
  const v = r.verdict;
  const tags: string[] = [];
  if (v.alphaDriven) tags.push('alpha-driven');
  else if (v.attribution?.state === 'uncertain') tags.push('attribution uncertain');
  const risk = (v.atRisk ?? []).map((a) => `'${a.class}'`);
  if (risk.length) tags.push(`at risk: ${risk.join(', ')}`);
  return tags;
}

/** The sentence under "Suggestion:". */
export function suggestionText(r: AnalysisReport): string {
  const g = r.suggestion;
  if (g) return `alpha ${alphaLabel(g.alpha)} maximises ${g.objective} among settings that neither collapse nor drift: ${tableNumber(g.current)} now, ${tableNumber(g.expected)} expected (counterfactual; confirm by retraining).`;
  return r.suggestionDetail?.message ?? 'none (no per-sample probabilities for the counterfactual).';
}

export function renderText(report: AnalysisReport, opts: TextOptions = {}): string {
  // Class names, file names and messages quoting them come from the log: no escape sequences.
  const r = mapStrings(report, terminalText);
  const s = styler(opts.color ?? false);
  const width = opts.width ?? 100;
  const out: string[] = [];
  const v = r.verdict;
  const tags = verdictTags(r);
  const statusText = v.status.toUpperCase() + (v.class ? ` onto '${v.class}'` : '') + (v.onsetEpoch !== null ? ` since epoch ${v.onsetEpoch}` : '') + (tags.length ? ` (${tags.join('; ')})` : '');
  const colour = v.status === 'collapsed' ? s.red : v.status === 'drifting' ? s.yellow : s.green;
  out.push(`${s.bold('Verdict:')} ${s.bold(colour(statusText))}`);
  out.push(...wrap(v.message, width));
  out.push('');
  out.push(`${s.bold('Input:')} ${r.input.files.join(', ')} (${r.input.format}; ${basisLabel(r)})`);
  out.push(`${s.bold('Loss:')} ${lossLabel(r)}`);
  for (const section of runSections(r)) {
    out.push('');
    out.push(s.bold(section.title));
    if (section.kind === 'list') for (const item of section.items) out.push(...wrap(`- ${item}`, width, '  '));
    else if (section.kind === 'table') out.push(...table(section.header, section.rows));
    else out.push(...section.text.split('\n').map((l) => `    ${l}`));
  }
  const last = r.epochs[r.epochs.length - 1];
  if (last) {
    out.push('');
    out.push(s.bold(`Epoch ${last.epoch} per class`) + s.dim(' (w+/w-: mean loss multiplier of positives/negatives; G+/G-: gradient mass; balance = alpha x count x gamma factors)'));
    out.push(...table(CLASS_HEADER, last.perClass.map(classRow)));
    if (r.explanation) {
      out.push('');
      out.push(s.bold('Balance') + s.dim(' (why G+/G- is what it is, and which knob sets the decision threshold; docs/method.md)'));
      for (const c of r.explanation.perClass.filter((x) => !x.mirror)) out.push(...wrap(c.sentence, width));
    }
  }
  if (r.epochs.length > 1) {
    out.push('');
    out.push(s.bold('Epochs'));
    const t = epochsRows(r);
    out.push(...table(t.header, t.rows));
  }
  if (r.whatIf.length) {
    out.push('');
    out.push(s.bold(`What if (counterfactual from epoch ${last?.epoch ?? '?'}'s probabilities, no retraining)`) + s.dim(' (labels: the label-calibrated estimate; retraining lands between the two)'));
    const t = whatIfRows(r);
    out.push(...table(t.header, t.rows));
  }
  out.push('');
  out.push(...wrap(`${s.bold('Suggestion:')} ${suggestionText(r)}`, width, ''));
  const detail = (r as AnalysisReport & { backendDetail?: string }).backendDetail;
  out.push(`${s.bold('Backend:')} ${r.backend ?? 'none (nothing was recomputed on a tfjs backend)'}${detail ? ` (${detail})` : ''}`);
  for (const note of r.notes ?? []) out.push(...wrap(`Note: ${note}`, width, ''));
  const skipped = r.input.skipped ?? 0;
  if (skipped > 0) {
    out.push(`${s.bold('Skipped samples:')} ${skipped}${r.input.issues?.length ? ', first reasons:' : ''}`);
    for (const i of r.input.issues ?? []) {
      out.push(`  ${i.file}${i.line !== undefined ? `:${i.line}` : i.byteOffset !== undefined ? `@byte ${i.byteOffset}` : ''}: ${i.message}`);
    }
  } else {
    out.push(`${s.bold('Skipped samples:')} none`);
  }
  return out.join('\n') + '\n';
}
