// What the integration suites share: the extension's API, the workspace's files, polling.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { FocalLensApi } from '../../src/extension/extension';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function api(): Promise<FocalLensApi> {
  const ext = vscode.extensions.getExtension<FocalLensApi>('focal-lens.focal-lens');
  assert.ok(ext, 'Focal Lens is not installed');
  return ext.isActive ? ext.exports : ext.activate();
}

export function workspaceFile(...parts: string[]): string {
  const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  assert.ok(root, 'no workspace folder is open');
  return path.join(root, ...parts);
}

/** `get()` again every 150 ms until `ok` likes it. */
export async function poll<T>(get: () => Thenable<T> | T, ok: (v: T) => boolean, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await get();
  while (!ok(last)) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}; last: ${JSON.stringify(last)?.slice(0, 400)}`);
    await sleep(150);
    last = await get();
  }
  return last;
}
