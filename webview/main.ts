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

function statusLine(): HTMLElement | null {
  switch (analysis.phase) {
    case 'idle':
      return h(
        'div',
        { class: 'callout' },
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
        button('Cancel', () => send({ type: 'cancel' }), true),
      );
    }
    case 'failed':
      return h(
        'div',
        { class: 'callout error', role: 'alert' },
        h('p', {}, h('strong', {}, `Could not analyze ${analysis.source}`)),
        h('pre', {}, analysis.message),
        button('Choose another log…', () => send({ type: 'chooseLog' })),
      );
    case 'done':
      return null;
  }
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
  let shown: string;
  if (kind === 'sidebar') {
    const report = analysis.phase === 'done' ? reportView(analysis.report, true) : null;
    view.append(...[report ?? statusLine(), explorerView(state, true, { onChange })].filter((n): n is HTMLElement => n !== null));
    shown = report ? 'report' : 'explorer';
  } else {
    // Until a log is analyzed, the panel is the explorer; afterwards both are a tab away.
    const hasReport = analysis.phase === 'done';
    const tab = hasReport ? state.tab : 'explorer';
    const status = statusLine();
    if (hasReport) view.append(tabs({ ...state, tab }));
    if (status) view.append(status);
    view.append(tab === 'report' && analysis.phase === 'done' ? reportView(analysis.report, false) : explorerView(state, false, { onChange }));
    shown = tab;
  }
  app.replaceChildren(view);
  mountPendingCharts();
  send({ type: 'rendered', kind, charts: chartCount(), tableRows: app.querySelectorAll('tbody tr').length, view: shown });
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
