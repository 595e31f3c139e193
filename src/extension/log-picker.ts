import * as path from 'node:path';
import * as vscode from 'vscode';

/** File kinds the engine reads as prediction dumps (log-formats.md). */
export const PREDICTION_DUMP_GLOB = '**/*.{jsonl,jsonl.gz,ndjson,csv,csv.gz,npz,npy,safetensors}';
const EXCLUDE_GLOB = '{**/node_modules/**,**/.git/**,**/.vscode-test/**}';

interface LogPick extends vscode.QuickPickItem {
  uris?: vscode.Uri[];
}

/**
 * Asks which training log to analyze: the dumps in the workspace (the active editor's file first),
 * or any file or folder through the open dialog. Resolves undefined when the user backs out.
 */
export async function pickPredictionDump(): Promise<vscode.Uri[] | undefined> {
  const found = await vscode.workspace.findFiles(PREDICTION_DUMP_GLOB, EXCLUDE_GLOB, 500);
  const active = vscode.window.activeTextEditor?.document.uri;
  found.sort((a, b) => {
    if (active && a.toString() === active.toString()) return -1;
    if (active && b.toString() === active.toString()) return 1;
    return a.fsPath.localeCompare(b.fsPath);
  });
  const items: LogPick[] = found.map((uri) => ({
    label: path.basename(uri.fsPath),
    description: vscode.workspace.asRelativePath(path.dirname(uri.fsPath)),
    uris: [uri],
  }));
  items.push({ label: '$(folder-opened) Browse for a file or folder…', alwaysShow: true });
  const choice = await vscode.window.showQuickPick(items, {
    title: 'Analyze Focal Loss',
    placeHolder: found.length
      ? 'Choose a prediction dump (JSONL, CSV, NumPy, safetensors)'
      : 'No prediction dumps found in this workspace: browse for one',
    matchOnDescription: true,
  });
  if (!choice) return undefined;
  if (choice.uris) return choice.uris;
  return vscode.window.showOpenDialog({
    title: 'Choose a prediction dump, or a folder of per-epoch .npz files',
    canSelectFiles: true,
    canSelectFolders: true,
    canSelectMany: true,
    openLabel: 'Analyze',
  });
}
