import type { AnalysisReport } from '../src/core/report';
import type { AnalysisState, HostMessage, RecentRunSummary, WebviewBackendPreference, WebviewKind } from '../src/protocol/messages';
import { chartCount, destroyCharts, mountPendingCharts } from './charts';
import { h, pct } from './dom';
import { explorerView } from './explorer-view';
import { ReportPanelView, reportKey } from './report-panel';
import { sideView } from './side-view';
import { onThemeChange } from './theme';
import { loadState, saveState, send, type PersistedState } from './vscode-api';

// A CSP violation or an uncaught error is a bug: say so on the console, where the e2e tests fail on it.
document.addEventListener('securitypolicyviolation', (e) => console.error(`[focal-lens] CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`));
window.addEventListener('error', (e) => console.error(`[focal-lens] error: ${e.message}`));
window.addEventListener('unhandledrejection', (e) => console.error(`[focal-lens] unhandled rejection: ${String(e.reason)}`));

const app = document.getElementById('app') as HTMLElement;
const kind = (document.body.dataset.kind ?? 'panel') as WebviewKind;
let analysis: AnalysisState = { phase: 'idle' };
let trusted = true;
let recent: RecentRunSummary[] = [];
let backend: WebviewBackendPreference = 'auto';
let watch: { watching: boolean; message: string } | null = null;
let panelView: ReportPanelView | null = null;
/** finishedAt of the report whose first chart is still to be timed. */
let timeFirstChart: number | null = null;
/** The status line on screen (progress updates replace it alone) and the view last rendered. */
let statusNode: HTMLElement | null = null;
let renderedView = 'explorer';

function button(label: string, onClick: () => void, secondary = false): HTMLButtonElement {
  const b = h('button', { type: 'button', class: secondary ? 'secondary' : '' }, label);
  b.addEventListener('click', onClick);
  return b;
}

// ---- status line and callouts (what the views say about the analysis: which log, which backend,
// running, failed, cancelled; a previous report stays below, marked as such)

/** The report on screen: the analysis' own, or the last good one while a run goes or after it failed. */
function shownReport(): { report: AnalysisReport; source: string; previous: boolean } | null {
  if (analysis.phase === 'done') return { report: analysis.report, source: analysis.source, previous: false };
  if ((analysis.phase === 'running' || analysis.phase === 'failed') && analysis.previous) return { report: analysis.previous, source: previousName(analysis.previous), previous: true };
  return null;
}

const BACKEND_WORDS: Record<string, string> = { tensorflow: 'TensorFlow native', wasm: 'WebAssembly', cpu: 'plain JavaScript' };

/** Which log a report describes and what computed it. */
function reportSource(report: AnalysisReport, source: string): HTMLElement {
  const computed = report.backend ? `computed on ${BACKEND_WORDS[report.backend] ?? report.backend}` : report.basis === 'metrics' ? 'judged from its logged metrics' : 'estimated from PR-curve bins';
  return h('p', { class: 'report-source', title: report.backendDetail ?? '' }, 'Report of ', h('strong', {}, source), ` · ${computed}`);
}

function previousName(report: AnalysisReport): string {
  return report.input.run ?? report.input.files.join(', ');
}

function statusLine(): HTMLElement | null {
  switch (analysis.phase) {
    case 'idle':
      return h(
        'div',
        { class: 'callout' },
        analysis.cancelled ? h('p', { role: 'status' }, h('strong', {}, 'Analysis cancelled.')) : null,
        h('p', {}, trusted ? 'Analyze a training log to see the effective weight each class gets and whether alpha drives a collapse.' : 'This workspace is not trusted: Focal Lens does not read training logs here.'),
        trusted ? button('Analyze a training log…', () => send({ type: 'chooseLog' })) : null,
      );
    case 'running': {
      const bar = h('progress', { max: 1, 'aria-label': 'Analysis progress' });
      if (analysis.fraction !== null) bar.value = analysis.fraction;
      return h(
        'div',
        { class: 'callout', role: 'status' },
        h('p', {}, `Analyzing ${analysis.source}: ${analysis.message}${analysis.fraction !== null ? ` (${pct(analysis.fraction, 0)})` : ''}`),
        bar,
        analysis.previous ? h('p', { class: 'muted' }, `Below: the previous report, of ${previousName(analysis.previous)}, until this one is ready.`) : null,
        button('Cancel', () => send({ type: 'cancel' }), true),
      );
    }
    case 'failed':
      return h(
        'div',
        { class: 'callout error', role: 'alert' },
        h('p', {}, h('strong', {}, `Could not analyze ${analysis.source}`)),
        h('pre', {}, analysis.message),
        analysis.previous ? h('p', { class: 'muted' }, `Below: the previous report, of ${previousName(analysis.previous)}.`) : null,
        button('Choose another log…', () => send({ type: 'chooseLog' })),
      );
    case 'done':
      return h(
        'div',
        { class: analysis.cancelled ? 'callout' : 'report-heading' },
        analysis.cancelled ? h('p', { role: 'status' }, h('strong', {}, 'Analysis cancelled.'), ' This is the previous report:') : null,
        reportSource(analysis.report, analysis.source),
      );
  }
}

/** A report that is not the current analysis' own, marked so it is not taken for it. */
function markedPrevious(view: HTMLElement): HTMLElement {
  return h('section', { class: 'previous-report', 'aria-label': 'Previous report' }, h('p', { class: 'badge' }, 'Previous report'), view);
}

function tabs(state: PersistedState): HTMLElement {
  const ids: Array<[PersistedState['tab'], string]> = [
    ['report', 'Report'],
    ['explorer', 'Loss explorer'],
  ];
  const buttons = ids.map(([id, label]) => {
    const b = h('button', { type: 'button', role: 'tab', id: `tab-${id}`, 'aria-selected': state.tab === id ? 'true' : 'false', tabindex: state.tab === id ? 0 : -1, class: 'tab' }, label);
    b.addEventListener('click', () => {
      saveState({ tab: id });
      render();
    });
    return b;
  });
  const list = h('nav', { role: 'tablist', 'aria-label': 'Focal Lens views' }, ...buttons);
  // arrow keys move between tabs (the tablist pattern); Tab leaves the list
  list.addEventListener('keydown', (e) => {
    if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
    const next = ids[(ids.findIndex(([id]) => id === state.tab) + (e.key === 'ArrowRight' ? 1 : ids.length - 1)) % ids.length]![0];
    saveState({ tab: next });
    render();
    document.getElementById(`tab-${next}`)?.focus();
  });
  return list;
}

/** The saved scrubber and sliders belong to one report: another report starts from its own defaults. */
function stateFor(key: string): PersistedState {
  const state = loadState();
  if (state.reportKey === key) return state;
  return saveState({ reportKey: key, selectedEpoch: null, whatIfAlpha: null, whatIfGamma: null, objective: null, histogramClass: null });
}

function render(): void {
  const state = loadState();
  panelView?.dispose();
  panelView = null;
  destroyCharts();
  const onChange = (patch: Partial<PersistedState>) => {
    saveState(patch);
    render();
  };
  const view = document.createElement('div');
  const shown = shownReport();
  // the side view's verdict banner says what the status line would, once a report is the analysis' own
  const status = kind === 'sidebar' && analysis.phase === 'done' && !analysis.cancelled ? null : statusLine();
  // the explorer draws the gamma the report on screen trained with
  const run = shown && shown.report.loss.gamma !== null ? { gamma: shown.report.loss.gamma } : undefined;
  const marked = (node: HTMLElement): HTMLElement => (shown?.previous ? markedPrevious(node) : node);
  if (kind === 'sidebar') {
    const side = marked(sideView({ report: shown?.report ?? null, source: shown?.source ?? null, recent, watch }));
    view.append(...[status, side, explorerView(state, true, { onChange }, run)].filter((n): n is HTMLElement => n !== null));
    renderedView = shown ? 'report' : 'explorer';
  } else {
    // Until a log is analyzed, the panel is the explorer; afterwards both are a tab away.
    const tab = shown ? state.tab : 'explorer';
    if (shown) view.append(tabs({ ...state, tab }));
    if (status) view.append(status);
    if (tab === 'report' && shown) {
      panelView = new ReportPanelView(shown.report, stateFor(reportKey(shown.report, shown.source)), { backend, save: saveState });
      view.append(marked(panelView.node));
    } else view.append(explorerView(state, false, { onChange }, run));
    renderedView = tab;
  }
  app.replaceChildren(view);
  mountPendingCharts();
  panelView?.start();
  if (timeFirstChart !== null && chartCount() > 0) {
    const finishedAt = timeFirstChart;
    timeFirstChart = null;
    // the frame after the charts' first draw is when they are on screen
    requestAnimationFrame(() => {
      const ms = Date.now() - finishedAt;
      app.dataset.firstChartMs = String(ms);
      console.log(`[focal-lens] first chart ${ms} ms after the analysis finished`);
    });
  }
  statusNode = status;
  sendRendered();
}

function sendRendered(): void {
  const notice = statusNode?.innerText.trim();
  send({ type: 'rendered', kind, charts: chartCount(), tableRows: app.querySelectorAll('tbody tr').length, view: renderedView, ...(notice ? { notice } : {}) });
}

/**
 * Progress of the same run: only the status line is redrawn, so what the user is doing below it
 * (typing into the loss explorer, reading the previous report) is not rebuilt under them.
 */
function updateStatus(): void {
  const next = statusLine();
  if (!statusNode?.isConnected || !next) return render();
  const hadFocus = statusNode.contains(document.activeElement);
  statusNode.replaceWith(next);
  statusNode = next;
  if (hadFocus) next.querySelector('button')?.focus();
  sendRendered();
}

/** Progress of a running analysis redraws at most this often: a burst of progress events must not queue renders ahead of the report. */
const PROGRESS_RENDER_MS = 150;
let progressTimer: ReturnType<typeof setTimeout> | undefined;

window.addEventListener('message', (event: MessageEvent<HostMessage>) => {
  const message = event.data;
  const wasRunning = analysis.phase === 'running';
  switch (message.type) {
    case 'init':
      trusted = message.trusted;
      analysis = message.analysis;
      recent = message.recent;
      backend = message.backend;
      break;
    case 'analysis':
      // A finished report opens on its tab: that is what the user asked for.
      if (message.analysis.phase === 'done' && analysis.phase !== 'done') saveState({ tab: 'report' });
      // a report just analyzed (not one reopened from the recent runs) times its first chart
      if (message.analysis.phase === 'done' && message.analysis.finishedAt !== undefined && Date.now() - message.analysis.finishedAt < 60_000) {
        timeFirstChart = message.analysis.finishedAt;
        app.dataset.reportDeliveredMs = String(Date.now() - message.analysis.finishedAt);
      }
      analysis = message.analysis;
      if (wasRunning && analysis.phase === 'running') {
        progressTimer ??= setTimeout(() => {
          progressTimer = undefined;
          updateStatus();
        }, PROGRESS_RENDER_MS);
        return;
      }
      break;
    case 'samples':
      panelView?.onSamples(message);
      return;
    case 'recent':
      recent = message.runs;
      if (kind !== 'sidebar') return;
      break;
    case 'watch':
      watch = { watching: message.watching, message: message.message };
      if (kind !== 'sidebar') return;
      break;
  }
  clearTimeout(progressTimer);
  progressTimer = undefined;
  render();
});

onThemeChange(() => render());
send({ type: 'ready' });
