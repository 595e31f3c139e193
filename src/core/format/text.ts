/**
 * Plain-text rendering of an AnalysisReport (the CLI's default output): verdict first, then the
 * last epoch per class, the epochs at a glance, what-if rows, the suggestion, backend and skipped
 * records. Colours (ANSI) only when asked.
 */
import type { AnalysisReport, ClassEpochStats, EpochReport, WhatIfRow } from '../report';
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

export function pct(v: number): string {
  if (!Number.isFinite(v)) return '-';
  const p = v * 100;
  if (p === 0) return '0%';
  if (p >= 10) return `${p.toFixed(1)}%`;
  if (p >= 0.1) return `${p.toFixed(2)}%`;
  return `${p.toFixed(3)}%`;
}

export function num(v: number, digits = 3): string {
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : v < 0 ? '-inf' : '-';
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(2);
  if (a >= 1000) return v.toFixed(0);
  if (a >= 100) return v.toFixed(1);
  return v.toFixed(digits);
}

export function alphaLabel(a: number | number[]): string {
  return Array.isArray(a) ? `[${a.map((v) => num(v, 3).replace(/0+$/, '').replace(/\.$/, '')).join(', ')}]` : String(Math.round(a * 1e4) / 1e4);
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
  const alpha = l.alphaVector ? `alpha [${l.alphaVector.map((v) => String(v)).join(', ')}]` : l.alpha === null ? 'alpha off' : `alpha ${l.alpha}`;
  const conv = l.alphaVector && l.convention === 'vector' ? '' : ` (${l.convention} convention)`;
  return `${l.kind} focal, ${alpha}${conv}, gamma ${l.gamma}`;
}

export function classRow(c: ClassEpochStats): string[] {
  return [
    c.class,
    String(c.count),
    pct(c.trueShare),
    pct(c.predShare),
    num(c.recall),
    num(c.precision),
    num(c.f1),
    num(c.meanWeightPos),
    num(c.meanWeightNeg),
    num(c.gradPos),
    num(c.gradNeg),
    num(c.balance),
    num(c.factors.alpha),
    num(c.factors.count),
    num(c.factors.gamma),
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
  const header = ['alpha', ...(few ? classes.map((c) => `pred ${c}`) : []), ...(focus ? [`recall ${focus}`, `F1 ${focus}`] : []), 'macro-F1', 'bal.acc', 'accuracy'];
  const rows = r.whatIf.map((w: WhatIfRow) => {
    const label = (w as WhatIfRow & { label?: string }).label;
    const fc = focus ? w.perClass.find((c) => c.class === focus) : undefined;
    return [
      alphaLabel(w.alpha) + (label ? ` (${label})` : ''),
      ...(few ? w.perClass.map((c) => pct(c.predShare)) : []),
      ...(focus ? [fc ? num(fc.recall) : '-', fc ? num(fc.f1) : '-'] : []),
      num(w.macroF1),
      num(w.balancedAccuracy),
      num(w.accuracy),
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
      num(e.focalSum),
      num(e.ceSum),
      ...(focus ? [c ? pct(c.predShare) : '-', c ? pct(c.trueShare) : '-', c ? num(c.recall) : '-'] : []),
      perEpoch.find((p) => p.epoch === e.epoch)?.status ?? '',
    ];
  });
  return { header, rows };
}

export function renderText(report: AnalysisReport, opts: TextOptions = {}): string {
  // Class names, file names and messages quoting them come from the log: no escape sequences.
  const r = mapStrings(report, terminalText);
  const s = styler(opts.color ?? false);
  const width = opts.width ?? 100;
  const out: string[] = [];
  const v = r.verdict;
  const statusText = v.status.toUpperCase() + (v.class ? ` onto '${v.class}'` : '') + (v.onsetEpoch !== null ? ` since epoch ${v.onsetEpoch}` : '') + (v.alphaDriven ? ' (alpha-driven)' : '');
  const colour = v.status === 'collapsed' ? s.red : v.status === 'drifting' ? s.yellow : s.green;
  out.push(`${s.bold('Verdict:')} ${s.bold(colour(statusText))}`);
  out.push(...wrap(v.message, width));
  out.push('');
  out.push(`${s.bold('Input:')} ${r.input.files.join(', ')} (${r.input.format}; ${r.input.samples} samples, ${r.input.epochs} epoch${r.input.epochs === 1 ? '' : 's'})`);
  out.push(`${s.bold('Loss:')} ${lossLabel(r)}`);
  const last = r.epochs[r.epochs.length - 1];
  if (last) {
    out.push('');
    out.push(s.bold(`Epoch ${last.epoch} per class`) + s.dim(' (w+/w-: mean loss multiplier of positives/negatives; G+/G-: gradient mass; balance = alpha x count x gamma factors)'));
    out.push(...table(CLASS_HEADER, last.perClass.map(classRow)));
  }
  if (r.epochs.length > 1) {
    out.push('');
    out.push(s.bold('Epochs'));
    const t = epochsRows(r);
    out.push(...table(t.header, t.rows));
  }
  if (r.whatIf.length) {
    out.push('');
    out.push(s.bold(`What if (counterfactual from epoch ${last?.epoch ?? '?'}'s probabilities, no retraining)`));
    const t = whatIfRows(r);
    out.push(...table(t.header, t.rows));
  }
  out.push('');
  if (r.suggestion) {
    const g = r.suggestion;
    out.push(
      `${s.bold('Suggestion:')} alpha ${alphaLabel(g.alpha)} maximises ${g.objective}: ${num(g.current)} now, ${num(g.expected)} expected (counterfactual; confirm by retraining).`,
    );
  } else {
    out.push(`${s.bold('Suggestion:')} none (no per-sample probabilities for the counterfactual).`);
  }
  const detail = (r as AnalysisReport & { backendDetail?: string }).backendDetail;
  out.push(`${s.bold('Backend:')} ${r.backend}${detail ? ` (${detail})` : ''}`);
  const skipped = r.input.skipped ?? 0;
  if (skipped > 0) {
    out.push(`${s.bold('Skipped records:')} ${skipped}${r.input.issues?.length ? ', first reasons:' : ''}`);
    for (const i of r.input.issues ?? []) {
      out.push(`  ${i.file}${i.line !== undefined ? `:${i.line}` : i.byteOffset !== undefined ? `@byte ${i.byteOffset}` : ''}: ${i.message}`);
    }
  } else {
    out.push(`${s.bold('Skipped records:')} none`);
  }
  return out.join('\n') + '\n';
}
