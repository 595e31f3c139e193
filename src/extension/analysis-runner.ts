import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AnalysisReport } from '../core/report';
import { parseCliEvent, type CliErrorKind, type CliEvent } from '../protocol/cli-events';
import { analysisArgs, type AnalysisRequest } from '../protocol/analysis-request';

export type { AnalysisRequest };

export interface AnalysisProgress {
  fraction: number | null;
  message: string;
}

/** The CLI refused the input or the settings: its message names the file and line, shown as is. */
export class AnalysisInputError extends Error {
  constructor(
    message: string,
    /** What was wrong: only a `record` can be skipped by re-running leniently. */
    readonly kind: CliErrorKind,
    /** Loss settings the log's meta lacks (the user can supply them). */
    readonly missing: readonly ('alpha' | 'gamma')[] = [],
    readonly file?: string,
  ) {
    super(message);
  }
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
    const child = spawnCli(extensionUri, 'analyze', request);
    const stdout: Buffer[] = [];
    const stderrLines: string[] = [];
    let pending = '';
    let failure: Extract<CliEvent, { type: 'error' }> | undefined;
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
      reject(code === 2 ? new AnalysisInputError(message, failure?.kind ?? 'file', failure?.missing, failure?.file) : new Error(message));
    });
  });
}

/**
 * `focal-lens <command>` for a request (JSON output, JSON progress on stderr), run by the Node of
 * the extension host. ELECTRON_RUN_AS_NODE makes desktop VS Code's executable behave as plain
 * Node; code-server and remote hosts already run on Node, where the variable is ignored. File
 * names in messages and reports are relative to the workspace folder of the first log.
 */
export function spawnCli(extensionUri: vscode.Uri, command: 'analyze' | 'watch', request: AnalysisRequest): ChildProcessWithoutNullStreams {
  const cli = path.join(extensionUri.fsPath, 'dist', 'cli.js');
  const folder = request.logPaths[0] ? vscode.workspace.getWorkspaceFolder(vscode.Uri.file(request.logPaths[0])) : undefined;
  const child = spawn(process.execPath, [cli, command, ...analysisArgs(request)], {
    ...(folder ? { cwd: folder.uri.fsPath } : {}),
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
    windowsHide: true,
  });
  child.stdin.end();
  return child;
}
