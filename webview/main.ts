import type { AnalysisReport } from '../src/core/report';
import type { AnalysisState, HostMessage, WebviewKind } from '../src/protocol/messages';
import { chartCount, destroyCharts, mountPendingCharts } from './charts';
import { h, pct } from './dom';
import { explorerView } from './explorer-view';
import { reportView } from './report-view';
import { onThemeChange } from './theme';
import { loadState, saveState, send, type PersistedState } from './vscode-api';

const app = document.getElementById('app') as HTMLElement;
const kind = (document.body.dataset.kind ?? 'panel') as WebviewKind;
let analysis: AnalysisState = { phase: 'idle' };
let trusted = true;

function button(label: string, onClick: () => void, secondary = false): HTMLButtonElement {
  const b = h('button', { type: 'button', class: secondary ? 'secondary' : '' }, label);
  b.addEventListener('click', onClick);
  return b;
}

// ---- status line and callouts (what the views say about the analysis: which log, which backend,
// running, failed, cancelled; a previous report stays below, marked as such)

/** The report on screen: the analysis' own, or the last good one while a run goes or after it failed. */
function shownReport(): { report: AnalysisReport; previous: boolean } | null {
  if (analysis.phase === 'done') return { report: analysis.report, previous: false };
  if ((analysis.phase === 'running' || analysis.phase === 'failed') && analysis.previous) return { report: analysis.previous, previous: true };
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
  const tab = (id: PersistedState['tab'], label: string) => {
    const b = h('button', { type: 'button', role: 'tab', 'aria-selected': state.tab === id ? 'true' : 'false', class: 'tab' }, label);
    b.addEventListener('click', () => {
      saveState({ tab: id });
      render();
    });
    return b;
  };
  return h('nav', { role: 'tablist', 'aria-label': 'Focal Lens views' }, tab('report', 'Report'), tab('explorer', 'Loss explorer'));
}

function render(): void {
  const state = loadState();
  destroyCharts();
  const onChange = (patch: Partial<PersistedState>) => {
    saveState(patch);
    render();
  };
  const view = document.createElement('div');
  const shown = shownReport();
  const status = statusLine();
  const report = (compact: boolean) => (shown ? (shown.previous ? markedPrevious(reportView(shown.report, compact)) : reportView(shown.report, compact)) : null);
  // the explorer draws the gamma the report on screen trained with
  const run = shown && shown.report.loss.gamma !== null ? { gamma: shown.report.loss.gamma } : undefined;
  let shownView: string;
  if (kind === 'sidebar') {
    view.append(...[status, report(true), explorerView(state, true, { onChange }, run)].filter((n): n is HTMLElement => n !== null));
    shownView = shown ? 'report' : 'explorer';
  } else {
    // Until a log is analyzed, the panel is the explorer; afterwards both are a tab away.
    const tab = shown ? state.tab : 'explorer';
    if (shown) view.append(tabs({ ...state, tab }));
    if (status) view.append(status);
    view.append(tab === 'report' && shown ? report(false)! : explorerView(state, false, { onChange }, run));
    shownView = tab;
  }
  app.replaceChildren(view);
  mountPendingCharts();
  const notice = status?.innerText.trim();
  send({ type: 'rendered', kind, charts: chartCount(), tableRows: app.querySelectorAll('tbody tr').length, view: shownView, ...(notice ? { notice } : {}) });
}

window.addEventListener('message', (event: MessageEvent<HostMessage>) => {
  const message = event.data;
  switch (message.type) {
    case 'init':
      trusted = message.trusted;
      analysis = message.analysis;
      break;
    case 'analysis':
      // A finished report opens on its tab: that is what the user asked for.
      if (message.analysis.phase === 'done' && analysis.phase !== 'done') saveState({ tab: 'report' });
      analysis = message.analysis;
      break;
  }
  render();
});

onThemeChange(() => render());
send({ type: 'ready' });
