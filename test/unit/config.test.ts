// The extension's settings: one table (src/extension/config-schema.ts) whose defaults, values and
// ranges are package.json's, and the verdict thresholds' defaults are the verdict's own.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_THRESHOLDS } from '../../src/core/analysis/verdict';
import { AFFECTS, readSetting, SETTING_KEYS, SETTINGS, type SettingKey } from '../../src/extension/config-schema';
import { COLLAPSE_THRESHOLD_KEYS, COLLAPSE_THRESHOLDS } from '../../src/protocol/analysis-request';

interface Property {
  type: string | string[];
  default: unknown;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  markdownDescription?: string;
  description?: string;
}

const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { contributes: { configuration: { properties: Record<string, Property> } } };
const properties = pkg.contributes.configuration.properties;

describe('settings: config.ts against package.json', () => {
  it('every setting of package.json is in the table, with the same default, and no other', () => {
    const declared = Object.keys(properties).map((k) => k.replace(/^focalLens\./, '')).sort();
    assert.deepEqual([...SETTING_KEYS].sort(), declared);
    for (const key of SETTING_KEYS) {
      const p = properties[`focalLens.${key}`]!;
      assert.deepEqual(SETTINGS[key].default, p.default, key);
      assert.ok((p.markdownDescription ?? p.description ?? '').length > 20, `${key} has a description`);
      assert.equal(readSetting(key, undefined), p.default, key);
    }
  });

  it('reads what package.json allows and falls back to the default for what it does not', () => {
    for (const key of SETTING_KEYS) {
      const p = properties[`focalLens.${key}`]!;
      for (const v of p.enum ?? []) assert.equal(readSetting(key, v), v, `${key} = ${String(v)}`);
      const low = p.minimum ?? p.exclusiveMinimum;
      if (low !== undefined) {
        assert.equal(readSetting(key, low - 1), p.default, `${key} below its minimum`);
        assert.equal(readSetting(key, low), p.exclusiveMinimum !== undefined ? p.default : low, `${key} at its minimum`);
      }
      const high = p.maximum ?? p.exclusiveMaximum;
      if (high !== undefined) assert.equal(readSetting(key, high + 1), p.default, `${key} above its maximum`);
      assert.equal(readSetting(key, { not: 'a value' }), p.default, `${key} of the wrong type`);
    }
    assert.equal(readSetting('collapse.driftWindow', 2.5), 3, 'a window is whole epochs');
    assert.equal(readSetting('threshold', 0.3), 0.3);
  });

  it('the collapse settings are the verdict thresholds, their defaults the verdict\'s', () => {
    for (const k of COLLAPSE_THRESHOLD_KEYS) {
      assert.equal(properties[`focalLens.collapse.${k}`]?.default, DEFAULT_THRESHOLDS[k], k);
      assert.equal(properties[`focalLens.collapse.${k}`]?.type, COLLAPSE_THRESHOLDS[k].integer ? 'integer' : 'number', k);
    }
  });

  it('every setting says what a change of it redoes', () => {
    const hints: SettingKey[] = ['inlayHints.enabled', 'prevalence'];
    for (const k of SETTING_KEYS) assert.equal(AFFECTS[k], hints.includes(k) ? 'hints' : k === 'maxSamplesToWebview' ? 'webview' : 'analysis', k);
  });

  it("the README's settings table has every setting once, with package.json's default", () => {
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
    const rows = [...readme.matchAll(/^\| `focalLens\.([\w.]+)` \| `([^`]*)` \|/gm)].map((m) => [m[1]!, m[2]!] as const);
    assert.deepEqual(rows.map(([k]) => k).sort(), [...SETTING_KEYS].sort());
    for (const [key, shown] of rows) {
      const d = properties[`focalLens.${key}`]!.default;
      assert.equal(shown, d === '' ? '""' : String(d), key);
    }
  });
});
