/**
 * Loss settings a run's config records, read (never executed) with the same parsers and library
 * table as the inline hints: `loss_cls=dict(type='FocalLoss', alpha=0.25, gamma=2.0)` in an
 * MMDetection config, Detectron2's MODEL.RETINANET.FOCAL_LOSS_*, YOLOv5's fl_gamma, Lightning's
 * hparams.yaml, a Hugging Face config.json's focal_* keys. Also the class names and the number of
 * classes where the config says them.
 */
import { analyzeHints, type HintLanguage } from '../hints';
import { nestsTooDeep } from '../hints/analysis';
import { jsonEntries } from '../hints/json';
import { yamlEntries } from '../hints/yaml';
import type { KeyedEntry } from '../hints/keyed';
import { LineIndex } from '../hints/text-index';
import { conventionInText, lookupConvention } from '../conventions';
import type { LossKind } from '../report';
import { lossKindInText, type FoundSetting, type SettingOrigin } from './settings';

/** YOLOv5 / ultralytics FocalLoss: alpha is not a hyperparameter, the class hard-codes 0.25. */
const YOLO_ALPHA_DEFAULT = 0.25;

const CLASS_KEYS = /^(class_names|classes|names|labels|target_names|categories)$/i;
const CONVENTION_KEY = /(^|_)convention$/i;
const LOSS_NAME_KEY = /^(loss|loss_type|loss_fn|loss_name|focal_loss|criterion)$/i;

/**
 * Settings in one config's text. `detail` qualifies the origin ("the log's meta config");
 * `topLevelParams` accepts plain top-level `alpha` / `gamma` (Lightning's hparams.yaml holds the
 * LightningModule's own arguments, so an `alpha` there is the loss's).
 */
export function configTextSettings(text: string, language: HintLanguage, file: string, detail?: string, topLevelParams = false): FoundSetting[] {
  const out: FoundSetting[] = [];
  const origin = (line: number | undefined, key?: string, extra?: string): SettingOrigin => ({
    kind: 'config',
    file,
    ...(line !== undefined ? { line } : {}),
    ...(key !== undefined ? { key } : {}),
    ...(detail || extra ? { detail: [detail, extra].filter(Boolean).join('; ') } : {}),
  });
  const analysis = analyzeHints(text, language);
  const hints = analysis.result;
  const site = hints.sites.find((s) => s.alpha !== undefined || s.gamma !== undefined);
  let kind: LossKind | undefined;
  if (site) {
    const findings = hints.findings.filter((f) => f.siteIndex === site.index);
    for (const f of findings) {
      if (f.value === undefined) continue; // an expression, not a literal
      if (f.parameter === 'gamma' && typeof f.value !== 'number') continue;
      out.push({ name: f.parameter, value: f.value, origin: origin(f.line, keyOf(analysis.index, f), site.library ?? undefined) });
    }
    if (site.convention !== 'unknown') {
      out.push({ name: 'convention', value: site.convention, origin: origin(site.anchor.line + 1, undefined, site.library ?? site.context) });
    }
    kind = kindOfLibrary(site.library, site.convention);
    if (kind) out.push({ name: 'loss', value: kind, origin: origin(site.anchor.line + 1, undefined, site.library ?? undefined) });
    if (site.library?.startsWith('YOLOv5') && site.alpha === undefined) {
      out.push({ name: 'alpha', value: YOLO_ALPHA_DEFAULT, origin: { kind: 'default', detail: `YOLOv5 / ultralytics FocalLoss default (alpha is not a hyperparameter there; gamma is ${file}'s fl_gamma)` } });
    }
  }
  if (language === 'yaml' || language === 'json' || language === 'jsonc') {
    out.push(...entrySettings(analysis.index, analysis.entries ?? keyedEntries(text, language), origin, topLevelParams && !site, kind));
  }
  return out;
}

/**
 * The keyed leaves of a YAML or JSON config the hints did not parse (no focal word in it), none
 * when it nests too deeply for the (recursive) parsers, as the hints' own extraction does: a config
 * never takes the analysis down.
 */
function keyedEntries(text: string, language: 'yaml' | 'json' | 'jsonc'): KeyedEntry[] {
  if (nestsTooDeep(text)) return [];
  try {
    return language === 'yaml' ? yamlEntries(text).entries : jsonEntries(text).entries;
  } catch (e) {
    // nesting by indentation, which the bracket count does not see
    if (e instanceof RangeError) return [];
    throw e;
  }
}

/**
 * The key as written before a finding's value (`FOCAL_LOSS_ALPHA`, `alpha`), from the analysis'
 * line index: one built per finding was a pass over the whole text each (a 256 KB hparams.yaml of
 * duplicated lines has thousands of findings: seconds).
 */
function keyOf(index: LineIndex, f: { range: { start: { line: number; character: number } } }): string | undefined {
  const line = index.lineText(f.range.start.line).slice(0, f.range.start.character);
  const m = /([A-Za-z_][\w.]*)\s*[:=]\s*["']?$/.exec(line);
  return m?.[1];
}

function kindOfLibrary(library: string | null, convention: string): LossKind | undefined {
  if (convention === 'class0-alpha' || convention === 'class0-complement') return 'softmax';
  if (!library) return undefined;
  return lossKindInText(library) ?? (/Categorical/.test(library) ? 'softmax' : 'sigmoid');
}

function entrySettings(index: LineIndex, entries: KeyedEntry[], origin: (line: number | undefined, key?: string, extra?: string) => SettingOrigin, topLevelParams: boolean, kind: LossKind | undefined): FoundSetting[] {
  const lineOf = (e: KeyedEntry) => index.lineOf(e.keyRange.start) + 1;
  const out: FoundSetting[] = [];
  // a Hugging Face id2label map: {"0": "neg", "1": "pos"}
  const id2label = entries.filter((e) => e.path[e.path.length - 1] === 'id2label' && /^\d+$/.test(e.key) && typeof e.value === 'string');
  if (id2label.length >= 2) {
    const names = id2label.sort((a, b) => Number(a.key) - Number(b.key)).map((e) => e.value as string);
    out.push({ name: 'classes', value: names, origin: origin(lineOf(id2label[0]!), 'id2label') });
  }
  for (const e of entries) {
    const v = e.value;
    if (CLASS_KEYS.test(e.key) && Array.isArray(v) && v.length >= 2 && v.every((x) => typeof x === 'string')) {
      out.push({ name: 'classes', value: v as string[], origin: origin(lineOf(e), e.key) });
    } else if (CONVENTION_KEY.test(e.key) && typeof v === 'string') {
      const found = lookupConvention(v, kind);
      if (found.ok) out.push({ name: 'convention', value: found.convention, origin: origin(lineOf(e), e.key, found.library ?? undefined) });
    } else if (LOSS_NAME_KEY.test(e.key) && typeof v === 'string' && /focal/i.test(v)) {
      const k = lossKindInText(v);
      const conv = conventionInText(v, k ?? kind);
      if (conv) out.push({ name: 'convention', value: conv.convention, origin: origin(lineOf(e), e.key, `${conv.library ?? conv.matched} named in ${e.key}`) });
      if (k) out.push({ name: 'loss', value: k, origin: origin(lineOf(e), e.key) });
    } else if (topLevelParams && e.path.length === 0 && /^(alpha|gamma)$/i.test(e.key)) {
      const p = e.key.toLowerCase() as 'alpha' | 'gamma';
      if (typeof v === 'number' || (p === 'alpha' && (v === null || (Array.isArray(v) && v.every((x) => typeof x === 'number'))))) {
        out.push({ name: p, value: v as number, origin: origin(lineOf(e), e.key) });
      }
    }
  }
  return out;
}
