/**
 * The one message protocol between the extension host and the Focal Lens webviews (the report
 * panel and the side view). Both sides import these types. Each message is one entry of a map
 * from its `type` to its fields; the host's handlers and the run-time checks are tables keyed by
 * the same map, so a message without a handler or a check is a compile error, not a silent no-op.
 */
import type { AnalysisReport } from '../core/report';
import type { EpochSamplesHeader } from '../core/samples/format';

export type WebviewKind = 'panel' | 'sidebar';

/** Where an analysis stands, as the webviews show it. */
export type AnalysisState =
  /** `cancelled`: a run was stopped before any report was shown. */
  | { phase: 'idle'; cancelled?: boolean }
  | { phase: 'running'; source: string; fraction: number | null; message: string; previous?: AnalysisReport }
  | {
      phase: 'done';
      source: string;
      report: AnalysisReport;
      cancelled?: boolean;
      /** The files and folders analyzed (the per-sample data of an epoch is read from them again). */
      logPaths?: string[];
      /** When the host received the report (Date.now()): the webview times its first chart from it. */
      finishedAt?: number;
    }
  | { phase: 'failed'; source: string; message: string; previous?: AnalysisReport };

/** A run of the recently analyzed list (the side view switches between them). */
export interface RecentRunSummary {
  id: string;
  label: string;
  analyzedAt: string;
  status: AnalysisReport['verdict']['status'];
  onto: string | null;
  /** The report is kept: switching shows it at once (else the run is analyzed again). */
  kept: boolean;
}

/** Which tfjs backend the webview's what-if should try first (focalLens.computeBackend). */
export type WebviewBackendPreference = 'auto' | 'tensorflow' | 'wasm' | 'cpu';

/** One epoch's per-sample data for the live what-if, or why there is none. */
export type SamplesAnswer =
  | {
      state: 'ready';
      epoch: number;
      header: EpochSamplesHeader;
      /** The samples file (src/core/samples/format.ts), posted as binary (not JSON). */
      data: Uint8Array | ArrayBuffer;
      maxSamples: number;
      /** Host time from the request to the post (the extraction in a child process, or none when kept), and when it posted (Date.now()). */
      hostMs: number;
      postedAt: number;
    }
  | { state: 'unavailable' | 'failed'; epoch: number; message: string };

/** Host → webview messages by type. */
export interface HostMessages {
  /** Sent once the webview said `ready`: what to show first. */
  init: { kind: WebviewKind; analysis: AnalysisState; trusted: boolean; recent: RecentRunSummary[]; backend: WebviewBackendPreference };
  /** Any change of the analysis: progress, a finished report, a failure. */
  analysis: { analysis: AnalysisState };
  /** The answer to `requestSamples`. */
  samples: SamplesAnswer;
  /** The recently analyzed runs changed. */
  recent: { runs: RecentRunSummary[] };
  /** The answer to `watchRun`: whether a run is watched, or why it cannot be. */
  watch: { watching: boolean; available: boolean; message: string };
}

/** Webview → host messages by type. */
export interface WebviewMessages {
  /** The script loaded and listens: the host answers with `init`. */
  ready: Record<never, never>;
  /** The view drew its charts and tables (tests wait for this; it also feeds the a11y summary); `notice`: the text of its status line. */
  rendered: { kind: WebviewKind; charts: number; tableRows: number; view: string; notice?: string };
  /** The user asked to analyze a training log (the host shows its picker). */
  chooseLog: Record<never, never>;
  /** The user asked to stop the running analysis. */
  cancel: Record<never, never>;
  /** The user wants the report panel (from the compact side view). */
  openPanel: Record<never, never>;
  /** The user wants the report as JSON or Markdown in an editor, or as a self-contained HTML file (the selected epoch's table in it). */
  exportReport: { format: 'json' | 'markdown' | 'html'; epoch?: number };
  /** The panel needs one epoch's per-sample data (the host answers with `samples`). */
  requestSamples: { epoch: number };
  /** Copy an alpha (the report's convention) to the clipboard. */
  copyAlpha: { alpha: number | number[] };
  /** Write an alpha (the report's convention) into the linked or a chosen config, after showing the diff. */
  applyAlpha: { alpha: number | number[] };
  /** Show a recently analyzed run. */
  openRecent: { id: string };
  /** Start or stop watching the current run (the host answers with `watch`). */
  watchRun: { start: boolean };
}

type Tagged<M> = { [K in keyof M]: { type: K } & M[K] }[keyof M];

export type HostMessage = Tagged<HostMessages>;
export type WebviewMessage = Tagged<WebviewMessages>;
export type WebviewMessageOf<K extends keyof WebviewMessages> = { type: K } & WebviewMessages[K];

/** One handler per webview message type (the host's dispatch table). */
export type WebviewHandlers = { [K in keyof WebviewMessages]: (message: WebviewMessageOf<K>) => void };

const isKind = (v: unknown): v is WebviewKind => v === 'panel' || v === 'sidebar';
const isAlpha = (v: unknown): boolean => (typeof v === 'number' && Number.isFinite(v)) || (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number' && Number.isFinite(x)));

/** The fields each message must carry, checked at run time (a webview is another process). */
const CHECKS: { [K in keyof WebviewMessages]: (m: Record<string, unknown>) => boolean } = {
  ready: () => true,
  rendered: (m) =>
    isKind(m.kind) && typeof m.charts === 'number' && typeof m.tableRows === 'number' && typeof m.view === 'string' && (m.notice === undefined || typeof m.notice === 'string'),
  chooseLog: () => true,
  cancel: () => true,
  openPanel: () => true,
  exportReport: (m) => (m.format === 'json' || m.format === 'markdown' || m.format === 'html') && (m.epoch === undefined || Number.isInteger(m.epoch)),
  requestSamples: (m) => Number.isInteger(m.epoch),
  copyAlpha: (m) => isAlpha(m.alpha),
  applyAlpha: (m) => isAlpha(m.alpha),
  openRecent: (m) => typeof m.id === 'string',
  watchRun: (m) => typeof m.start === 'boolean',
};

/** A message from a webview, or undefined when it is none of the protocol's (dropped). */
export function parseWebviewMessage(raw: unknown): WebviewMessage | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const m = raw as Record<string, unknown>;
  const type = m.type;
  if (typeof type !== 'string' || !Object.prototype.hasOwnProperty.call(CHECKS, type)) return undefined;
  return CHECKS[type as keyof WebviewMessages](m) ? (m as unknown as WebviewMessage) : undefined;
}

/** Call the message's handler (the table guarantees there is one). */
export function dispatchWebviewMessage(message: WebviewMessage, handlers: WebviewHandlers): void {
  (handlers[message.type] as (m: WebviewMessage) => void)(message);
}
