import { spawn } from 'node:child_process';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AnalysisReport } from '../core/report';
import { parseCliEvent, type CliErrorKind, type CliEvent } from '../protocol/cli-events';

export interface AnalysisRequest {
  logPaths: string[];
  /** null: the loss has no alpha. */
  alpha?: number | number[] | null;
  gamma?: number;
  convention?: string;
  /** Skip unreadable records (counted and reported) instead of stopping at the first. */
  lenient?: boolean;
  /**
   * The settings of the config file the log is linked from: they fill in what the log's meta
   * lacks, and never override it (the log records what the run trained with).
   */
  config?: { alpha?: number | number[] | null; gamma?: number; convention?: string; source?: string };
}

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
  const cli = path.join(extensionUri.fsPath, 'dist', 'cli.js');
  const backend = vscode.workspace.getConfiguration('focalLens').get<string>('computeBackend', 'auto');
  const args = [cli, 'analyze', ...request.logPaths, '--format', 'json', '--progress', 'json', '--backend', backend];
  // `--flag=value` keeps a negative number from reading as an option.
  if (Array.isArray(request.alpha)) args.push(`--alpha-vector=${request.alpha.join(',')}`);
  else if (request.alpha !== undefined) args.push(`--alpha=${request.alpha === null ? 'off' : request.alpha}`);
  if (request.gamma !== undefined) args.push(`--gamma=${request.gamma}`);
  if (request.convention !== undefined) args.push('--convention', request.convention);
  if (request.lenient) args.push('--lenient');
  const cfg = request.config;
  if (cfg) {
    if (Array.isArray(cfg.alpha)) args.push(`--config-alpha-vector=${cfg.alpha.join(',')}`);
    else if (cfg.alpha !== undefined) args.push(`--config-alpha=${cfg.alpha === null ? 'off' : cfg.alpha}`);
    if (cfg.gamma !== undefined) args.push(`--config-gamma=${cfg.gamma}`);
    if (cfg.convention !== undefined) args.push('--config-convention', cfg.convention);
    if (cfg.source !== undefined) args.push('--config-source', cfg.source);
  }

  return new Promise((resolve, reject) => {
    // ELECTRON_RUN_AS_NODE makes desktop VS Code's executable behave as plain Node; code-server
    // and remote hosts already run on Node, where the variable is ignored.
    // file names in messages and the report are relative to the workspace folder of the first log
    const folder = request.logPaths[0] ? vscode.workspace.getWorkspaceFolder(vscode.Uri.file(request.logPaths[0])) : undefined;
    const child = spawn(process.execPath, args, {
      ...(folder ? { cwd: folder.uri.fsPath } : {}),
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
    });
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
