/**
 * The one message protocol between the extension host and the Focal Lens webviews (the report
 * panel and the side view). Both sides import these types. Each message is one entry of a map
 * from its `type` to its fields; the host's handlers and the run-time checks are tables keyed by
 * the same map, so a message without a handler or a check is a compile error, not a silent no-op.
 */
import type { AnalysisReport } from '../core/report';

export type WebviewKind = 'panel' | 'sidebar';

/** Where an analysis stands, as the webviews show it. */
export type AnalysisState =
  /** `cancelled`: a run was stopped before any report was shown. */
  | { phase: 'idle'; cancelled?: boolean }
  | { phase: 'running'; source: string; fraction: number | null; message: string; previous?: AnalysisReport }
  | { phase: 'done'; source: string; report: AnalysisReport; cancelled?: boolean }
  | { phase: 'failed'; source: string; message: string; previous?: AnalysisReport };

/** Host → webview messages by type. */
export interface HostMessages {
  /** Sent once the webview said `ready`: what to show first. */
  init: { kind: WebviewKind; analysis: AnalysisState; trusted: boolean };
  /** Any change of the analysis: progress, a finished report, a failure. */
  analysis: { analysis: AnalysisState };
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
  /** The user wants the report as JSON or Markdown in an editor. */
  exportReport: { format: 'json' | 'markdown' };
}

type Tagged<M> = { [K in keyof M]: { type: K } & M[K] }[keyof M];

export type HostMessage = Tagged<HostMessages>;
export type WebviewMessage = Tagged<WebviewMessages>;
export type WebviewMessageOf<K extends keyof WebviewMessages> = { type: K } & WebviewMessages[K];

/** One handler per webview message type (the host's dispatch table). */
export type WebviewHandlers = { [K in keyof WebviewMessages]: (message: WebviewMessageOf<K>) => void };

const isKind = (v: unknown): v is WebviewKind => v === 'panel' || v === 'sidebar';

/** The fields each message must carry, checked at run time (a webview is another process). */
const CHECKS: { [K in keyof WebviewMessages]: (m: Record<string, unknown>) => boolean } = {
  ready: () => true,
  rendered: (m) =>
    isKind(m.kind) && typeof m.charts === 'number' && typeof m.tableRows === 'number' && typeof m.view === 'string' && (m.notice === undefined || typeof m.notice === 'string'),
  chooseLog: () => true,
  cancel: () => true,
  openPanel: () => true,
  exportReport: (m) => m.format === 'json' || m.format === 'markdown',
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
