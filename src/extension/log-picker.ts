import * as path from 'node:path';
import * as vscode from 'vscode';
import { pickerGlob } from '../core/readers/registry';
import { runCandidates } from '../core/readers/run-candidates';

/** Folders no search of the workspace looks into. */
export const EXCLUDE_GLOB = '{**/node_modules/**,**/.git/**,**/.vscode-test/**}';

interface LogPick extends vscode.QuickPickItem {
  uris?: vscode.Uri[];
}

/**
 * Where a candidate lies, relative to the workspace: a workspace folder itself by its name (VS Code's
 * asRelativePath gives a root back as the absolute path it was given), a path outside as it is.
 */
function folderLabel(dir: string): string {
  const relative = vscode.workspace.asRelativePath(dir);
  if (relative !== dir) return relative;
  return vscode.workspace.getWorkspaceFolder(vscode.Uri.file(dir))?.name ?? dir;
}

/**
 * Asks which training log to analyze (or watch: `purpose`): the runs and prediction dumps of the workspace (the file
 * of the active editor first), or any file or folder through the open dialog. The file names
 * come from the format registry (src/core/readers/formats). Resolves undefined when the user backs out.
 */
export async function pickTrainingLog(purpose: { title: string; openLabel: string } = { title: 'Analyze Focal Loss', openLabel: 'Analyze' }): Promise<vscode.Uri[] | undefined> {
  const found = await vscode.workspace.findFiles(pickerGlob(), EXCLUDE_GLOB, 2000);
  const active = vscode.window.activeTextEditor?.document.uri.fsPath;
  const candidates = runCandidates(found.map((u) => u.fsPath));
  candidates.sort((a, b) => Number(b.path === active || (active?.startsWith(b.path + path.sep) ?? false)) - Number(a.path === active || (active?.startsWith(a.path + path.sep) ?? false)));
  const items: LogPick[] = candidates.map((c) => ({
    label: `${c.kind === 'run' ? '$(folder)' : c.files.length > 1 ? '$(files)' : '$(file)'} ${path.basename(c.path)}`,
    description: folderLabel(path.dirname(c.path)),
    detail: c.kind === 'run' ? `run: ${c.files.join(', ')}` : c.files.length > 1 ? `${c.files.length} files: ${c.files.slice(0, 4).join(', ')}${c.files.length > 4 ? ', …' : ''}` : undefined,
    uris: [vscode.Uri.file(c.path)],
  }));
  items.push({ label: '$(folder-opened) Browse for a file or folder…', alwaysShow: true });
  const choice = await vscode.window.showQuickPick(items, {
    title: purpose.title,
    placeHolder: candidates.length
      ? 'Choose a training run (a folder of metric logs) or a prediction dump'
      : 'No training logs or prediction dumps found in this workspace: browse for one',
    matchOnDescription: true,
    matchOnDetail: true,
  });
  if (!choice) return undefined;
  if (choice.uris) return choice.uris;
  return vscode.window.showOpenDialog({
    title: 'Choose a training log, a run folder, or a prediction dump',
    canSelectFiles: true,
    canSelectFolders: true,
    canSelectMany: true,
    openLabel: purpose.openLabel,
  });
}
