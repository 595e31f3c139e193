// The extension's settings as data: every `focalLens.*` key, its default and how a raw value is read
// (an invalid one falls back to the default). No `vscode` import: config.ts reads VS Code's
// configuration through this table, and a unit test checks it against package.json.
import type { BackendPreference } from '../core/compute/backend';
import type { Objective } from '../core/report';
import { COLLAPSE_THRESHOLD_KEYS, COLLAPSE_THRESHOLDS, collapseThresholdProblem, type CollapseThresholds } from '../protocol/analysis-request';

interface SettingSpec<T> {
  default: T;
  /** The value when `raw` is valid, else undefined (the default applies). */
  read(raw: unknown): T | undefined;
}

const oneOf =
  <T extends string>(values: readonly T[]) =>
  (raw: unknown): T | undefined =>
    values.includes(raw as T) ? (raw as T) : undefined;
const text = (raw: unknown): string | undefined => (typeof raw === 'string' ? raw.trim() : undefined);
const numberIn =
  (min: number, max: number, open = false) =>
  (raw: unknown): number | undefined =>
    typeof raw === 'number' && (open ? raw > min && raw < max : raw >= min && raw <= max) ? raw : undefined;

const spec = <T>(s: SettingSpec<T>): SettingSpec<T> => s;

const collapseSpecs = Object.fromEntries(
  COLLAPSE_THRESHOLD_KEYS.map((key) => [
    `collapse.${key}`,
    spec<number>({ default: COLLAPSE_THRESHOLDS[key].default, read: (raw) => (typeof raw === 'number' && collapseThresholdProblem(key, raw) === null ? raw : undefined) }),
  ]),
) as { [K in keyof CollapseThresholds as `collapse.${K}`]: SettingSpec<number> };

/** Every setting under `focalLens.`, with its default: the one place the extension's defaults live. */
export const SETTINGS = {
  computeBackend: spec<BackendPreference>({ default: 'auto', read: oneOf(['auto', 'tensorflow', 'wasm', 'cpu'] as const) }),
  nativeBackendPath: spec<string>({ default: '', read: text }),
  'inlayHints.enabled': spec<boolean>({ default: true, read: (raw) => (typeof raw === 'boolean' ? raw : undefined) }),
  prevalence: spec<number | null>({ default: null, read: (raw) => (raw === null ? null : numberIn(0, 1, true)(raw)) }),
  threshold: spec<number>({ default: 0.5, read: numberIn(0, 1, true) }),
  objective: spec<Objective>({ default: 'macro-f1', read: oneOf(['macro-f1', 'balanced-accuracy', 'accuracy'] as const) }),
  defaultConvention: spec<string>({ default: '', read: text }),
  whatIfSamplesPerClass: spec<number>({ default: 32_768, read: (raw) => (typeof raw === 'number' && Number.isInteger(raw) && raw >= 0 ? raw : undefined) }),
  maxSamplesToWebview: spec<number>({ default: 1_000_000, read: (raw) => (typeof raw === 'number' && Number.isInteger(raw) && raw >= 1000 ? raw : undefined) }),
  ...collapseSpecs,
};

export type SettingKey = keyof typeof SETTINGS;
export type SettingValue<K extends SettingKey> = (typeof SETTINGS)[K] extends SettingSpec<infer T> ? T : never;

export const SETTING_KEYS = Object.keys(SETTINGS) as SettingKey[];

/** A raw configuration value read through its spec: the value, or the default when absent or invalid. */
export function readSetting<K extends SettingKey>(key: K, raw: unknown): SettingValue<K> {
  const s = SETTINGS[key] as unknown as SettingSpec<SettingValue<K>>;
  return raw === undefined ? s.default : (s.read(raw) ?? s.default);
}

/** What a change of each setting invalidates: the shown analysis (re-run it) or the editor hints (refresh them). */
export const AFFECTS: Record<SettingKey, 'analysis' | 'hints' | 'webview'> = {
  ...(Object.fromEntries(SETTING_KEYS.map((k) => [k, 'analysis'])) as Record<SettingKey, 'analysis'>),
  'inlayHints.enabled': 'hints',
  prevalence: 'hints',
  maxSamplesToWebview: 'webview',
};
