// "Focal Lens: Install Native Backend": @tensorflow/tfjs-node-gpu or @tensorflow/tfjs-node, installed
// with npm into the extension's global storage (npm's log in an output channel), then loaded by the
// engine's own process (`focal-lens backend`) to check it works there. Every analysis looks in that
// folder and in focalLens.nativeBackendPath. When any step fails the user reads why, and the
// analyses go on computing on WebAssembly.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SelectedBackend } from '../core/compute/backend';
import { NATIVE_PACKAGE_VERSION, NATIVE_PACKAGES, type NativePackage } from '../core/compute/native-packages';
import type { CliErrorEvent } from '../protocol/cli-events';
import { spawnCli } from './analysis-runner';
import type { Config } from './config';
import { npmInstall } from './npm-install';

const PACKAGE_DETAIL: Record<NativePackage, { label: string; detail: string }> = {
  '@tensorflow/tfjs-node-gpu': { label: 'GPU (CUDA)', detail: 'TensorFlow on an NVIDIA GPU: Linux x64 or Windows with CUDA 11.2 and cuDNN 8.1 installed' },
  '@tensorflow/tfjs-node': { label: 'CPU', detail: 'TensorFlow on the CPU: native code, usually faster than WebAssembly' },
};

/** Ten minutes: npm fetches the package, then its install script downloads libtensorflow (hundreds of MB for the GPU build). */
const INSTALL_TIMEOUT_MS = 10 * 60_000;
const CHECK_TIMEOUT_MS = 60_000;

export type InstallOutcome =
  | { installed: true; loads: true; backend: SelectedBackend }
  | { installed: boolean; loads: false; reason: string }
  | { installed: false; loads: false; cancelled: true };

/** The most of npm's output kept for `log` (the output channel has all of it). */
const MAX_LOG_CHARS = 200_000;

export class NativeBackend implements vscode.Disposable {
  private channel: vscode.OutputChannel | undefined;
  private text = '';

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly config: Config,
  ) {}

  /** Where the command installs (an npm prefix: the package lands in its node_modules). */
  get installDir(): string {
    return path.join(this.context.globalStorageUri.fsPath, 'native-backend');
  }

  /** The folders every analysis looks in for a native package: the setting's, then the installed copy. */
  paths(): string[] {
    return [...(this.config.nativeBackendPath ? [this.config.nativeBackendPath] : []), this.installDir];
  }

  private get output(): vscode.OutputChannel {
    this.channel ??= vscode.window.createOutputChannel('Focal Lens: Native Backend');
    return this.channel;
  }

  /** What the output channel shows: npm's log of the installs and the load checks (tests read it). */
  get log(): string {
    return this.text;
  }

  private append(text: string): void {
    this.output.append(text);
    this.text = (this.text + text).slice(-MAX_LOG_CHARS);
  }

  /** Asks which package (unless given), installs it with progress, checks it loads, and says how it went. */
  async install(pkg?: NativePackage, timeoutMs = INSTALL_TIMEOUT_MS): Promise<InstallOutcome | undefined> {
    const chosen = pkg ?? (await this.pick());
    if (!chosen) return undefined;
    const spec = `${chosen}@${NATIVE_PACKAGE_VERSION}`;
    this.output.show(true);
    const outcome = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Focal Lens: installing ${chosen}`, cancellable: true },
      async (progress, token): Promise<InstallOutcome> => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort());
        progress.report({ message: 'npm install (the log is in the output panel)…' });
        const result = await npmInstall({ prefix: this.installDir, spec, timeoutMs, signal: abort.signal, onOutput: (text) => this.append(text) });
        if (!result.ok) return result.cancelled ? { installed: false, loads: false, cancelled: true } : { installed: false, loads: false, reason: result.reason };
        progress.report({ message: 'checking that it loads where the analyses run…' });
        const check = await this.check();
        return 'reason' in check ? { installed: true, loads: false, reason: check.reason } : { installed: true, loads: true, backend: check };
      },
    );
    void this.tell(chosen, outcome);
    return outcome;
  }

  /** Loads the native backend the way an analysis does, in the engine's own process. */
  check(): Promise<SelectedBackend | { reason: string }> {
    const args = ['backend', '--backend', 'tensorflow', '--format', 'json', ...this.paths().map((p) => `--native-backend=${p}`)];
    return new Promise((resolve) => {
      const child = spawnCli(this.context.extensionUri, args);
      child.stdin.end();
      let out = '';
      const timer = setTimeout(() => {
        child.kill('SIGTERM');
        resolve({ reason: `the check did not finish within ${CHECK_TIMEOUT_MS / 1000} s` });
      }, CHECK_TIMEOUT_MS);
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
      child.stderr.on('data', (chunk: Buffer) => this.append(chunk.toString('utf8')));
      child.on('close', () => {
        clearTimeout(timer);
        try {
          const answer = JSON.parse(out) as SelectedBackend | CliErrorEvent;
          resolve('type' in answer ? { reason: answer.backend?.reason ?? answer.message } : answer);
        } catch {
          resolve({ reason: `the check printed no answer (${out.trim().slice(0, 200) || 'nothing'})` });
        }
      });
    });
  }

  private async pick(): Promise<NativePackage | undefined> {
    const items = NATIVE_PACKAGES.map((name) => ({ label: PACKAGE_DETAIL[name].label, description: name, detail: PACKAGE_DETAIL[name].detail, name }));
    const choice = await vscode.window.showQuickPick(items, {
      title: 'Focal Lens: install a native TensorFlow backend',
      placeHolder: 'Which one? Without it Focal Lens computes on WebAssembly, which always works.',
    });
    return choice?.name;
  }

  private async tell(pkg: NativePackage, outcome: InstallOutcome): Promise<void> {
    if ('cancelled' in outcome) return;
    if (outcome.loads) {
      void vscode.window.showInformationMessage(`Focal Lens: ${pkg} is installed; analyses now compute on ${outcome.backend.detail}.`);
      return;
    }
    const what = outcome.installed ? `installed ${pkg}, but it does not load where the analyses run` : `could not install ${pkg}`;
    const showLog = 'Show npm Log';
    const choice = await vscode.window.showErrorMessage(`Focal Lens ${what}: ${outcome.reason}. Analyses keep computing on WebAssembly.`, showLog);
    if (choice === showLog) this.output.show();
  }

  dispose(): void {
    this.channel?.dispose();
  }
}
