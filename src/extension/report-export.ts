import * as vscode from 'vscode';
import { renderHtml } from '../core/format/html';
import { renderMarkdown } from '../core/format/markdown';
import type { AnalysisStore } from './analysis-store';

/**
 * The report as JSON or Markdown in a new editor, or as a self-contained HTML file (charts as inline
 * SVG, no scripts) saved where the user says, for a pull request. `target` skips the save dialog.
 */
export async function exportReport(store: AnalysisStore, format: 'json' | 'markdown' | 'html', epoch?: number, target?: vscode.Uri): Promise<vscode.Uri | undefined> {
  const state = store.state;
  if (state.phase !== 'done') return undefined;
  if (format !== 'html') {
    const content = format === 'json' ? JSON.stringify(state.report, null, 2) : renderMarkdown(state.report);
    const doc = await vscode.workspace.openTextDocument({ language: format, content });
    await vscode.window.showTextDocument(doc, { preview: false });
    return doc.uri;
  }
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const uri =
    target ??
    (await vscode.window.showSaveDialog({
      title: 'Save the Focal Lens report as HTML',
      filters: { HTML: ['html'] },
      ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, 'focal-lens-report.html') } : {}),
    }));
  if (!uri) return undefined;
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(renderHtml(state.report, epoch === undefined ? {} : { epoch })));
  if (!target) {
    void vscode.window.showInformationMessage(`Focal Lens saved the report as ${vscode.workspace.asRelativePath(uri)}.`, 'Reveal in Explorer').then((choice) => {
      if (choice) void vscode.commands.executeCommand('revealInExplorer', uri);
    });
  }
  return uri;
}
