import * as vscode from 'vscode';
import type { WebviewKind } from '../protocol/messages';
import { cspNonce } from './nonce';

/** Webviews may load only the bundle and the stylesheet: nothing remote, nothing else on disk. */
export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return {
    enableScripts: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

/**
 * The page both webviews load. A strict CSP: scripts only with this page's nonce, styles only from
 * the extension, images only from the extension or data: (Chart.js exports), no network at all.
 * WebAssembly may be compiled ('wasm-unsafe-eval': the what-if's tfjs wasm backend, never eval of
 * JavaScript) from the extension's own dist/ (connect-src: the .wasm files are fetched from there).
 */
export function webviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, kind: WebviewKind, title: string): string {
  const nonce = cspNonce();
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview.js'));
  const wasmBase = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', '/'));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'webview.css'));
  const csp = [
    "default-src 'none'",
    `img-src ${webview.cspSource} data:`,
    `style-src ${webview.cspSource}`,
    `font-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}' 'wasm-unsafe-eval'`,
    `connect-src ${webview.cspSource}`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style}">
<title>${title}</title>
</head>
<body data-kind="${kind}" data-wasm-base="${wasmBase.toString()}">
<main id="app" aria-live="polite"><p class="muted">Loading Focal Lens…</p></main>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
}
