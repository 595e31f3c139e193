import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { parseCliEvent } from '../protocol/cli-events';
import type { SamplesAnswer } from '../protocol/messages';
import type { EpochSamplesHeader } from '../core/samples/format';
import type { AnalysisStore } from './analysis-store';

/** Epoch files kept on disk for switching back (each up to maxSamples x classes x 4 bytes). */
const KEPT_FILES = 4;

/**
 * One epoch's per-sample data for the report webview's live what-if and p_t histograms. The JSON
 * report holds summaries only; `focal-lens samples` reads the epoch from the dump again in a child
 * process (parsing stays off the extension host's thread, as the analysis does) and writes a
 * binary file to a temporary folder; the host reads it asynchronously and posts its bytes to the
 * webview, which VS Code sends as binary (a Uint8Array), not as JSON. A few epochs' files are kept
 * for switching back. (Letting the webview fetch the file as a resource instead was slower in
 * code-server: 19 s against 10 s for 44 MB.)
 */
export class EpochSamplesProvider implements vscode.Disposable {
  private folder: Promise<string> | undefined;
  private readonly files = new Map<string, { file: string; header: EpochSamplesHeader }>();
  private running: { key: string; kill(): void } | undefined;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly store: AnalysisStore,
    /** focalLens.maxSamplesToWebview: per-sample rows the webview receives for one epoch (more are sampled). */
    private readonly maxSamplesToWebview: () => number,
  ) {}

  async get(epoch: number): Promise<SamplesAnswer> {
    const started = Date.now();
    const state = this.store.state;
    if (state.phase !== 'done') return { state: 'unavailable', epoch, message: 'No report.' };
    const basis = state.report.basis ?? 'predictions';
    if (basis !== 'predictions') {
      return {
        state: 'unavailable',
        epoch,
        message:
          basis === 'metrics'
            ? 'This report was judged from logged metrics: there are no per-sample predictions, so no live what-if and no p_t histograms. A prediction dump gives them (see "Get a dump from your training").'
            : 'This report was estimated from PR-curve bins: there are no per-sample predictions, so no live what-if and no p_t histograms; the what-if rows below are the estimate from the bins.',
      };
    }
    if (!state.logPaths?.length) return { state: 'unavailable', epoch, message: 'The files of this report are not known (a report from an older version): analyze the run again.' };
    const maxSamples = Math.max(1, Math.floor(this.maxSamplesToWebview()));
    const key = JSON.stringify([state.logPaths, state.finishedAt ?? 0, epoch, maxSamples]);
    try {
      const kept = this.files.get(key) ?? (await this.extract(key, state.logPaths, epoch, maxSamples));
      // most recently used last: the first is the one to drop
      this.files.delete(key);
      this.files.set(key, kept);
      void this.prune();
      const bytes = await readFile(kept.file);
      const postedAt = Date.now();
      return { state: 'ready', epoch, header: kept.header, data: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), maxSamples, hostMs: postedAt - started, postedAt };
    } catch (err) {
      return { state: 'failed', epoch, message: (err as Error).message };
    }
  }

  private extract(key: string, logPaths: string[], epoch: number, maxSamples: number): Promise<{ file: string; header: EpochSamplesHeader }> {
    // a newer request (the user scrubbed on) supersedes the one running
    this.running?.kill();
    return new Promise((resolve, reject) => {
      void (async () => {
        this.folder ??= mkdtemp(path.join(tmpdir(), 'focal-lens-samples-'));
        const file = path.join(await this.folder, `epoch-${epoch}-${this.files.size}-${Date.now()}.bin`);
        const cli = path.join(this.extensionUri.fsPath, 'dist', 'cli.js');
        const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(logPaths[0]!));
        const child = spawn(process.execPath, [cli, 'samples', `--epoch=${epoch}`, `--max-samples=${maxSamples}`, `--out=${file}`, '--progress=json', '--', ...logPaths], {
          ...(folder ? { cwd: folder.uri.fsPath } : {}),
          env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
          stdio: ['ignore', 'pipe', 'pipe'],
          windowsHide: true,
        });
        let superseded = false;
        this.running = { key, kill: () => ((superseded = true), child.kill('SIGTERM')) };
        let stdout = '';
        let stderr = '';
        child.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t));
        child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
        child.on('error', reject);
        child.on('close', (code) => {
          if (this.running?.key === key) this.running = undefined;
          if (superseded) return reject(new Error(`superseded: another epoch was asked for`));
          if (code !== 0) {
            const event = stderr.split('\n').map(parseCliEvent).find((e) => e?.type === 'error');
            return reject(new Error(event?.type === 'error' ? event.message : stderr.trim() || `focal-lens samples exited with ${code}`));
          }
          try {
            resolve({ file, header: JSON.parse(stdout) as EpochSamplesHeader });
          } catch (err) {
            reject(new Error(`focal-lens samples printed no header: ${(err as Error).message}`));
          }
        });
      })().catch(reject);
    });
  }

  private async prune(): Promise<void> {
    while (this.files.size > KEPT_FILES) {
      const [oldest, kept] = this.files.entries().next().value as [string, { file: string }];
      this.files.delete(oldest);
      await rm(kept.file, { force: true });
    }
  }

  dispose(): void {
    this.running?.kill();
    const folder = this.folder;
    this.files.clear();
    if (folder) void folder.then((f) => rm(f, { recursive: true, force: true }));
  }
}
