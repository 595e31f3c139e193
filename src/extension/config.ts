// The one reader of the `focalLens.*` settings (rust-analyzer's editors/code/src/config.ts is the
// model): typed getters over the table of config-schema.ts (defaults live there), and one change
// event that says which settings changed. Nothing else in the extension calls getConfiguration.
import * as vscode from 'vscode';
import type { BackendPreference } from '../core/compute/backend';
import type { Objective } from '../core/report';
import { COLLAPSE_THRESHOLD_KEYS, type AnalysisRequest, type CollapseThresholds } from '../protocol/analysis-request';
import { readSetting, SETTING_KEYS, type SettingKey, type SettingValue } from './config-schema';

export type { SettingKey } from './config-schema';

const SECTION = 'focalLens';

export class Config implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ReadonlySet<SettingKey>>();
  /** Fires with the settings whose effective value may have changed (in any scope). */
  readonly onDidChange = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor() {
    this.subscription = vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration(SECTION)) return;
      const keys = new Set(SETTING_KEYS.filter((k) => e.affectsConfiguration(`${SECTION}.${k}`)));
      if (keys.size) this.changed.fire(keys);
    });
  }

  /** A setting's value (for a resource's scope when given), the default when unset or invalid. */
  get<K extends SettingKey>(key: K, scope?: vscode.Uri): SettingValue<K> {
    return readSetting(key, vscode.workspace.getConfiguration(SECTION, scope).get<unknown>(key));
  }

  get computeBackend(): BackendPreference {
    return this.get('computeBackend');
  }

  /** A folder holding an installed @tensorflow/tfjs-node(-gpu), or undefined. */
  get nativeBackendPath(): string | undefined {
    return this.get('nativeBackendPath') || undefined;
  }

  get threshold(): number {
    return this.get('threshold');
  }

  get objective(): Objective {
    return this.get('objective');
  }

  get collapse(): CollapseThresholds {
    return Object.fromEntries(COLLAPSE_THRESHOLD_KEYS.map((k) => [k, this.get(`collapse.${k}`)])) as unknown as CollapseThresholds;
  }

  /** The convention (an id or a library name) to use when a log needs one and none is known; undefined: ask. */
  get defaultConvention(): string | undefined {
    return this.get('defaultConvention') || undefined;
  }

  /** The most per-sample scores a report webview may be sent (it samples beyond). */
  get maxSamplesToWebview(): number {
    return this.get('maxSamplesToWebview');
  }

  inlayHintsEnabled(scope?: vscode.Uri): boolean {
    return this.get('inlayHints.enabled', scope);
  }

  /** The positive share hints assume when no comment or linked log gives it. */
  prevalence(scope?: vscode.Uri): number | null {
    return this.get('prevalence', scope);
  }

  /** Softmax samples of each class of the last epoch the what-if uses; 0: every sample. */
  get whatIfSamplesPerClass(): number {
    return this.get('whatIfSamplesPerClass');
  }

  /** The settings every analysis request carries. */
  analysisSettings(): Pick<AnalysisRequest, 'backend' | 'threshold' | 'objective' | 'collapse' | 'whatIfSamplesPerClass'> {
    return { backend: this.computeBackend, threshold: this.threshold, objective: this.objective, collapse: this.collapse, whatIfSamplesPerClass: this.whatIfSamplesPerClass };
  }

  /** Sets the backend in the workspace's settings when it is set there, else in the user's. */
  async setComputeBackend(backend: BackendPreference): Promise<void> {
    const cfg = vscode.workspace.getConfiguration(SECTION);
    const where = cfg.inspect('computeBackend');
    const inWorkspace = where?.workspaceValue !== undefined || where?.workspaceFolderValue !== undefined;
    await cfg.update('computeBackend', backend, inWorkspace ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global);
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
