import { explorerData, type ExplorerData } from '../src/core/explorer';
import { focalLoss, modulatingFactor } from '../src/core/focal';
import { chartFigure } from './charts';
import { dataTable, fmt, h } from './dom';
import { chartTheme } from './theme';
import type { PersistedState } from './vscode-api';

/** p_t values the text alternative tabulates: hard, uncertain, and easy samples. */
const TABLE_PT = [0.1, 0.3, 0.5, 0.7, 0.9, 0.99];

export interface ExplorerControls {
  onChange(patch: Partial<PersistedState>): void;
}

/** The run of the report on screen: its gamma is drawn too, and named. */
export interface ExplorerRun {
  gamma: number;
}

// ---- input checks: a value the explorer cannot draw says so beside its field (never ignored)

const MAX_GAMMAS = 7;

/** The gamma list typed in the field, or why it is none. */
export function parseGammas(text: string): { gammas: number[] } | { problem: string } {
  const parts = text.split(/[,\s]+/).filter((p) => p !== '');
  if (!parts.length) return { problem: 'Enter at least one γ (a number from 0 to 20).' };
  const bad = parts.find((p) => !(Number.isFinite(Number(p)) && Number(p) >= 0 && Number(p) <= 20));
  if (bad !== undefined) return { problem: `"${bad}" is not a γ: each value is a number from 0 to 20.` };
  const gammas = [...new Set(parts.map(Number))];
  if (gammas.length > MAX_GAMMAS) return { problem: `At most ${MAX_GAMMAS} γ values (${gammas.length} given).` };
  return { gammas };
}

/** α_t typed in the field, or why it is none. */
export function parseAlphaT(text: string): { alphaT: number } | { problem: string } {
  const a = Number(text.trim());
  return text.trim() !== '' && a > 0 && a <= 1 ? { alphaT: a } : { problem: 'α_t is a number above 0 and at most 1.' };
}

/** Marks a field invalid with its reason (read by screen readers), or clears it. */
function showProblem(input: HTMLInputElement, message: HTMLElement, problem: string | null): void {
  input.setAttribute('aria-invalid', problem ? 'true' : 'false');
  message.textContent = problem ?? '';
  message.hidden = !problem;
}

/**
 * Lin et al. 2017, Figure 1: focal loss against p_t for several gamma, and the modulating factor
 * that makes the difference. `compact` is the side view's version: one chart, one small table.
 */
export function explorerView(state: PersistedState, compact: boolean, controls: ExplorerControls, run?: ExplorerRun): HTMLElement {
  const gammas = run && !state.explorerGammas.includes(run.gamma) ? [...state.explorerGammas, run.gamma].sort((a, b) => a - b) : state.explorerGammas;
  const data = explorerData(gammas, compact ? 61 : 121, state.explorerAlphaT);
  const gammaCell = (g: number) => `${g}${run?.gamma === g ? ' (this run)' : ''}`;
  const theme = chartTheme();
  const datasets = (pick: (s: ExplorerData['series'][number]) => number[]) =>
    data.series.map((s, i) => ({
      label: `γ = ${gammaCell(s.gamma)}`,
      data: pick(s).map((y, j) => ({ x: data.pt[j] ?? 0, y: Math.max(y, 1e-6) })),
      borderColor: theme.series[i % theme.series.length],
      backgroundColor: theme.series[i % theme.series.length],
      borderWidth: (theme.highContrast ? 3 : 2) + (run?.gamma === s.gamma ? 1 : 0),
      borderDash: theme.highContrast && i % 2 === 1 ? [6, 3] : [],
      pointRadius: 0,
      tension: 0,
    }));
  const axes = (yTitle: string, scale: 'linear' | 'log') => ({
    x: { type: 'linear' as const, min: 0, max: 1, title: { display: true, text: 'probability of the true class p_t' } },
    y: { type: scale === 'log' ? ('logarithmic' as const) : ('linear' as const), min: scale === 'log' ? 1e-4 : 0, title: { display: !compact, text: yTitle } },
  });
  const easy = data.easySample.factors.map((f) => `γ ${f.gamma}: ×${fmt(f.factor, 2)}`).join(', ');
  const lossSummary = `Focal loss against p_t for gamma ${gammas.join(', ')}${run ? ` (${run.gamma}: this run)` : ''}. Larger gamma shrinks the loss of well-classified samples: at p_t = 0.9 the loss is multiplied by ${easy}.`;
  const lossChart = chartFigure(
    compact ? 'explorer-loss-compact' : 'explorer-loss',
    lossSummary,
    {
      type: 'line',
      data: { datasets: datasets((s) => s.loss) },
      options: {
        parsing: false,
        scales: axes('loss', state.explorerScale),
        plugins: { legend: { position: compact ? 'bottom' : 'right' }, tooltip: { mode: 'index', intersect: false } },
      },
    },
    compact ? 190 : 300,
  );
  const lossTable = dataTable(
    'Focal loss at selected p_t (text alternative of the chart)',
    ['γ', ...TABLE_PT.map((p) => `p_t=${p}`)],
    gammas.map((g) => [gammaCell(g), ...TABLE_PT.map((p) => fmt(focalLoss(p, g, state.explorerAlphaT), 3))]),
  );
  lossTable.id = `${compact ? 'explorer-loss-compact' : 'explorer-loss'}-table`;

  if (compact) {
    return h(
      'section',
      { class: 'explorer compact', 'aria-label': 'Focal-loss explorer' },
      h('h2', {}, 'Focal loss vs p_t'),
      lossChart,
      h('details', {}, h('summary', {}, 'Numbers'), lossTable),
    );
  }

  const factorChart = chartFigure(
    'explorer-factor',
    `Modulating factor (1 - p_t)^gamma for gamma ${gammas.join(', ')}: the weight of a sample relative to cross-entropy.`,
    {
      type: 'line',
      data: { datasets: datasets((s) => s.factor) },
      options: { parsing: false, scales: axes('(1 − p_t)^γ', state.explorerScale), plugins: { legend: { position: 'right' } } },
    },
    240,
  );
  const factorTable = dataTable(
    'Modulating factor (1 − p_t)^γ at selected p_t',
    ['γ', ...TABLE_PT.map((p) => `p_t=${p}`)],
    gammas.map((g) => [gammaCell(g), ...TABLE_PT.map((p) => fmt(modulatingFactor(p, g), 3))]),
  );
  factorTable.id = 'explorer-factor-table';

  const gammaInput = h('input', {
    id: 'gammas',
    type: 'text',
    value: state.explorerGammas.join(', '),
    'aria-describedby': 'gammas-help gammas-problem',
    spellcheck: 'false',
  });
  const gammaProblem = h('span', { id: 'gammas-problem', class: 'field-problem', role: 'alert', hidden: true });
  gammaInput.addEventListener('change', () => {
    const parsed = parseGammas(gammaInput.value);
    showProblem(gammaInput, gammaProblem, 'problem' in parsed ? parsed.problem : null);
    if ('gammas' in parsed) controls.onChange({ explorerGammas: parsed.gammas });
  });
  // text, not type=number: a number field hands over '' for what it cannot parse, and the reason is lost
  const alphaInput = h('input', { id: 'alpha-t', type: 'text', inputmode: 'decimal', value: state.explorerAlphaT, 'aria-describedby': 'alpha-t-problem', size: 5 });
  const alphaProblem = h('span', { id: 'alpha-t-problem', class: 'field-problem', role: 'alert', hidden: true });
  alphaInput.addEventListener('change', () => {
    const parsed = parseAlphaT(alphaInput.value);
    showProblem(alphaInput, alphaProblem, 'problem' in parsed ? parsed.problem : null);
    if ('alphaT' in parsed) controls.onChange({ explorerAlphaT: parsed.alphaT });
  });
  const scaleToggle = h('input', { id: 'log-scale', type: 'checkbox', checked: state.explorerScale === 'log' });
  scaleToggle.addEventListener('change', () => controls.onChange({ explorerScale: scaleToggle.checked ? 'log' : 'linear' }));

  return h(
    'section',
    { class: 'explorer', 'aria-label': 'Focal-loss explorer' },
    h('h2', {}, 'Focal-loss explorer'),
    h(
      'p',
      { class: 'muted' },
      'FL(p_t) = −α_t (1 − p_t)^γ log(p_t). γ shrinks the loss of samples the model already gets right (large p_t); α_t scales each class. Lin et al. 2017, Figure 1.',
    ),
    h(
      'div',
      { class: 'controls' },
      h('label', { for: 'gammas' }, 'γ values '),
      gammaInput,
      h('span', { id: 'gammas-help', class: 'muted' }, ` comma-separated, up to ${MAX_GAMMAS}${run ? `; this run trains with γ = ${run.gamma}, drawn too` : ''}`),
      gammaProblem,
      h('label', { for: 'alpha-t' }, 'α_t '),
      alphaInput,
      alphaProblem,
      h('label', { for: 'log-scale' }, scaleToggle, ' log scale'),
    ),
    h('div', { class: 'grid two' }, h('div', {}, h('h3', {}, 'Loss'), lossChart, lossTable), h('div', {}, h('h3', {}, 'Modulating factor'), factorChart, factorTable)),
  );
}
