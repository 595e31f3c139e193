/** The parts of a report both views show: the verdict banner, what the numbers stand on, the report's own what-if rows. */
import type { AnalysisReport, WhatIfRow } from '../src/core/report';
import { samplesLabel, suggestionText, verdictTags } from '../src/core/format/text';
import { dataTable, fmt, h, pct } from './dom';

const STATUS_TEXT = { healthy: 'Healthy', drifting: 'Drifting', collapsed: 'Collapsed' } as const;

function alphaText(report: AnalysisReport): string {
  const { alpha, alphaVector, convention, unknown } = report.loss;
  if (unknown?.includes('alpha')) return 'α unknown (the run does not record it)';
  if (alphaVector) return `α = [${alphaVector.map((a) => fmt(a, 3)).join(', ')}] (${convention})`;
  if (alpha === null) return 'α off';
  return `α = ${alpha} (${convention} convention)`;
}

function formatAlpha(alpha: number | number[]): string {
  return Array.isArray(alpha) ? `[${alpha.map((a) => fmt(a, 2)).join(', ')}]` : String(alpha);
}

/** The side view shows the verdict's first sentence; the rest is one click away. */
function compactMessage(message: string): HTMLElement {
  const end = message.search(/\.\s/);
  if (end < 0) return h('p', { class: 'verdict-message' }, message);
  return h('details', { class: 'verdict-message' }, h('summary', {}, message.slice(0, end + 1)), h('p', {}, message.slice(end + 2)));
}

export function verdictBanner(report: AnalysisReport, compact: boolean): HTMLElement {
  const v = report.verdict;
  return h(
    'section',
    { class: `verdict ${v.status}`, role: v.status === 'healthy' ? 'status' : 'alert', 'aria-label': 'Verdict' },
    h(
      'p',
      { class: 'verdict-title' },
      h('strong', {}, STATUS_TEXT[v.status]),
      v.class && v.status !== 'healthy' ? ` onto ${v.class}` : '',
      v.onsetEpoch !== null && v.status !== 'healthy' ? ` since epoch ${v.onsetEpoch}` : '',
      ...verdictTags(report).map((tag) => h('span', { class: 'badge' }, tag)),
    ),
    compact ? compactMessage(v.message) : h('p', { class: 'verdict-message' }, v.message),
    compact
      ? null
      : h(
          'p',
          { class: 'muted' },
          `${report.loss.kind} focal loss, ${alphaText(report)}, γ = ${report.loss.gamma ?? 'unknown'} · ${inputText(report)}`,
        ),
  );
}

/** What the numbers stand on: recomputed samples, PR-curve bins, or logged metrics only. */
function inputText(report: AnalysisReport): string {
  const where = report.input.run ?? report.input.files[0] ?? '';
  if (report.basis === 'metrics') return `${where} · ${report.input.epochs} evaluation(s) of logged metrics (${report.input.format}), nothing recomputed`;
  const estimated = report.basis === 'pr-curves' ? `, estimated from ${report.approximation?.numThresholds ?? ''} PR-curve bins` : '';
  const backend = report.backend ? ` · computed on the ${report.backend} backend` : '';
  return `${where} · ${samplesLabel(report, (n) => n.toLocaleString(), '×')}, ${report.input.format}${estimated}${backend}`;
}

/** The report's what-if rows (sorted by alpha when scalar) and its suggestion. */
export function reportRows(report: AnalysisReport): HTMLElement | null {
  if (!report.whatIf.length) return h('section', { 'aria-label': 'Suggestion' }, h('h2', {}, 'Suggestion'), h('p', { class: 'suggestion' }, suggestionText(report)));
  const label = (row: WhatIfRow) => `${formatAlpha(row.alpha)}${row.label ? ` (${row.label})` : ''}`;
  const table = dataTable(
    `What-if rows of the report at epoch ${report.counterfactualEpoch ?? '–'} (in brackets: the label-calibrated estimate)`,
    ['α', 'macro-F1', 'balanced accuracy', 'accuracy', ...report.classes.map((c) => `${c} predicted`)],
    report.whatIf.map((r) => [
      label(r),
      fmt(r.macroF1),
      fmt(r.balancedAccuracy),
      fmt(r.accuracy),
      ...r.perClass.map((c) => {
        const byLabels = r.calibrated?.perClass.find((x) => x.class === c.class);
        return byLabels ? `${pct(c.predShare)} (${pct(byLabels.predShare)})` : pct(c.predShare);
      }),
    ]),
  );
  table.id = 'whatif-table';
  const s = report.suggestion;
  return h(
    'section',
    { 'aria-label': 'What other alphas would have done' },
    h('h2', {}, 'What other alphas would have done'),
    s
      ? h('p', { class: 'suggestion' }, h('strong', {}, `Suggested α ${formatAlpha(s.alpha)}`), ` for ${s.objective}: ${fmt(s.current)} now → ${fmt(s.expected)} expected.`)
      : h('p', { class: 'suggestion' }, suggestionText(report)),
    table,
  );
}
