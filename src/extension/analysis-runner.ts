import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AnalysisReport } from '../core/report';
import type { LossSetting } from '../core/errors';
import { parseCliEvent, type CliErrorEvent, type CliErrorKind } from '../protocol/cli-events';
import { analysisArgs, type AnalysisRequest } from '../protocol/analysis-request';

export type { AnalysisRequest };

export interface AnalysisProgress {
  fraction: number | null;
  message: string;
}

/**
 * The CLI refused the input or the settings (exit code 2). The message says what is wrong without
 * flags (naming file and line for bad input); `event` carries what a fix needs, worded by words.ts.
 */
export class AnalysisError extends Error {
  /** What was wrong: only a `record` can be skipped by re-running leniently. */
  readonly kind: CliErrorKind;
  /** Loss settings the log does not record (the user can supply them). */
  readonly missing: readonly LossSetting[];
  readonly file?: string;

  constructor(readonly event: CliErrorEvent) {
    super(event.message);
    this.kind = event.kind;
    this.missing = event.missing ?? [];
    if (event.file !== undefined) this.file = event.file;
  }
}

/**
 * Starts the bundled CLI (dist/cli.js) in a child Node process. ELECTRON_RUN_AS_NODE makes desktop
 * VS Code's executable behave as plain Node; code-server and remote hosts already run on Node,
 * where the variable is ignored.
 */
export function spawnCli(extensionUri: vscode.Uri, args: string[], cwd?: string): ChildProcessWithoutNullStreams {
  const cli = path.join(extensionUri.fsPath, 'dist', 'cli.js');
  return spawn(process.execPath, [cli, ...args], {
    ...(cwd ? { cwd } : {}),
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
    windowsHide: true,
  });
}

/**
 * Runs `focal-lens analyze` in a child Node process: parsing hundreds of megabytes and the tfjs
 * kernels stay off the extension host's thread, a cancellation kills the process at once, and the
 * extension runs exactly the code the CLI users run. Progress arrives as JSON lines on stderr.
 */
export function runAnalysisProcess(
  extensionUri: vscode.Uri,
  request: AnalysisRequest,
  onProgress: (progress: AnalysisProgress) => void,
  token: vscode.CancellationToken,
): Promise<AnalysisReport | undefined> {
  return new Promise((resolve, reject) => {
    const child = spawnForRequest(extensionUri, 'analyze', request);
    const stdout: Buffer[] = [];
    const stderrLines: string[] = [];
    let pending = '';
    let failure: CliErrorEvent | undefined;
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => {
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const event = parseCliEvent(line);
        if (event?.type === 'progress') onProgress({ fraction: event.fraction ?? null, message: event.message ?? '' });
        else if (event?.type === 'error') failure = event;
        else if (line.trim()) stderrLines.push(line);
      }
    });
    const cancellation = token.onCancellationRequested(() => child.kill('SIGTERM'));
    // cancelled before the child started: the listener above never fires
    if (token.isCancellationRequested) child.kill('SIGTERM');
    child.on('error', (err) => {
      cancellation.dispose();
      reject(err);
    });
    child.on('close', (code, signal) => {
      cancellation.dispose();
      if (pending.trim()) stderrLines.push(pending);
      if (token.isCancellationRequested || signal) return resolve(undefined);
      if (code === 0 || code === 3) {
        try {
          resolve(JSON.parse(Buffer.concat(stdout).toString('utf8')) as AnalysisReport);
        } catch (err) {
          reject(new Error(`focal-lens analyze printed no valid report: ${(err as Error).message}`));
        }
        return;
      }
      const message = failure?.message ?? (stderrLines.join('\n').replace(/^focal-lens: /, '') || `focal-lens analyze exited with ${code}`);
      reject(code === 2 ? new AnalysisError(failure ?? { type: 'error', kind: 'file', exitCode: 2, message }) : new Error(message));
    });
  });
}

/**
 * `focal-lens analyze` or `watch` for a request (JSON output, JSON progress on stderr). File names
 * in its messages and reports are relative to the workspace folder of the first log.
 */
export function spawnForRequest(extensionUri: vscode.Uri, command: 'analyze' | 'watch', request: AnalysisRequest): ChildProcessWithoutNullStreams {
  const folder = request.logPaths[0] ? vscode.workspace.getWorkspaceFolder(vscode.Uri.file(request.logPaths[0])) : undefined;
  const child = spawnCli(extensionUri, [command, ...analysisArgs(request)], folder?.uri.fsPath);
  child.stdin.end();
  return child;
}
