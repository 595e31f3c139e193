import { PAPER_GAMMAS } from '../src/core/explorer';
import type { WebviewMessage } from '../src/protocol/messages';

/** What the webview remembers across hide/show and window reloads (VS Code's getState/setState). */
export interface PersistedState {
  tab: 'report' | 'explorer';
  explorerGammas: number[];
  explorerAlphaT: number;
  explorerScale: 'linear' | 'log';
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

const defaults: PersistedState = { tab: 'report', explorerGammas: [...PAPER_GAMMAS], explorerAlphaT: 1, explorerScale: 'linear' };

export function loadState(): PersistedState {
  return { ...defaults, ...api.getState() };
}

export function saveState(patch: Partial<PersistedState>): PersistedState {
  const next = { ...loadState(), ...patch };
  api.setState(next);
  return next;
}
