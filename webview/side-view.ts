/**
 * The side view: the current run compactly (verdict, a sparkline of each class's balance and of
 * its predicted versus true share, the suggestion), buttons to open the report and to watch the
 * run, and the recently analyzed runs to switch between.
 */
import type { AnalysisReport } from '../src/core/report';
import { sparklinePath } from '../src/core/format/svg';
import { suggestionText } from '../src/core/format/text';
import type { RecentRunSummary } from '../src/protocol/messages';
import { dataTable, fmt, h, pct } from './dom';
import { verdictBanner } from './report-view';
import { chartTheme } from './theme';
import { send } from './vscode-api';

const SVG = 'http://www.w3.org/2000/svg';
const W = 90;
const H = 22;

function button(label: string, onClick: () => void, secondary = false): HTMLButtonElement {
  const b = h('button', { type: 'button', class: secondary ? 'secondary' : '' }, label);
  b.addEventListener('click', onClick);
  return b;
}

/** An inline SVG sparkline (built as DOM, never parsed from text) with its summary as aria-label. */
function sparkline(label: string, lines: Array<{ values: Array<number | null>; color: string; dashed?: boolean }>, opts: { log?: boolean; range?: [number, number] } = {}): SVGSVGElement {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.setAttribute('width', String(W));
  svg.setAttribute('height', String(H));
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', label);
  svg.classList.add('sparkline');
  const all = lines.flatMap((l) => l.values.filter((v): v is number => v !== null && Number.isFinite(v) && (!opts.log || v > 0)));
  const range = opts.range ?? (all.length ? [Math.min(...all), Math.max(...all)] : undefined);
  for (const line of lines) {
    const path = document.createElementNS(SVG, 'path');
    path.setAttribute('d', sparklinePath(line.values, W, H, { ...(opts.log ? { log: true } : {}), ...(range ? { range: range as [number, number] } : {}) }));
    path.setAttribute('fill', 'none');
    path.setAttribute('stroke', line.color);
    path.setAttribute('stroke-width', '1.5');
    if (line.dashed) path.setAttribute('stroke-dasharray', '3 2');
    svg.append(path);
  }
  return svg;
}

interface ClassSeries {
  name: string;
  balance: Array<number | null>;
  pred: Array<number | null>;
  truth: Array<number | null>;
}

function seriesOf(report: AnalysisReport): { epochs: number[]; classes: ClassSeries[] } {
  if (report.basis !== 'metrics' && report.epochs.length) {
    return {
      epochs: report.epochs.map((e) => e.epoch),
      classes: report.classes.map((name, i) => ({
        name,
        balance: report.epochs.map((e) => e.perClass[i]?.balance ?? null),
        pred: report.epochs.map((e) => e.perClass[i]?.predShare ?? null),
        truth: report.epochs.map((e) => e.perClass[i]?.trueShare ?? null),
      })),
    };
  }
  const obs = report.observed?.epochs ?? [];
  const names = obs[obs.length - 1]?.perClass.map((c) => c.class) ?? [];
  return {
    epochs: obs.map((e) => e.epoch),
    classes: names.map((name) => ({
      name,
      balance: [],
      pred: obs.map((e) => e.perClass.find((c) => c.class === name)?.predShare ?? null),
      truth: obs.map((e) => e.perClass.find((c) => c.class === name)?.trueShare ?? null),
    })),
  };
}

function trends(report: AnalysisReport): HTMLElement {
  const theme = chartTheme();
  const { epochs, classes } = seriesOf(report);
  const last = (v: Array<number | null>) => v[v.length - 1] ?? null;
  const rows = classes.map((c, i) => {
    const color = theme.series[i % theme.series.length]!;
    const balance = c.balance.length
      ? sparkline(`Balance G+/G− of ${c.name} over ${epochs.length} epochs (log): from ${fmt(c.balance[0])} to ${fmt(last(c.balance))}.`, [{ values: c.balance, color }], { log: true })
      : h('span', { class: 'muted' }, '–');
    const shares = sparkline(`${c.name}: predicted share from ${pct(c.pred[0])} to ${pct(last(c.pred))} over ${epochs.length} epochs; true share ${pct(last(c.truth))}.`, [
      { values: c.pred, color },
      { values: c.truth, color: theme.muted, dashed: true },
    ], { range: [0, 1] });
    // the name on its own row: class names can be long, the side view is narrow
    return [
      h('tr', {}, h('th', { scope: 'rowgroup', colspan: 2, class: 'spark-class' }, c.name)),
      h('tr', {}, h('td', {}, balance, h('span', { class: 'spark-value' }, c.balance.length ? fmt(last(c.balance)) : '')), h('td', {}, shares, h('span', { class: 'spark-value' }, pct(last(c.pred))))),
    ];
  });
  const numbers = dataTable(
    'Balance and predicted share (true share) per class and epoch',
    ['epoch', ...classes.map((c) => c.name)],
    epochs.map((e, j) => [String(e), ...classes.map((c) => `${c.balance.length ? `${fmt(c.balance[j])} · ` : ''}${pct(c.pred[j])} (${pct(c.truth[j])})`)]),
  );
  numbers.id = 'trends-table';
  return h(
    'section',
    { 'aria-label': 'Trends over epochs' },
    h('h2', {}, `Over ${epochs.length} epoch${epochs.length === 1 ? '' : 's'}`),
    h(
      'table',
      { class: 'sparklines' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'balance G+/G−'), h('th', { scope: 'col' }, 'predicted (true dashed)'))),
      h('tbody', {}, ...rows.flat()),
    ),
    h('details', {}, h('summary', {}, 'Numbers'), numbers),
  );
}

function recentList(recent: RecentRunSummary[], current: string | null): HTMLElement | null {
  if (!recent.length) return null;
  return h(
    'section',
    { 'aria-label': 'Recently analyzed runs' },
    h('h2', {}, 'Recent runs'),
    h(
      'ul',
      { class: 'recent' },
      ...recent.map((r) => {
        const b = h(
          'button',
          { type: 'button', class: 'link', 'aria-current': r.label === current ? 'true' : undefined, title: `Analyzed ${new Date(r.analyzedAt).toLocaleString()}${r.kept ? '' : ' (analyzed again on opening)'}` },
          r.label,
          h('span', { class: `badge ${r.status}` }, `${r.status}${r.onto && r.status !== 'healthy' ? ` onto ${r.onto}` : ''}`),
        );
        b.addEventListener('click', () => send({ type: 'openRecent', id: r.id }));
        return h('li', {}, b);
      }),
    ),
  );
}

export interface SideState {
  report: AnalysisReport | null;
  source: string | null;
  recent: RecentRunSummary[];
  watch: { watching: boolean; message: string } | null;
}

/** The compact view of the current run (or of none yet) and the recent runs. */
export function sideView(state: SideState): HTMLElement {
  const { report, watch } = state;
  const watchButton = button(watch?.watching ? 'Stop watching' : 'Watch this run', () => send({ type: 'watchRun', start: !watch?.watching }), true);
  return h(
    'div',
    { class: 'report compact' },
    report ? verdictBanner(report, true) : null,
    report ? trends(report) : null,
    report ? h('p', { class: 'suggestion' }, suggestionText(report)) : null,
    h(
      'div',
      { class: 'actions' },
      report ? button('Open report', () => send({ type: 'openPanel' })) : null,
      button('Analyze another log…', () => send({ type: 'chooseLog' }), true),
      report ? watchButton : null,
    ),
    watch ? h('p', { class: 'muted', role: 'status', id: 'watch-status' }, watch.message) : null,
    recentList(state.recent, state.source),
  );
}
