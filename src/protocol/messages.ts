/**
 * The one message protocol between the extension host and the Focal Lens webviews (the report
 * panel and the side view). Both sides import these types, so a message that one side sends and
 * the other does not understand is a compile error, not a silent no-op.
 */
import type { AnalysisReport } from '../core/report';

export type WebviewKind = 'panel' | 'sidebar';

/** Where an analysis stands, as the webviews show it. */
export type AnalysisState =
  | { phase: 'idle' }
  | { phase: 'running'; source: string; fraction: number | null; message: string }
  | { phase: 'done'; source: string; report: AnalysisReport }
  | { phase: 'failed'; source: string; message: string };

/** Host → webview. */
export type HostMessage =
  /** Sent once the webview said `ready`: what to show first. */
  | { type: 'init'; kind: WebviewKind; analysis: AnalysisState; trusted: boolean }
  /** Any change of the analysis: progress, a finished report, a failure. */
  | { type: 'analysis'; analysis: AnalysisState };

/** Webview → host. */
export type WebviewMessage =
  /** The script loaded and listens: the host answers with `init`. */
  | { type: 'ready' }
  /** The view drew its charts and tables (tests wait for this; it also feeds the a11y summary). */
  | { type: 'rendered'; kind: WebviewKind; charts: number; tableRows: number; view: string }
  /** The user asked to analyze a training log (the host shows its picker). */
  | { type: 'chooseLog' }
  /** The user asked to stop the running analysis. */
  | { type: 'cancel' }
  /** The user wants the report panel (from the compact side view). */
  | { type: 'openPanel' }
  /** The user wants the report as JSON or Markdown in an editor. */
  | { type: 'exportReport'; format: 'json' | 'markdown' };

export function isWebviewMessage(value: unknown): value is WebviewMessage {
  if (typeof value !== 'object' || value === null) return false;
  const type = (value as { type?: unknown }).type;
  return (
    type === 'ready' ||
    type === 'rendered' ||
    type === 'chooseLog' ||
    type === 'cancel' ||
    type === 'openPanel' ||
    type === 'exportReport'
  );
}
