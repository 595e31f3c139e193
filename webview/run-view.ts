/**
 * The run part of the report (core/format/run-sections.ts): which file gave what, where the loss
 * settings came from, the evidence of a metrics-only verdict, the logged recall per class over the
 * evaluations as a chart with its table, and what could not be computed with how to get it.
 */
import type { AnalysisReport } from '../src/core/report';
import { epochWordOf, runSections, type RunSection } from '../src/core/format/run-sections';
import { chartFigure } from './charts';
import { dataTable, h } from './dom';
import { chartTheme } from './theme';

function sectionNode(s: RunSection, index: number): HTMLElement {
  if (s.kind === 'list') return h('section', { 'aria-label': s.title }, h('h2', {}, s.title), h('ul', { class: 'run-list' }, ...s.items.map((i) => h('li', {}, i))));
  if (s.kind === 'table') {
    const table = dataTable(s.title, s.header, s.rows);
    table.id = `run-table-${index}`;
    return h('section', { 'aria-label': s.title }, table);
  }
  return h('section', { 'aria-label': s.title }, h('h2', {}, s.title), h('pre', { class: 'snippet' }, h('code', {}, s.text)));
}

/** Logged recall per class over the evaluations: a vanished class is a line at zero. */
function recallChart(report: AnalysisReport): HTMLElement | null {
  const obs = report.observed;
  if (!obs || obs.epochs.length < 2) return null;
  const theme = chartTheme();
  const word = epochWordOf(report);
  const names = obs.epochs[obs.epochs.length - 1]!.perClass.filter((c) => !c.implicit).map((c) => c.class);
  const last = obs.epochs[obs.epochs.length - 1]!;
  const summary = `Logged recall per class over ${obs.epochs.length} ${word}s of ${obs.file}. Last ${word} ${last.epoch}: ${names.map((n) => `${n} ${last.perClass.find((c) => c.class === n)?.recall?.toFixed(2) ?? '–'}`).join('; ')}.`;
  return chartFigure('observed-recall', summary, {
    type: 'line',
    data: {
      labels: obs.epochs.map((e) => String(e.epoch)),
      datasets: names.map((n, i) => ({
        label: `${n} recall`,
        data: obs.epochs.map((e) => e.perClass.find((c) => c.class === n)?.recall ?? null),
        borderColor: theme.series[i % theme.series.length],
        backgroundColor: theme.series[i % theme.series.length],
        borderWidth: 2,
        pointRadius: 2,
      })),
    },
    options: { scales: { y: { min: 0, max: 1, title: { display: true, text: 'recall (logged)' } }, x: { title: { display: true, text: word } } }, plugins: { legend: { position: 'bottom' } } },
  });
}

export function runView(report: AnalysisReport): HTMLElement | null {
  const sections = runSections(report);
  if (!sections.length) return null;
  const chart = recallChart(report);
  // the chart goes with the table of the same numbers
  return h('div', { class: 'run' }, ...sections.flatMap((s, i) => (s.kind === 'table' && s.title.startsWith('Recall per class') && chart ? [chart, sectionNode(s, i)] : [sectionNode(s, i)])));
}
