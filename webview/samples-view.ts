/**
 * What needs the selected epoch's per-sample data (sent by the host on request, capped by
 * focalLens.maxSamplesToWebview): the p_t histograms of a class's positives and negatives with the
 * modulating factor over them, and the live what-if: alpha (and gamma) sliders whose every step
 * recomputes predicted shares, recall, precision, F1 and balanced accuracy on the webview's tfjs
 * backend (what-if-kernel.ts), and the objective as a curve over alpha.
 */
import type { Chart } from 'chart.js';
import { WhatIfKernel, loggedAlpha, whatIfSpec } from '../src/core/compute/what-if-kernel';
import { candidateAlphas, objectiveValue } from '../src/core/analysis/suggestion';
import type { AnalysisReport, Objective, WhatIfRow } from '../src/core/report';
import { decodeEpochSamples, type EpochSamples } from '../src/core/samples/format';
import type { SamplesAnswer, WebviewBackendPreference } from '../src/protocol/messages';
import { LOG_TICKS, chartFigure, setChartSummary, type ChartMarker } from './charts';
import { backendLabel, computeBackend } from './compute';
import { dataTable, fmt, h, pct } from './dom';
import { numbers } from './epoch-charts';
import { chartTheme } from './theme';
import { send, type PersistedState } from './vscode-api';

const BINS = 20;
const OBJECTIVES: Array<{ id: Objective; label: string }> = [
  { id: 'macro-f1', label: 'macro-F1' },
  { id: 'balanced-accuracy', label: 'balanced accuracy' },
  { id: 'accuracy', label: 'accuracy' },
];

function alphaText(alpha: number | number[]): string {
  return Array.isArray(alpha) ? `[${alpha.map((a) => fmt(a, 3)).join(', ')}]` : fmt(alpha, 3);
}

/** p_t of one class's positives and negatives in BINS bins: positives p_c, negatives 1 - p_c (what the class's logit sees). */
function ptHistograms(s: EpochSamples, kind: AnalysisReport['loss']['kind'], classIndex: number): { pos: number[]; neg: number[] } {
  const pos = new Array<number>(BINS).fill(0);
  const neg = new Array<number>(BINS).fill(0);
  const C = s.numClasses;
  const binary = C === 1;
  const col = binary ? 0 : classIndex;
  // a binary head's 'negative' class is the head seen from the other side
  const flip = binary && classIndex === 0;
  const logits = s.scoreKind === 'logits';
  const bin = (pt: number) => Math.min(BINS - 1, Math.max(0, Math.floor(pt * BINS)));
  for (let i = 0; i < s.samples; i++) {
    let p: number;
    let y: boolean;
    if (kind === 'softmax') {
      const row = s.scores.subarray(i * C, i * C + C);
      if (logits) {
        let max = -Infinity;
        for (const z of row) if (z > max) max = z;
        let sum = 0;
        for (const z of row) sum += Math.exp(z - max);
        p = Math.exp(row[col]! - max) / sum;
      } else p = row[col]!;
      if (s.targetLayout === 'multi-hot') {
        let t = 0;
        for (let c = 0; c < C; c++) if (s.targets[i * C + c]! > 0) t = c;
        y = t === col;
      } else y = s.targets[i] === col;
    } else {
      const z = s.scores[i * C + col]!;
      p = logits ? 1 / (1 + Math.exp(-z)) : z;
      y = s.targetLayout === 'multi-hot' ? s.targets[i * C + col]! > 0 : binary ? s.targets[i]! > 0 : s.targets[i] === col;
    }
    if (flip) {
      p = 1 - p;
      y = !y;
    }
    if (y) pos[bin(p)]!++;
    else neg[bin(1 - p)]!++;
  }
  return { pos, neg };
}

export interface SamplesViewDeps {
  backend: WebviewBackendPreference;
  save(patch: Partial<PersistedState>): void;
}

export class SamplesView {
  readonly histogramSection: HTMLElement;
  readonly whatIfSection: HTMLElement;
  private readonly report: AnalysisReport;
  private readonly logged: number | number[];
  private alpha: number | number[];
  private gamma: number;
  private objective: Objective;
  private histogramClass: string;
  private epoch: number;
  private samples: EpochSamples | null = null;
  private kernel: WhatIfKernel | null = null;
  private loggedRow: WhatIfRow | null = null;
  private busy = false;
  private dirty = false;
  private inputAt = 0;
  /** When the panel asked for this epoch's data (the e2e speed figures read the delays). */
  private requestedAt = performance.now();
  private curveToken = 0;
  private curveTimer: ReturnType<typeof setTimeout> | undefined;
  private histogram: Chart | undefined;
  private curve: Chart | undefined;
  private readonly status = h('p', { class: 'muted', role: 'status' }, '');
  private readonly backendNote = h('p', { class: 'muted backend' }, 'Backend: not started yet.');
  private readonly timing = h('span', { class: 'muted timing' }, '');
  private readonly results = h('div', { class: 'whatif-results', 'aria-live': 'polite' });
  private readonly controls: HTMLElement;
  private readonly histogramTableBox = h('div', {});
  private readonly curveTableBox = h('div', {});

  constructor(report: AnalysisReport, state: PersistedState, epoch: number, private readonly deps: SamplesViewDeps) {
    this.report = report;
    this.epoch = epoch;
    this.logged = loggedAlpha(report);
    const saved = state.whatIfAlpha;
    this.alpha = saved !== null && Array.isArray(saved) === Array.isArray(this.logged) ? saved : this.logged;
    this.gamma = state.whatIfGamma ?? report.loss.gamma ?? 2;
    this.objective = state.objective ?? report.suggestion?.objective ?? 'macro-f1';
    const focus = report.verdict.class ?? [...(report.epochs[report.epochs.length - 1]?.perClass ?? [])].sort((a, b) => a.trueShare - b.trueShare)[0]?.class;
    this.histogramClass = state.histogramClass && report.classes.includes(state.histogramClass) ? state.histogramClass : (report.loss.kind === 'sigmoid' && report.classes.length === 2 ? report.classes[1]! : (focus ?? report.classes[0]!));
    this.controls = this.buildControls();
    this.histogramSection = this.buildHistogram();
    this.whatIfSection = this.buildWhatIf();
    this.setEnabled(false);
  }

  /** The scrubber moved: the previous epoch's data goes; the panel asks the host for the new one. */
  setEpoch(epoch: number): void {
    if (epoch === this.epoch && this.samples) return;
    this.epoch = epoch;
    this.requestedAt = performance.now();
    this.dropData();
    this.status.textContent = `Loading the per-sample data of epoch ${epoch}…`;
  }

  /** `kept`: data this webview received before (a re-render of the same report): it has no transfer to time. */
  async setSamples(answer: SamplesAnswer, kept = false): Promise<void> {
    if (answer.epoch !== this.epoch) return;
    if (answer.state !== 'ready') {
      this.dropData();
      this.status.textContent = answer.message;
      return;
    }
    if (kept) this.whatIfSection.dataset.samplesKept = 'true';
    else {
      this.whatIfSection.dataset.samplesHostMs = String(answer.hostMs);
      this.whatIfSection.dataset.samplesTransferMs = String(Date.now() - answer.postedAt);
      this.whatIfSection.dataset.samplesReceivedMs = String(Math.round(performance.now() - this.requestedAt));
    }
    const samples = decodeEpochSamples(answer.data instanceof Uint8Array ? answer.data : new Uint8Array(answer.data));
    this.samples = samples;
    this.status.textContent = samples.sampled
      ? `Epoch ${samples.epoch}: a uniform sample of ${samples.samples.toLocaleString()} of its ${samples.total.toLocaleString()} samples (focalLens.maxSamplesToWebview is ${answer.maxSamples.toLocaleString()}); the histograms and the live what-if are of that sample.`
      : `Epoch ${samples.epoch}: all ${samples.samples.toLocaleString()} samples.`;
    this.drawHistogram();
    try {
      const choice = await computeBackend(this.deps.backend);
      this.backendNote.textContent = `Backend: ${backendLabel(choice)}.`;
      this.backendNote.dataset.backend = choice.backend;
      if (this.samples !== samples) return;
      this.kernel?.dispose();
      const setUp = performance.now();
      this.kernel = new WhatIfKernel(samples, whatIfSpec(this.report, samples.numClasses));
      this.whatIfSection.dataset.kernelSetupMs = String(Math.round(performance.now() - setUp));
      this.loggedRow = await this.kernel.evaluate(this.logged, this.report.loss.gamma ?? 0);
      this.setEnabled(true);
      this.inputAt = performance.now();
      await this.update();
      this.whatIfSection.dataset.samplesReadyMs = String(Math.round(performance.now() - this.requestedAt));
      void this.drawCurve();
    } catch (err) {
      this.status.textContent = `The live what-if could not run: ${(err as Error).message}`;
    }
  }

  private dropData(): void {
    this.samples = null;
    this.kernel?.dispose();
    this.kernel = null;
    this.loggedRow = null;
    this.curveToken++;
    this.setEnabled(false);
    this.results.replaceChildren(h('p', { class: 'muted' }, 'The live what-if needs the per-sample data of this epoch.'));
    if (this.histogram) {
      for (const d of this.histogram.data.datasets) d.data = [];
      this.histogram.update('none');
    }
    if (this.curve) {
      this.curve.data.datasets[0]!.data = [];
      this.curve.update('none');
    }
  }

  private setEnabled(on: boolean): void {
    for (const input of this.controls.querySelectorAll<HTMLInputElement | HTMLButtonElement | HTMLSelectElement>('input, button, select')) {
      if (!input.dataset.always) input.disabled = !on;
    }
  }

  // ---- p_t histograms

  private buildHistogram(): HTMLElement {
    const theme = chartTheme();
    const select = h('select', { id: 'histogram-class', 'aria-label': 'Class of the p_t histograms' }, ...this.report.classes.map((c) => h('option', { value: c, selected: c === this.histogramClass }, c)));
    select.addEventListener('change', () => {
      this.histogramClass = select.value;
      this.deps.save({ histogramClass: select.value });
      this.drawHistogram();
    });
    const labels = Array.from({ length: BINS }, (_, i) => `${(i / BINS).toFixed(2)}–${((i + 1) / BINS).toFixed(2)}`);
    const figure = chartFigure(
      'histogram',
      'p_t histograms: waiting for the per-sample data of the selected epoch.',
      {
        type: 'bar',
        data: {
          labels,
          datasets: [
            { type: 'bar', label: 'positives (p_t = p_c)', data: [], backgroundColor: theme.positive, yAxisID: 'y' },
            { type: 'bar', label: 'negatives (p_t = 1 − p_c)', data: [], backgroundColor: theme.negative, yAxisID: 'y' },
            { type: 'line', label: '(1 − p_t)^γ', data: [], borderColor: theme.foreground, backgroundColor: theme.foreground, borderWidth: 2, pointRadius: 0, yAxisID: 'factor' },
            { type: 'line', label: '(1 − p_t)^γ of the run', data: [], borderColor: theme.muted, backgroundColor: theme.muted, borderWidth: 1, borderDash: [4, 3], pointRadius: 0, yAxisID: 'factor' },
          ],
        },
        options: {
          scales: {
            x: { title: { display: true, text: 'p_t (probability of the true outcome, for this class’s logit)' } },
            y: { type: 'logarithmic', min: 0.8, ticks: LOG_TICKS, title: { display: true, text: 'samples (log)' } },
            factor: { position: 'right', min: 0, max: 1, grid: { drawOnChartArea: false }, title: { display: true, text: 'modulating factor' } },
          },
          plugins: { legend: { position: 'bottom' } },
        },
      } as never,
      280,
      (c: Chart) => (this.histogram = c),
    );
    return h(
      'section',
      { 'aria-labelledby': 'histogram-title', class: 'histograms' },
      h('h2', { id: 'histogram-title' }, 'p_t of positives and negatives, selected epoch'),
      h('p', { class: 'muted' }, 'Easy samples (p_t near 1) get the modulating factor (1 − p_t)^γ near 0: γ moves the loss to the hard ones. ', h('label', { for: 'histogram-class' }, 'Class '), select),
      figure,
      this.histogramTableBox,
    );
  }

  private drawHistogram(): void {
    const s = this.samples;
    const chart = this.histogram;
    if (!s || !chart) return;
    const index = this.report.classes.indexOf(this.histogramClass);
    const { pos, neg } = ptHistograms(s, this.report.loss.kind, Math.max(0, index));
    const centres = Array.from({ length: BINS }, (_, i) => (i + 0.5) / BINS);
    const factor = (g: number) => centres.map((pt) => (g === 0 ? 1 : Math.pow(1 - pt, g)));
    chart.data.datasets[0]!.data = pos.map((n) => (n > 0 ? n : null));
    chart.data.datasets[1]!.data = neg.map((n) => (n > 0 ? n : null));
    chart.data.datasets[2]!.data = factor(this.gamma);
    chart.data.datasets[3]!.data = this.gamma === (this.report.loss.gamma ?? this.gamma) ? [] : factor(this.report.loss.gamma ?? 0);
    chart.update('none');
    const np = pos.reduce((a, b) => a + b, 0);
    const nn = neg.reduce((a, b) => a + b, 0);
    const easy = (counts: number[]) => counts.slice(BINS - 2).reduce((a, b) => a + b, 0);
    setChartSummary(
      'histogram',
      `p_t histograms of '${this.histogramClass}' at epoch ${s.epoch}: ${np.toLocaleString()} positives (${pct(np ? easy(pos) / np : 0)} with p_t above 0.9), ${nn.toLocaleString()} negatives (${pct(nn ? easy(neg) / nn : 0)} above 0.9). The modulating factor at γ ${fmt(this.gamma)} is ${fmt(Math.pow(0.05, this.gamma))} at p_t 0.95.`,
    );
    const table = dataTable(
      `p_t histograms of '${this.histogramClass}', epoch ${s.epoch}`,
      ['p_t bin', 'positives', 'negatives', `(1 − p_t)^${fmt(this.gamma)}`],
      centres.map((c, i) => [String(chart.data.labels?.[i] ?? c), pos[i]!.toLocaleString(), neg[i]!.toLocaleString(), fmt(factor(this.gamma)[i]!)]),
    );
    this.histogramTableBox.replaceChildren(numbers(table, 'histogram'));
  }

  // ---- live what-if

  private buildControls(): HTMLElement {
    const box = h('div', { class: 'controls whatif-controls', role: 'group', 'aria-label': 'What-if settings' });
    const vector = Array.isArray(this.logged);
    const slider = (id: string, label: string, value: number, min: number, max: number, step: number, onInput: (v: number) => void) => {
      const input = h('input', { id, type: 'range', min, max, step, value, 'aria-valuetext': fmt(value, 3) });
      const out = h('output', { for: id, id: `${id}-value` }, fmt(value, 3));
      input.addEventListener('input', () => {
        const v = Number(input.value);
        out.textContent = fmt(v, 3);
        input.setAttribute('aria-valuetext', fmt(v, 3));
        this.inputAt = performance.now();
        onInput(v);
      });
      return h('span', { class: 'slider' }, h('label', { for: id }, label), input, out);
    };
    if (vector) {
      const classes = this.report.loss.kind === 'sigmoid' && this.report.classes.length === 2 ? this.report.classes.slice(1) : this.report.classes;
      (this.alpha as number[]).forEach((a, i) =>
        box.append(
          slider(`alpha-${i}`, `α ${classes[i] ?? i}`, a, 0.01, 1, 0.01, (v) => {
            const next = [...(this.alpha as number[])];
            next[i] = v;
            this.setAlpha(next);
          }),
        ),
      );
    } else {
      box.append(slider('alpha', `α (${this.report.loss.convention} convention)`, this.alpha as number, 0.01, 0.99, 0.01, (v) => this.setAlpha(v)));
    }
    box.append(
      slider('gamma', 'γ', this.gamma, 0, 5, 0.1, (v) => {
        this.gamma = v;
        this.deps.save({ whatIfGamma: v });
        this.drawHistogram();
        this.schedule();
        // gamma moves q* (at a threshold other than 0.5): the curve is redrawn once the slider rests
        clearTimeout(this.curveTimer);
        this.curveTimer = setTimeout(() => void this.drawCurve(), 400);
      }),
    );
    const button = (label: string, onClick: () => void, secondary = true, always = false) => {
      const b = h('button', { type: 'button', class: secondary ? 'secondary' : '', 'data-always': always ? 'true' : undefined }, label);
      b.addEventListener('click', onClick);
      return b;
    };
    const suggestion = this.report.suggestion;
    box.append(
      h(
        'span',
        { class: 'actions' },
        button('Back to the run’s α', () => this.resetTo(this.logged, this.report.loss.gamma ?? this.gamma)),
        suggestion ? button(`Use the suggested α ${alphaText(suggestion.alpha)}`, () => this.resetTo(suggestion.alpha, this.report.loss.gamma ?? this.gamma)) : null,
        button('Copy α', () => send({ type: 'copyAlpha', alpha: this.alpha }), true, true),
        button('Apply to config…', () => send({ type: 'applyAlpha', alpha: this.alpha }), false, true),
      ),
    );
    return box;
  }

  private resetTo(alpha: number | number[], gamma: number): void {
    this.alpha = Array.isArray(alpha) ? alpha.slice() : alpha;
    this.gamma = gamma;
    const sync = (id: string, v: number) => {
      const input = document.getElementById(id) as HTMLInputElement | null;
      if (!input) return;
      input.value = String(v);
      input.setAttribute('aria-valuetext', fmt(v, 3));
      const out = document.getElementById(`${id}-value`);
      if (out) out.textContent = fmt(v, 3);
    };
    if (Array.isArray(this.alpha)) this.alpha.forEach((a, i) => sync(`alpha-${i}`, a));
    else sync('alpha', this.alpha);
    sync('gamma', gamma);
    this.deps.save({ whatIfAlpha: this.alpha, whatIfGamma: gamma });
    this.inputAt = performance.now();
    this.drawHistogram();
    this.schedule();
  }

  private setAlpha(alpha: number | number[]): void {
    this.alpha = alpha;
    this.deps.save({ whatIfAlpha: alpha });
    this.schedule();
  }

  /** One evaluation at a time; steps that arrive meanwhile collapse into the latest. */
  private schedule(): void {
    if (this.busy) {
      this.dirty = true;
      return;
    }
    void this.update();
  }

  private async update(): Promise<void> {
    const kernel = this.kernel;
    if (!kernel) return;
    this.busy = true;
    try {
      do {
        this.dirty = false;
        const row = await kernel.evaluate(this.alpha, this.gamma);
        if (kernel !== this.kernel) return;
        this.showRow(row);
      } while (this.dirty);
      const ms = performance.now() - this.inputAt;
      this.timing.textContent = ` · updated in ${Math.round(ms)} ms`;
      this.whatIfSection.dataset.updateMs = String(Math.round(ms));
      this.markCurve();
    } finally {
      this.busy = false;
    }
  }

  private showRow(row: WhatIfRow): void {
    const base = this.loggedRow;
    const trueShares = this.report.epochs.find((e) => e.epoch === this.epoch)?.perClass;
    const cell = (v: number, b: number | undefined, asPct: boolean) => `${asPct ? pct(v) : fmt(v)}${b === undefined ? '' : ` (${asPct ? pct(b) : fmt(b)})`}`;
    const table = dataTable(
      `What-if at α ${alphaText(this.alpha)}, γ ${fmt(this.gamma)}, epoch ${this.epoch} (in brackets: at the run’s α)`,
      ['class', 'true share', 'predicted share', 'recall', 'precision', 'F1'],
      row.perClass.map((c, i) => [
        c.class,
        pct(trueShares?.find((x) => x.class === c.class)?.trueShare),
        cell(c.predShare, base?.perClass[i]?.predShare, true),
        cell(c.recall, base?.perClass[i]?.recall, false),
        cell(c.precision, base?.perClass[i]?.precision, false),
        cell(c.f1, base?.perClass[i]?.f1, false),
      ]),
    );
    table.id = 'whatif-live-table';
    const metric = (label: string, v: number, b: number | undefined, id: string) =>
      h('span', { class: 'metric' }, h('span', { class: 'muted' }, `${label} `), h('strong', { id }, fmt(v)), b === undefined ? '' : h('span', { class: 'muted' }, ` (run: ${fmt(b)})`));
    this.results.replaceChildren(
      h(
        'p',
        { class: 'metrics' },
        metric('macro-F1', row.macroF1, base?.macroF1, 'whatif-macro-f1'),
        metric('balanced accuracy', row.balancedAccuracy, base?.balancedAccuracy, 'whatif-balanced-accuracy'),
        metric('accuracy', row.accuracy, base?.accuracy, 'whatif-accuracy'),
        this.timing,
      ),
      table,
    );
  }

  // ---- the objective over alpha

  private curveAxis(): { vector: boolean; candidates: Array<{ alpha: number | number[]; beta?: number }> } {
    const last = this.report.epochs.find((e) => e.epoch === this.epoch) ?? this.report.epochs[this.report.epochs.length - 1];
    const candidates = candidateAlphas({ kind: this.report.loss.kind, convention: this.report.loss.convention, trueShares: last?.perClass.map((c) => c.trueShare) ?? [] });
    // every other grid point: the curve's shape at half the cost
    return { vector: candidates[0]?.beta !== undefined, candidates: candidates.filter((_, i) => i % 2 === 0) };
  }

  private buildCurve(): HTMLElement {
    const theme = chartTheme();
    const { vector } = this.curveAxis();
    return chartFigure(
      'objective',
      'The objective over alpha: waiting for the per-sample data of the selected epoch.',
      {
        type: 'line',
        data: { datasets: [{ label: 'objective', data: [], borderColor: theme.series[0], backgroundColor: theme.series[0], borderWidth: 2, pointRadius: 0 }] },
        options: {
          parsing: false,
          scales: {
            x: { type: 'linear', min: 0, max: 1, title: { display: true, text: vector ? 'β of α_c ∝ (true share_c)^−β' : `α (${this.report.loss.convention} convention)` } },
            y: { min: 0, max: 1, title: { display: true, text: 'objective (counterfactual)' } },
          },
          plugins: { legend: { display: false } },
        },
      },
      240,
      (c) => (this.curve = c as unknown as Chart),
    );
  }

  /** Computes the objective over the grid in slices (the sliders stay responsive), sorted by alpha. */
  private async drawCurve(): Promise<void> {
    const kernel = this.kernel;
    const chart = this.curve;
    if (!kernel || !chart) return;
    const token = ++this.curveToken;
    const { vector, candidates } = this.curveAxis();
    const points: Array<{ x: number; y: number }> = [];
    delete this.whatIfSection.dataset.curvePoints;
    for (let i = 0; i < candidates.length; i++) {
      const c = candidates[i]!;
      // a slider step goes first: the curve waits while one is being computed
      while (this.busy || this.dirty) await new Promise((r) => setTimeout(r, 16));
      if (token !== this.curveToken) return;
      const row = await kernel.evaluate(c.alpha, this.gamma);
      if (token !== this.curveToken) return;
      points.push({ x: vector ? c.beta! : (c.alpha as number), y: objectiveValue(row, this.objective) });
      if (i % 8 === 7 || i === candidates.length - 1) {
        points.sort((a, b) => a.x - b.x);
        chart.data.datasets[0]!.data = points.slice();
        chart.update('none');
        await new Promise((r) => setTimeout(r, 0));
      }
    }
    this.whatIfSection.dataset.curvePoints = String(points.length);
    const best = points.reduce((b, p) => (p.y > b.y ? p : b), points[0] ?? { x: 0, y: 0 });
    setChartSummary('objective', `${this.objectiveLabel()} over ${vector ? 'β' : 'α'} at epoch ${this.epoch} (counterfactual, ${points.length} points): highest ${fmt(best.y)} at ${fmt(best.x)}.`);
    this.curveTableBox.replaceChildren(
      numbers(dataTable(`${this.objectiveLabel()} over ${vector ? 'β' : 'α'}, epoch ${this.epoch}`, [vector ? 'β' : 'α', this.objectiveLabel()], points.map((p) => [fmt(p.x), fmt(p.y)])), 'objective'),
    );
    this.markCurve();
  }

  private objectiveLabel(): string {
    return OBJECTIVES.find((o) => o.id === this.objective)?.label ?? this.objective;
  }

  /** The run's, the slider's and the suggested alpha on the curve. */
  private markCurve(): void {
    const chart = this.curve;
    if (!chart) return;
    const theme = chartTheme();
    const vector = Array.isArray(this.logged);
    const lines: ChartMarker[] = [];
    if (!vector) {
      lines.push({ x: this.logged as number, label: 'run', color: theme.muted, dash: [4, 3] });
      lines.push({ x: this.alpha as number, label: 'slider', color: theme.foreground });
    }
    const s = this.report.suggestion;
    if (s) {
      const x = typeof s.alpha === 'number' ? s.alpha : s.beta;
      if (x !== undefined) lines.push({ x, label: 'suggested', color: theme.positive, dash: [2, 2] });
    }
    (chart.options.plugins ??= {}).focalMarkers = { lines };
    chart.update('none');
  }

  private buildWhatIf(): HTMLElement {
    const select = h('select', { id: 'objective', 'aria-label': 'Objective of the curve', 'data-always': 'true' }, ...OBJECTIVES.map((o) => h('option', { value: o.id, selected: o.id === this.objective }, o.label)));
    select.addEventListener('change', () => {
      this.objective = select.value as Objective;
      this.deps.save({ objective: this.objective });
      void this.drawCurve();
    });
    const s = this.report.suggestion;
    return h(
      'section',
      { 'aria-labelledby': 'whatif-title', class: 'whatif', id: 'whatif-live' },
      h('h2', { id: 'whatif-title' }, 'What if: try an alpha'),
      h(
        'p',
        { class: 'muted' },
        'Each step recomputes this epoch’s predictions under the counterfactual of docs/method.md (the same decisions as the report’s what-if rows, without retraining). γ moves the decisions only at a threshold other than 0.5; it always changes the modulating factor in the histograms.',
      ),
      this.backendNote,
      this.status,
      this.controls,
      this.results,
      h('h3', {}, 'The objective over alpha ', h('label', { for: 'objective', class: 'muted' }, ' objective '), select),
      s ? h('p', { class: 'muted' }, `Suggested (at epoch ${this.report.counterfactualEpoch ?? '–'}): α ${alphaText(s.alpha)}, ${fmt(s.current)} now → ${fmt(s.expected)} expected.`) : null,
      this.buildCurve(),
      this.curveTableBox,
    );
  }

  dispose(): void {
    clearTimeout(this.curveTimer);
    this.curveToken++;
    this.kernel?.dispose();
    this.kernel = null;
  }
}
