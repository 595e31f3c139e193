/**
 * The report panel as an instrument: an epoch scrubber, the charts over epochs (G+ / G- per class
 * on a log scale first), the selected epoch's balance factors with core's explanation, its
 * per-class table (the text alternative of it all), the p_t histograms and the live what-if.
 * Built once per report; the scrubber and the sliders update parts in place.
 */
import { CLASS_HEADER, classRow } from '../src/core/format/text';
import type { AnalysisReport, EpochReport } from '../src/core/report';
import type { SamplesAnswer, WebviewBackendPreference } from '../src/protocol/messages';
import { dataTable, fmt, h, pct } from './dom';
import { balanceFactors, focalOverEpochs, gradientsOverEpochs, sharesOverEpochs, shownClasses, type EpochChart, type ShareRow } from './epoch-charts';
import { reportRows, verdictBanner } from './report-view';
import { runView } from './run-view';
import { SamplesView } from './samples-view';
import { send, type PersistedState } from './vscode-api';

/** Wait this long after the scrubber stops before asking for an epoch's per-sample data. */
const SAMPLES_DELAY_MS = 300;

export interface PanelDeps {
  backend: WebviewBackendPreference;
  save(patch: Partial<PersistedState>): void;
}

/** A key that tells one report from another (the saved scrubber and sliders belong to one). */
export function reportKey(report: AnalysisReport, source: string): string {
  return JSON.stringify([source, report.input.files, report.input.samples, report.input.epochs, report.verdict.status, report.epochs[report.epochs.length - 1]?.focalSum ?? null]);
}

/**
 * The last epoch's per-sample data received, kept across re-renders of the same report (a theme
 * change rebuilds the view): the host would otherwise read and send the same megabytes again.
 */
let keptSamples: { reportKey: string; answer: Extract<SamplesAnswer, { state: 'ready' }> } | null = null;

function button(label: string, onClick: () => void, secondary = false): HTMLButtonElement {
  const b = h('button', { type: 'button', class: secondary ? 'secondary' : '' }, label);
  b.addEventListener('click', onClick);
  return b;
}

export class ReportPanelView {
  readonly node: HTMLElement;
  private readonly epochs: number[];
  private readonly charts: EpochChart[] = [];
  private readonly samples: SamplesView | null;
  private epoch: number;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly scrubber: HTMLInputElement | null = null;
  private readonly epochLabel = h('span', { id: 'epoch-label', class: 'epoch-label' });
  private readonly tableBox = h('div', { class: 'class-table' });
  private readonly explanationBox = h('div', { class: 'explanation' });
  private readonly reportKey: string | null;

  constructor(
    private readonly report: AnalysisReport,
    state: PersistedState,
    private readonly deps: PanelDeps,
  ) {
    this.reportKey = state.reportKey;
    const observed = report.basis === 'metrics';
    this.epochs = observed ? (report.observed?.epochs.map((e) => e.epoch) ?? []) : report.epochs.map((e) => e.epoch);
    const saved = state.selectedEpoch;
    this.epoch = saved !== null && this.epochs.includes(saved) ? saved : (this.epochs[this.epochs.length - 1] ?? 0);
    const parts: Array<HTMLElement | null> = [verdictBanner(report, false), this.issues(), this.actions(), runView(report)];
    if (this.epochs.length) {
      const scrub = this.buildScrubber();
      this.scrubber = scrub.input;
      parts.push(scrub.node);
    }
    if (!observed && report.epochs.length) {
      const g = gradientsOverEpochs(report, this.epoch);
      const f = balanceFactors(report, this.epoch);
      const l = focalOverEpochs(report, this.epoch);
      const s = sharesOverEpochs(report, report.epochs, this.epoch, '');
      this.charts.push(g, f, l, s);
      this.samples = new SamplesView(report, state, this.epoch, deps);
      parts.push(
        h(
          'section',
          { 'aria-labelledby': 'gradients-title', class: 'centrepiece' },
          h('h2', { id: 'gradients-title' }, 'Effective positive and negative weights over epochs'),
          h('p', { class: 'muted' }, 'G+ and G− sum |dFL/dz| over a class’s positives and negatives: how hard the loss pushes each way. Their ratio, the balance, splits into an α factor, a count factor and a γ factor.'),
          ...g.nodes,
        ),
        h(
          'div',
          { class: 'grid two' },
          h('section', { 'aria-labelledby': 'factors-title' }, h('h2', { id: 'factors-title' }, 'Balance of the selected epoch and its factors'), ...f.nodes, this.explanationBox),
          h('section', { 'aria-labelledby': 'focal-title' }, h('h2', { id: 'focal-title' }, 'Focal loss per class over epochs'), ...l.nodes),
        ),
        h('section', { 'aria-labelledby': 'shares-title' }, h('h2', { id: 'shares-title' }, 'Predicted versus true share over epochs'), ...s.nodes),
        h('section', { 'aria-labelledby': 'class-table-title' }, h('h2', { id: 'class-table-title' }, 'Per class, selected epoch'), this.tableBox),
        this.samples.histogramSection,
        this.samples.whatIfSection,
      );
    } else {
      this.samples = null;
      const rows: ShareRow[] = report.observed?.epochs ?? [];
      if (rows.some((r) => r.perClass.some((c) => c.predShare !== undefined))) {
        const s = sharesOverEpochs(report, rows, this.epoch, ` (derived from ${report.observed?.file ?? 'the metric log'})`);
        this.charts.push(s);
        parts.push(h('section', { 'aria-labelledby': 'shares-title' }, h('h2', { id: 'shares-title' }, 'Predicted versus true share over evaluations'), ...s.nodes));
      }
      parts.push(
        h('section', { 'aria-labelledby': 'class-table-title' }, h('h2', { id: 'class-table-title' }, 'Per class, selected evaluation (logged)'), this.tableBox),
        h(
          'section',
          { class: 'callout', 'aria-label': 'Not available for this report' },
          h('p', {}, h('strong', {}, 'Not available from logged metrics: '), 'the effective weights G+ / G− over epochs, the balance factors, the focal loss per class, the p_t histograms and the live what-if. They need per-sample predictions: a prediction dump (see “Get a dump from your training” above).'),
        ),
      );
    }
    parts.push(reportRows(report));
    this.node = h('div', { class: 'report' }, ...parts.filter((p): p is HTMLElement => p !== null));
    this.showEpoch();
  }

  /** Called once the node is in the page and its charts drawn: asks for the first epoch's samples. */
  start(): void {
    if (!this.samples) return;
    const kept = keptSamples;
    if (kept && kept.reportKey === this.reportKey && kept.answer.epoch === this.epoch) void this.samples.setSamples(kept.answer, true);
    else send({ type: 'requestSamples', epoch: this.epoch });
  }

  select(epoch: number): void {
    if (!this.epochs.includes(epoch) || epoch === this.epoch) return;
    this.epoch = epoch;
    this.deps.save({ selectedEpoch: epoch });
    if (this.scrubber) {
      this.scrubber.value = String(this.epochs.indexOf(epoch));
      this.scrubber.setAttribute('aria-valuetext', this.epochText());
    }
    for (const c of this.charts) c.select(epoch);
    this.showEpoch();
    if (this.samples) {
      this.samples.setEpoch(epoch);
      clearTimeout(this.timer);
      this.timer = setTimeout(() => send({ type: 'requestSamples', epoch }), SAMPLES_DELAY_MS);
    }
  }

  onSamples(answer: SamplesAnswer): void {
    if (answer.state === 'ready' && this.reportKey !== null) keptSamples = { reportKey: this.reportKey, answer };
    void this.samples?.setSamples(answer);
  }

  private epochText(): string {
    const status = this.report.verdict.perEpoch?.find((e) => e.epoch === this.epoch);
    const i = this.epochs.indexOf(this.epoch);
    return `epoch ${this.epoch} (${i + 1} of ${this.epochs.length})${status ? `: ${status.status}${status.class && status.status !== 'healthy' ? ` onto ${status.class}` : ''}` : ''}`;
  }

  private buildScrubber(): { node: HTMLElement; input: HTMLInputElement } {
    const input = h('input', {
      id: 'epoch',
      type: 'range',
      min: 0,
      max: this.epochs.length - 1,
      step: 1,
      value: this.epochs.indexOf(this.epoch),
      'aria-valuetext': this.epochText(),
      'aria-describedby': 'epoch-label',
    });
    input.addEventListener('input', () => this.select(this.epochs[Number(input.value)] ?? this.epoch));
    const step = (d: number) => () => this.select(this.epochs[Math.min(this.epochs.length - 1, Math.max(0, this.epochs.indexOf(this.epoch) + d))] ?? this.epoch);
    const node = h(
      'section',
      { class: 'scrubber', 'aria-label': 'Epoch' },
      h('label', { for: 'epoch' }, 'Epoch'),
      button('◀', step(-1), true),
      input,
      button('▶', step(1), true),
      this.epochLabel,
    );
    node.querySelectorAll('button')[0]!.setAttribute('aria-label', 'Previous epoch');
    node.querySelectorAll('button')[1]!.setAttribute('aria-label', 'Next epoch');
    return { node, input };
  }

  private showEpoch(): void {
    this.epochLabel.textContent = this.epochText();
    const e = this.report.epochs.find((x) => x.epoch === this.epoch);
    if (e) {
      this.tableBox.replaceChildren(this.classTable(e));
      this.explanationBox.replaceChildren(this.explanation(e));
    } else this.tableBox.replaceChildren(this.observedTable());
  }

  private classTable(e: EpochReport): HTMLElement {
    const explained = this.report.explanation?.epoch === e.epoch ? this.report.explanation.perClass : [];
    // the columns of the CLI's, the Markdown's and the HTML export's table, and the explanation's one line
    const table = dataTable(
      `Per class at epoch ${e.epoch} (${e.samples.toLocaleString()} samples)`,
      [...CLASS_HEADER, ...(explained.length ? ['balance'] : [])],
      e.perClass.map((c) => [...classRow(c), ...(explained.length ? [explained.find((x) => x.class === c.class)?.summary ?? '–'] : [])]),
    );
    table.id = 'class-table';
    return table;
  }

  private observedTable(): HTMLElement {
    const e = this.report.observed?.epochs.find((x) => x.epoch === this.epoch);
    const table = dataTable(
      `Logged metrics per class at ${this.report.observed?.epochKey ?? 'epoch'} ${this.epoch}`,
      ['class', 'recall', 'precision', 'F1', 'AP', 'support', 'predicted share', 'true share'],
      (e?.perClass ?? []).map((c) => [c.class + (c.implicit ? ' (not named by the log)' : ''), fmt(c.recall), fmt(c.precision), fmt(c.f1), fmt(c.ap), c.support?.toLocaleString() ?? '–', pct(c.predShare), pct(c.trueShare)]),
    );
    table.id = 'class-table';
    return table;
  }

  /** The balance of each class as its three factors, with core's explanation in words (of the epoch it explains). */
  private explanation(e: EpochReport): HTMLElement {
    const explained = this.report.explanation;
    const items = shownClasses(this.report, e).map((c) => {
      const x = explained?.epoch === e.epoch ? explained.perClass.find((p) => p.class === c.class) : undefined;
      return h(
        'li',
        {},
        h('strong', {}, c.class),
        `: G+/G− = ${fmt(c.balance)} = α ×${fmt(c.factors.alpha)} · counts ×${fmt(c.factors.count)} · γ ×${fmt(c.factors.gamma)}`,
        x ? h('p', { class: 'muted' }, x.detail) : null,
      );
    });
    const note = explained && explained.epoch !== e.epoch ? h('p', { class: 'muted' }, `The explanation in words is of epoch ${explained.epoch}, the last: scrub there to read it.`) : null;
    return h('div', {}, h('ul', { class: 'equations', 'aria-label': 'Balance of each class, its factors and what they mean' }, ...items), note);
  }

  private issues(): HTMLElement | null {
    const r = this.report;
    return r.input.skipped ? h('p', { class: 'warning-text' }, `${r.input.skipped} record(s) skipped as unreadable (lenient mode). First: ${r.input.issues?.[0]?.message ?? ''}`) : null;
  }

  private actions(): HTMLElement {
    return h(
      'div',
      { class: 'actions' },
      button('Analyze another log…', () => send({ type: 'chooseLog' })),
      button('Export JSON', () => send({ type: 'exportReport', format: 'json' }), true),
      button('Export Markdown', () => send({ type: 'exportReport', format: 'markdown' }), true),
      button('Export HTML…', () => send({ type: 'exportReport', format: 'html', epoch: this.epoch }), true),
    );
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.samples?.dispose();
  }
}
