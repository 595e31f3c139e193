import type { AnalysisReport, ClassBalanceExplanation, EpochReport, WhatIfRow } from '../src/core/report';
import { samplesLabel, suggestionText, verdictTags } from '../src/core/format/text';
import { chartFigure } from './charts';
import { dataTable, fmt, h, pct } from './dom';
import { chartTheme } from './theme';
import { send } from './vscode-api';
import { runView } from './run-view';

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

function lastEpoch(report: AnalysisReport): EpochReport | undefined {
  return report.epochs[report.epochs.length - 1];
}

/** G+ and G- per class: the effective positive and negative weights the optimizer really applies. */
function effectiveWeights(epoch: EpochReport, compact: boolean): HTMLElement[] {
  const theme = chartTheme();
  const id = compact ? 'weights-compact' : 'weights';
  const classes = epoch.perClass.map((c) => c.class);
  const tipping = epoch.perClass.map((c) => `${c.class}: G+/G− ${fmt(c.balance, 3)}`).join('; ');
  const chart = chartFigure(
    id,
    `Effective weights at epoch ${epoch.epoch}: gradient mass of positives (G+) and negatives (G−) per class. ${tipping}.`,
    {
      type: 'bar',
      data: {
        labels: classes,
        datasets: [
          { label: 'G+ positives', data: epoch.perClass.map((c) => c.gradPos), backgroundColor: theme.positive, borderColor: theme.foreground, borderWidth: theme.highContrast ? 2 : 0 },
          { label: 'G− negatives', data: epoch.perClass.map((c) => c.gradNeg), backgroundColor: theme.negative, borderColor: theme.foreground, borderWidth: theme.highContrast ? 2 : 0 },
        ],
      },
      options: {
        indexAxis: compact ? 'y' : 'x',
        // Linear from zero: bar lengths must compare honestly; the table and the ratio carry the detail.
        scales: { [compact ? 'x' : 'y']: { type: 'linear', beginAtZero: true, title: { display: !compact, text: 'summed |dFL/dz|' } } },
        plugins: { legend: { position: 'bottom' } },
      },
    },
    compact ? Math.max(120, 36 * classes.length + 60) : 280,
  );
  const table = dataTable(
    `Effective weights at epoch ${epoch.epoch}`,
    compact ? ['class', 'G+', 'G−', 'G+/G−'] : ['class', 'mean weight +', 'mean weight −', 'G+', 'G−', 'G+/G−', 'α factor', 'count factor', 'γ factor'],
    epoch.perClass.map((c) =>
      compact
        ? [c.class, fmt(c.gradPos), fmt(c.gradNeg), fmt(c.balance)]
        : [c.class, fmt(c.meanWeightPos), fmt(c.meanWeightNeg), fmt(c.gradPos), fmt(c.gradNeg), fmt(c.balance), fmt(c.factors.alpha), fmt(c.factors.count), fmt(c.factors.gamma)],
    ),
  );
  table.id = `${id}-table`;
  return [chart, table];
}

/**
 * One line per class: the balance, its three factors, and the explanation of the report (why the
 * balance is what it is and which knob sets the decision threshold; docs/method.md).
 */
function balanceEquations(epoch: EpochReport, explained: ClassBalanceExplanation[]): HTMLElement {
  return h(
    'ul',
    { class: 'equations', 'aria-label': 'Balance of each class, its factors and what they mean' },
    ...epoch.perClass.map((c) => {
      const e = explained.find((x) => x.class === c.class);
      return h(
        'li',
        {},
        h('strong', {}, c.class),
        `: G+/G− = ${fmt(c.balance)} = α ×${fmt(c.factors.alpha)} · counts ×${fmt(c.factors.count)} · γ ×${fmt(c.factors.gamma)}`,
        e && !e.mirror ? h('p', { class: 'muted' }, e.detail) : null,
      );
    }),
  );
}

function perClassTable(epoch: EpochReport, explained: ClassBalanceExplanation[]): HTMLElement {
  return dataTable(
    `Per class at epoch ${epoch.epoch}`,
    ['class', 'count', 'true share', 'predicted share', 'recall', 'precision', 'F1', 'focal sum', 'balance'],
    epoch.perClass.map((c) => [
      c.class,
      c.count.toLocaleString(),
      pct(c.trueShare),
      pct(c.predShare),
      fmt(c.recall),
      fmt(c.precision),
      fmt(c.f1),
      fmt(c.focalSum),
      explained.find((x) => x.class === c.class)?.summary ?? '–',
    ]),
  );
}

/** Predicted share per class over the epochs, against its true share: drift and collapse at a glance. */
function sharesOverEpochs(report: AnalysisReport): HTMLElement[] {
  const theme = chartTheme();
  const classes = report.classes;
  const epochs = report.epochs.map((e) => String(e.epoch));
  const datasets = classes.flatMap((name, i) => {
    const color = theme.series[i % theme.series.length];
    return [
      { label: `${name} predicted`, data: report.epochs.map((e) => e.perClass[i]?.predShare ?? null), borderColor: color, backgroundColor: color, borderWidth: 2, pointRadius: 3 },
      { label: `${name} true`, data: report.epochs.map((e) => e.perClass[i]?.trueShare ?? null), borderColor: color, backgroundColor: color, borderWidth: 1, borderDash: [5, 4], pointRadius: 0 },
    ];
  });
  const last = lastEpoch(report);
  const summary = last
    ? `Predicted versus true share per class over ${report.epochs.length} epochs. Last epoch: ${last.perClass.map((c) => `${c.class} predicted ${pct(c.predShare)} (true ${pct(c.trueShare)})`).join('; ')}.`
    : 'No epochs.';
  const chart = chartFigure('shares', summary, {
    type: 'line',
    data: { labels: epochs, datasets },
    options: { scales: { y: { min: 0, max: 1, title: { display: true, text: 'share of samples' } }, x: { title: { display: true, text: 'epoch' } } }, plugins: { legend: { position: 'right' } } },
  });
  const table = dataTable(
    'Predicted share per class and epoch (true share in brackets)',
    ['epoch', ...classes],
    report.epochs.map((e) => [String(e.epoch), ...e.perClass.map((c) => `${pct(c.predShare)} (${pct(c.trueShare)})`)]),
  );
  table.id = 'shares-table';
  return [chart, table];
}

function whatIfSection(report: AnalysisReport): HTMLElement | null {
  if (!report.whatIf.length) return null;
  const theme = chartTheme();
  const scalar = report.whatIf.every((row) => typeof row.alpha === 'number');
  const label = (row: WhatIfRow) => formatAlpha(row.alpha);
  const chart = scalar
    ? chartFigure(
        'whatif',
        `Counterfactual metrics for other alphas, from this run's probabilities without retraining: ${report.whatIf.map((r) => `α ${label(r)} macro-F1 ${fmt(r.macroF1)}`).join('; ')}.`,
        {
          type: 'line',
          data: {
            labels: report.whatIf.map(label),
            datasets: [
              { label: 'macro-F1', data: report.whatIf.map((r) => r.macroF1), borderColor: theme.series[0], backgroundColor: theme.series[0], pointRadius: 2 },
              { label: 'balanced accuracy', data: report.whatIf.map((r) => r.balancedAccuracy), borderColor: theme.series[1], backgroundColor: theme.series[1], pointRadius: 2 },
              { label: 'accuracy', data: report.whatIf.map((r) => r.accuracy), borderColor: theme.series[2], backgroundColor: theme.series[2], pointRadius: 2 },
            ],
          },
          options: { scales: { y: { min: 0, max: 1 }, x: { title: { display: true, text: `α (${report.loss.convention} convention)` } } }, plugins: { legend: { position: 'bottom' } } },
        },
        240,
      )
    : null;
  const table = dataTable(
    'What-if: counterfactual metrics under other alphas (in brackets: the label-calibrated estimate)',
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
    { 'aria-label': 'What-if' },
    h('h2', {}, 'What other alphas would have done'),
    h('p', { class: 'muted' }, 'From this run’s probabilities and labels, without retraining (docs/method.md, “Counterfactual”).'),
    s
      ? h(
          'p',
          { class: 'suggestion' },
          h('strong', {}, `Suggested α ${formatAlpha(s.alpha)}`),
          ` for ${s.objective}: ${fmt(s.current)} now → ${fmt(s.expected)} expected.`,
        )
      : h('p', { class: 'suggestion' }, suggestionText(report)),
    chart,
    table,
  );
}

function actions(compact: boolean): HTMLElement {
  const button = (label: string, onClick: () => void, secondary = false) => {
    const b = h('button', { type: 'button', class: secondary ? 'secondary' : '' }, label);
    b.addEventListener('click', onClick);
    return b;
  };
  return compact
    ? h('div', { class: 'actions' }, button('Open report', () => send({ type: 'openPanel' })), button('Analyze another log…', () => send({ type: 'chooseLog' }), true))
    : h(
        'div',
        { class: 'actions' },
        button('Analyze another log…', () => send({ type: 'chooseLog' })),
        button('Export JSON', () => send({ type: 'exportReport', format: 'json' }), true),
        button('Export Markdown', () => send({ type: 'exportReport', format: 'markdown' }), true),
      );
}

/** The whole report (panel) or its compact summary (side view). */
export function reportView(report: AnalysisReport, compact: boolean): HTMLElement {
  const epoch = lastEpoch(report);
  const issues = report.input.skipped
    ? h('p', { class: 'warning-text' }, `${report.input.skipped} record(s) skipped as unreadable (lenient mode). First: ${report.input.issues?.[0]?.message ?? ''}`)
    : null;
  if (compact) {
    return h(
      'div',
      { class: 'report compact' },
      verdictBanner(report, true),
      epoch ? h('section', { 'aria-label': 'Effective weights' }, h('h2', {}, `Effective weights, epoch ${epoch.epoch}`), ...effectiveWeights(epoch, true)) : null,
      actions(true),
    );
  }
  return h(
    'div',
    { class: 'report' },
    verdictBanner(report, false),
    issues,
    actions(false),
    runView(report),
    epoch
      ? h(
          'section',
          { 'aria-label': 'Effective weights' },
          h('h2', {}, `Effective positive and negative weights, epoch ${epoch.epoch}`),
          h('p', { class: 'muted' }, 'G+ and G− sum |dFL/dz| over a class’s positives and negatives: how hard the loss pushes each way. Their ratio splits into an α factor, a count factor and a γ factor.'),
          balanceEquations(epoch, report.explanation?.perClass ?? []),
          ...effectiveWeights(epoch, false),
          perClassTable(epoch, report.explanation?.perClass ?? []),
        )
      : null,
    report.epochs.length > 1 ? h('section', { 'aria-label': 'Shares over epochs' }, h('h2', {}, 'Predicted share over epochs'), ...sharesOverEpochs(report)) : null,
    whatIfSection(report),
  );
}
