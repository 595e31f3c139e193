/**
 * The report's charts over epochs and of the selected epoch, each a Chart.js canvas with a text
 * summary (aria-label) and a table of its numbers beside it. Built once per report; `select`
 * moves the epoch markers and redraws what depends on the selected epoch without rebuilding.
 */
import type { Chart } from 'chart.js';
import type { AnalysisReport, ClassEpochStats, EpochReport } from '../src/core/report';
import { LOG_TICKS, chartFigure, setChartSummary, type ChartMarker } from './charts';
import { dataTable, fmt, h, pct } from './dom';
import { chartTheme } from './theme';

/** One chart: its figure and table, and how it follows the selected epoch. */
export interface EpochChart {
  nodes: HTMLElement[];
  select(epoch: number): void;
}

/** Numbers in a `<details>`: the text alternative, one click (or screen-reader jump) away. */
export function numbers(table: HTMLTableElement, id: string): HTMLElement {
  table.id = `${id}-table`;
  return h('details', { class: 'numbers' }, h('summary', {}, 'Numbers of this chart'), table);
}

function epochIndex(report: AnalysisReport, epoch: number): number {
  return Math.max(0, report.epochs.findIndex((e) => e.epoch === epoch));
}

/** The selected epoch and the verdict's onset, as markers over an epoch axis (category indices). */
function epochMarkers(epochs: number[], selected: number, onset: { epoch: number; label: string } | null): ChartMarker[] {
  const theme = chartTheme();
  const out: ChartMarker[] = [];
  const o = onset ? epochs.indexOf(onset.epoch) : -1;
  if (onset && o >= 0) out.push({ x: o, label: onset.label, color: theme.negative, dash: [5, 4] });
  const s = epochs.indexOf(selected);
  if (s >= 0) out.push({ x: s, label: `epoch ${selected}`, color: theme.foreground });
  return out;
}

function onsetOf(report: AnalysisReport): { epoch: number; label: string } | null {
  const v = report.verdict;
  return v.status !== 'healthy' && v.onsetEpoch !== null ? { epoch: v.onsetEpoch, label: `${v.status} onto ${v.class ?? '?'} since ${v.onsetEpoch}` } : null;
}

function withMarkers(chart: Chart | undefined, lines: ChartMarker[]): void {
  if (!chart) return;
  const plugins = (chart.options.plugins ??= {});
  plugins.focalMarkers = { lines };
  chart.update('none');
}

/** G+ and G- per class over epochs, log scale: the centrepiece. */
export function gradientsOverEpochs(report: AnalysisReport, selected: number): EpochChart {
  const theme = chartTheme();
  const epochs = report.epochs.map((e) => e.epoch);
  let chart: Chart | undefined;
  // a binary head's mirrored 'negative' repeats the head's G- as its G+: the head alone says it all
  const mirrors = new Set(report.explanation?.perClass.filter((x) => x.mirror).map((x) => x.class));
  const datasets = report.classes.flatMap((name, i) => {
    if (mirrors.has(name)) return [];
    const color = theme.series[i % theme.series.length]!;
    return [
      { label: `${name} G+`, data: report.epochs.map((e) => positive(e.perClass[i]?.gradPos)), borderColor: color, backgroundColor: color, borderWidth: 2, pointRadius: 2 },
      { label: `${name} G−`, data: report.epochs.map((e) => positive(e.perClass[i]?.gradNeg)), borderColor: color, backgroundColor: color, borderWidth: theme.highContrast ? 2 : 1.5, borderDash: [6, 4], pointRadius: 0 },
    ];
  });
  const summary = (epoch: number) => {
    const e = report.epochs[epochIndex(report, epoch)];
    return `Effective positive and negative weights (G+ solid, G− dashed) per class over ${epochs.length} epochs, log scale. Epoch ${epoch}: ${e?.perClass.map((c) => `${c.class} G+ ${fmt(c.gradPos)}, G− ${fmt(c.gradNeg)}`).join('; ') ?? ''}.`;
  };
  const figure = chartFigure(
    'gradients',
    summary(selected),
    {
      type: 'line',
      data: { labels: epochs.map(String), datasets },
      options: {
        scales: { y: { type: 'logarithmic', ticks: LOG_TICKS, title: { display: true, text: 'summed |dFL/dz| (log)' } }, x: { title: { display: true, text: 'epoch' } } },
        plugins: { legend: { position: 'right' }, focalMarkers: { lines: epochMarkers(epochs, selected, onsetOf(report)) } },
      },
    },
    320,
    (c) => (chart = c as unknown as Chart),
  );
  const table = dataTable(
    'G+ / G− per class and epoch (the effective positive and negative weights)',
    ['epoch', ...report.classes],
    report.epochs.map((e) => [String(e.epoch), ...e.perClass.map((c) => `${fmt(c.gradPos)} / ${fmt(c.gradNeg)}`)]),
  );
  return {
    nodes: [figure, numbers(table, 'gradients')],
    select: (epoch) => {
      withMarkers(chart, epochMarkers(epochs, epoch, onsetOf(report)));
      setChartSummary('gradients', summary(epoch));
    },
  };
}

/** Per-class focal loss over epochs, stacked bars; the selected epoch marked. */
export function focalOverEpochs(report: AnalysisReport, selected: number): EpochChart {
  const theme = chartTheme();
  const epochs = report.epochs.map((e) => e.epoch);
  let chart: Chart | undefined;
  const summary = (epoch: number) => {
    const e = report.epochs[epochIndex(report, epoch)];
    const total = e ? e.perClass.reduce((s, c) => s + c.focalSum, 0) : 0;
    return `Focal loss per class over epochs, stacked. Epoch ${epoch}: ${e?.perClass.map((c) => `${c.class} ${fmt(c.focalSum)} (${pct(total > 0 ? c.focalSum / total : 0)})`).join('; ') ?? ''}.`;
  };
  const figure = chartFigure(
    'focal',
    summary(selected),
    {
      type: 'bar',
      data: {
        labels: epochs.map(String),
        datasets: report.classes.map((name, i) => ({
          label: name,
          data: report.epochs.map((e) => e.perClass[i]?.focalSum ?? 0),
          backgroundColor: theme.series[i % theme.series.length],
          borderColor: theme.foreground,
          borderWidth: theme.highContrast ? 1 : 0,
        })),
      },
      options: {
        scales: { x: { stacked: true, title: { display: true, text: 'epoch' } }, y: { stacked: true, beginAtZero: true, title: { display: true, text: 'summed focal loss' } } },
        plugins: { legend: { position: 'right' }, focalMarkers: { lines: epochMarkers(epochs, selected, null) } },
      },
    },
    260,
    (c) => (chart = c as unknown as Chart),
  );
  const table = dataTable('Focal loss per class and epoch', ['epoch', ...report.classes], report.epochs.map((e) => [String(e.epoch), ...e.perClass.map((c) => fmt(c.focalSum))]));
  return {
    nodes: [figure, numbers(table, 'focal')],
    select: (epoch) => {
      withMarkers(chart, epochMarkers(epochs, epoch, null));
      setChartSummary('focal', summary(epoch));
    },
  };
}

export interface ShareRow {
  epoch: number;
  perClass: Array<{ class: string; predShare?: number | undefined; trueShare?: number | undefined }>;
}

/** Predicted (solid) versus true (dashed) share per class over epochs, with the collapse or drift onset marked. */
export function sharesOverEpochs(report: AnalysisReport, rows: ShareRow[], selected: number, source: string): EpochChart {
  const theme = chartTheme();
  const epochs = rows.map((e) => e.epoch);
  const classes = rows[rows.length - 1]?.perClass.map((c) => c.class) ?? [];
  let chart: Chart | undefined;
  const share = (row: ShareRow, name: string, key: 'predShare' | 'trueShare') => row.perClass.find((c) => c.class === name)?.[key] ?? null;
  const datasets = classes.flatMap((name, i) => {
    const color = theme.series[i % theme.series.length]!;
    return [
      { label: `${name} predicted`, data: rows.map((r) => share(r, name, 'predShare')), borderColor: color, backgroundColor: color, borderWidth: 2, pointRadius: 2 },
      { label: `${name} true`, data: rows.map((r) => share(r, name, 'trueShare')), borderColor: color, backgroundColor: color, borderWidth: 1, borderDash: [5, 4], pointRadius: 0 },
    ];
  });
  const summary = (epoch: number) => {
    const r = rows.find((x) => x.epoch === epoch);
    const onset = onsetOf(report);
    return `Predicted versus true share per class over ${rows.length} epochs${source}.${onset ? ` ${onset.label}.` : ''} Epoch ${epoch}: ${r?.perClass.map((c) => `${c.class} predicted ${pct(c.predShare)} (true ${pct(c.trueShare)})`).join('; ') ?? ''}.`;
  };
  const figure = chartFigure(
    'shares',
    summary(selected),
    {
      type: 'line',
      data: { labels: epochs.map(String), datasets },
      options: {
        scales: { y: { min: 0, max: 1, title: { display: true, text: 'share of samples' } }, x: { title: { display: true, text: 'epoch' } } },
        plugins: { legend: { position: 'right' }, focalMarkers: { lines: epochMarkers(epochs, selected, onsetOf(report)) } },
      },
    },
    260,
    (c) => (chart = c as unknown as Chart),
  );
  const table = dataTable(
    'Predicted share per class and epoch (true share in brackets)',
    ['epoch', ...classes],
    rows.map((r) => [String(r.epoch), ...classes.map((n) => `${pct(share(r, n, 'predShare'))} (${pct(share(r, n, 'trueShare'))})`)]),
  );
  return {
    nodes: [figure, numbers(table, 'shares')],
    select: (epoch) => {
      withMarkers(chart, epochMarkers(epochs, epoch, onsetOf(report)));
      setChartSummary('shares', summary(epoch));
    },
  };
}

const FACTORS = [
  { key: 'balance', label: 'G+/G− balance' },
  { key: 'alpha', label: 'α factor' },
  { key: 'count', label: 'count factor' },
  { key: 'gamma', label: 'γ factor' },
] as const;

function factorOf(c: ClassEpochStats, key: (typeof FACTORS)[number]['key']): number {
  return key === 'balance' ? c.balance : c.factors[key];
}

/** The classes a balance is shown for: a binary head's mirrored 'negative' adds nothing. */
export function shownClasses(report: AnalysisReport, epoch: EpochReport): ClassEpochStats[] {
  const mirrors = new Set(report.explanation?.perClass.filter((x) => x.mirror).map((x) => x.class));
  return epoch.perClass.filter((c) => !mirrors.has(c.class));
}

/** The selected epoch's balance split into its α, count and γ factors, log-scale bars from 1. */
export function balanceFactors(report: AnalysisReport, selected: number): EpochChart {
  const theme = chartTheme();
  let chart: Chart | undefined;
  const epochOf = (epoch: number) => report.epochs[epochIndex(report, epoch)]!;
  const rows = (epoch: number) => shownClasses(report, epochOf(epoch));
  const data = (epoch: number) => FACTORS.map((f) => rows(epoch).map((c): [number, number] => [1, positive(factorOf(c, f.key)) ?? 1]));
  const summary = (epoch: number) =>
    `Balance G+/G− of each class at epoch ${epoch} and its factors, log scale from 1 (right of 1 favours the class's positives): ${rows(epoch)
      .map((c) => `${c.class} ${fmt(c.balance)} = α ×${fmt(c.factors.alpha)} · counts ×${fmt(c.factors.count)} · γ ×${fmt(c.factors.gamma)}`)
      .join('; ')}.`;
  const figure = chartFigure(
    'factors',
    summary(selected),
    {
      type: 'bar',
      data: {
        labels: rows(selected).map((c) => c.class),
        datasets: FACTORS.map((f, i) => ({
          label: f.label,
          data: data(selected)[i]!,
          backgroundColor: theme.series[i % theme.series.length],
          borderColor: theme.foreground,
          borderWidth: theme.highContrast ? 1 : 0,
        })),
      },
      options: {
        indexAxis: 'y',
        scales: { x: { type: 'logarithmic', ticks: LOG_TICKS, title: { display: true, text: 'factor (log; 1 = neutral)' } } },
        plugins: { legend: { position: 'bottom' }, tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ×${fmt((item.raw as [number, number])[1])}` } } },
      },
    },
    Math.max(160, 34 * FACTORS.length * rows(selected).length + 70),
    (c) => (chart = c as unknown as Chart),
  );
  const tableOf = (epoch: number) => {
    const t = dataTable(
      `Balance and its factors at epoch ${epoch} (balance = α factor × count factor × γ factor)`,
      ['class', ...FACTORS.map((f) => f.label)],
      rows(epoch).map((c) => [c.class, ...FACTORS.map((f) => fmt(factorOf(c, f.key)))]),
    );
    t.id = 'factors-table';
    return t;
  };
  const details = numbers(tableOf(selected), 'factors');
  return {
    nodes: [figure, details],
    select: (epoch) => {
      if (chart) {
        chart.data.labels = rows(epoch).map((c) => c.class);
        data(epoch).forEach((d, i) => (chart!.data.datasets[i]!.data = d));
        chart.update('none');
      }
      setChartSummary('factors', summary(epoch));
      details.querySelector('table')?.replaceWith(tableOf(epoch));
    },
  };
}

/** Log axes cannot show 0 (or a missing value): null leaves a gap. */
function positive(v: number | undefined): number | null {
  return v !== undefined && v > 0 && Number.isFinite(v) ? v : null;
}
