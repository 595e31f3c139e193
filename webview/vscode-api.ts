import { PAPER_GAMMAS } from '../src/core/explorer';
import type { WebviewMessage } from '../src/protocol/messages';

/** What the webview remembers across hide/show and window reloads (VS Code's getState/setState). */
export interface PersistedState {
  tab: 'report' | 'explorer';
  explorerGammas: number[];
  explorerAlphaT: number;
  explorerScale: 'linear' | 'log';
  /** Which report the fields below belong to (a new report starts from its own defaults). */
  reportKey: string | null;
  /** The scrubber's epoch; null: the last. */
  selectedEpoch: number | null;
  /** The what-if sliders: alpha in the report's convention (a vector for per-class alphas) and gamma; null: the run's. */
  whatIfAlpha: number | number[] | null;
  whatIfGamma: number | null;
  objective: 'macro-f1' | 'balanced-accuracy' | 'accuracy' | null;
  /** The class whose p_t histograms are shown; null: the verdict's (or the rarest). */
  histogramClass: string | null;
}

interface VsCodeApi {
  postMessage(message: WebviewMessage): void;
  getState(): PersistedState | undefined;
  setState(state: PersistedState): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

const api = acquireVsCodeApi();

export function send(message: WebviewMessage): void {
  api.postMessage(message);
}

const defaults: PersistedState = {
  tab: 'report',
  explorerGammas: [...PAPER_GAMMAS],
  explorerAlphaT: 1,
  explorerScale: 'linear',
  reportKey: null,
  selectedEpoch: null,
  whatIfAlpha: null,
  whatIfGamma: null,
  objective: null,
  histogramClass: null,
};

export function loadState(): PersistedState {
  return { ...defaults, ...api.getState() };
}

export function saveState(patch: Partial<PersistedState>): PersistedState {
  const next = { ...loadState(), ...patch };
  api.setState(next);
  return next;
}
