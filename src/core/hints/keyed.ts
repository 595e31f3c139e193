/**
 * YAML, JSON and TOML configs reduce to the same thing: leaf entries with a key path and source
 * ranges. This turns those entries into focal-loss sites, from the key names and their siblings:
 * Detectron2 `MODEL.RETINANET.FOCAL_LOSS_ALPHA`, YOLOv5 `fl_gamma`, MMDetection `type: FocalLoss`,
 * Hydra `_target_`, Lightning `class_path` + `init_args`, Keras `class_name` + `config`, and
 * `alpha` / `gamma` under a node whose key names a focal loss.
 */
import { conventionInText } from '../conventions';
import { LIBRARIES, resolveMmType, resolveQualifiedName } from './libraries';
import type { ConventionSource, FlagOccurrence, FocalParameter, FocalSite, LibraryInfo, OffsetRange, ParamOccurrence } from './types';

/** A leaf's value: scalars, numeric lists (alpha vectors), string lists (class names). */
export type EntryValue = number | number[] | string[] | boolean | string | null | undefined;

export interface KeyedEntry {
  /** Keys (and `[i]` for list items) from the root to the mapping holding this entry. */
  path: string[];
  key: string;
  keyRange: OffsetRange;
  valueRange: OffsetRange;
  valueText: string;
  /** Scalar or numeric list; undefined for containers and anything else. */
  value: EntryValue;
}

const WRAPPERS = new Set(['init_args', 'config', 'params', 'kwargs', 'args']);
const TARGET_KEYS = ['_target_', 'class_path', 'class_name', '__class__'];
const NAME_KEYS = ['name', 'loss', 'loss_type', 'loss_name', 'criterion', 'type'];

function paramForKey(key: string): { parameter: FocalParameter; kind: 'detectron' | 'yolo' | 'focal' | 'generic' } | null {
  if (/^FOCAL_LOSS_ALPHA$/i.test(key)) return { parameter: 'alpha', kind: 'detectron' };
  if (/^FOCAL_LOSS_GAMMA$/i.test(key)) return { parameter: 'gamma', kind: 'detectron' };
  if (/^fl_gamma$/i.test(key)) return { parameter: 'gamma', kind: 'yolo' };
  const lower = key.toLowerCase();
  if (lower === 'alpha') return { parameter: 'alpha', kind: 'generic' };
  if (lower === 'gamma') return { parameter: 'gamma', kind: 'generic' };
  if (lower.includes('focal') || lower.startsWith('fl_')) {
    if (lower.includes('alpha')) return { parameter: 'alpha', kind: 'focal' };
    if (lower.includes('gamma')) return { parameter: 'gamma', kind: 'focal' };
  }
  return null;
}

interface Context {
  library: LibraryInfo | null;
  source: ConventionSource;
  label: string;
  focal: boolean;
}

/**
 * The library a loss name names, e.g. a Lightning `loss: torchvision.ops.sigmoid_focal_loss` or
 * `loss: focal_loss (Focal-Loss-Pytorch style ...)`: a known library (conventions.ts's aliases) or null.
 */
function libraryOfName(value: string): LibraryInfo | null {
  const found = conventionInText(value);
  if (!found) return null;
  const known = Object.values(LIBRARIES).find((l) => l.label === found.library);
  return known ?? { id: found.matched, label: found.library ?? found.matched, convention: found.convention };
}

/**
 * `topLevel`: the root mapping's alpha and gamma are loss settings even without a focal-loss key
 * beside them (Lightning's hparams.yaml); the words say where they are.
 */
export function sitesFromEntries(entries: KeyedEntry[], topLevel?: string): FocalSite[] {
  const groups = new Map<string, KeyedEntry[]>();
  const keyOf = (path: string[]): string => path.join('\u0001');
  for (const e of entries) {
    const k = keyOf(e.path);
    let g = groups.get(k);
    if (!g) groups.set(k, (g = []));
    g.push(e);
  }

  const contextOf = (path: string[]): Context => {
    const levels: string[][] = [path];
    const last = path[path.length - 1];
    if (last !== undefined && WRAPPERS.has(last)) levels.push(path.slice(0, -1));
    for (const p of levels) {
      const siblings = groups.get(keyOf(p)) ?? [];
      for (const s of siblings) {
        if (typeof s.value !== 'string') continue;
        if (TARGET_KEYS.includes(s.key)) {
          const r = resolveQualifiedName(s.value);
          if (r) {
            return {
              library: r.library,
              source: r.library ? 'target' : 'none',
              label: `${s.key}: ${s.value}`,
              focal: true,
            };
          }
        }
        if (s.key === 'type') {
          const r = resolveMmType(s.value);
          if (r) return { library: r.library, source: r.library ? 'type' : 'none', label: `type: ${s.value}`, focal: true };
        }
      }
      for (const s of siblings) {
        if (typeof s.value === 'string' && NAME_KEYS.includes(s.key) && s.value.toLowerCase().includes('focal')) {
          const library = libraryOfName(s.value);
          return { library, source: library ? 'loss-name' : 'none', label: `${s.key}: ${s.value}`, focal: true };
        }
      }
    }
    if (topLevel && path.length === 0) return { library: null, source: 'none', label: topLevel, focal: true };
    const focalKey = [...path].reverse().find((k) => k.toLowerCase().includes('focal'));
    if (focalKey) return { library: null, source: 'none', label: `under ${path.join('.')}`, focal: true };
    return { library: null, source: 'none', label: path.join('.'), focal: false };
  };

  const flag = (siblings: KeyedEntry[], name: string): FlagOccurrence | undefined => {
    const s = siblings.find((e) => e.key === name);
    if (!s) return undefined;
    return { value: typeof s.value === 'boolean' ? s.value : undefined, valueRange: s.valueRange };
  };

  const sites: FocalSite[] = [];
  for (const [, group] of groups) {
    const params: { e: KeyedEntry; parameter: FocalParameter; kind: string }[] = [];
    for (const e of group) {
      const p = paramForKey(e.key);
      if (!p) continue;
      const v = e.value;
      if (!(typeof v === 'number' || v === null || (Array.isArray(v) && v.every((x) => typeof x === 'number')))) continue;
      params.push({ e, ...p });
    }
    if (params.length === 0) continue;
    const path = group[0]!.path;
    const ctx = contextOf(path);
    const dotted = path.join('.');
    const make = (list: typeof params, library: LibraryInfo | null, source: ConventionSource, label: string): void => {
      if (list.length === 0) return;
      const occurrences: ParamOccurrence[] = list.map(({ e, parameter }) => ({
        parameter,
        key: e.key,
        keyRange: { start: e.keyRange.start, end: e.valueRange.end },
        valueRange: e.valueRange,
        valueText: e.valueText,
        value: e.value as ParamOccurrence['value'],
      }));
      const anchor = Math.min(...list.map((p) => p.e.keyRange.start));
      const end = Math.max(...list.map((p) => p.e.valueRange.end));
      const site: FocalSite = { kind: 'mapping', anchor, span: { start: anchor, end }, context: label, library, librarySource: source, params: occurrences };
      const acb = flag(group, 'apply_class_balancing');
      if (acb) site.applyClassBalancing = acb;
      const us = flag(group, 'use_softmax');
      if (us) site.useSoftmax = us;
      sites.push(site);
    };
    make(
      params.filter((p) => p.kind === 'detectron'),
      LIBRARIES.detectron2,
      'key-path',
      `${dotted ? dotted + '.' : ''}FOCAL_LOSS_* (Detectron2)`,
    );
    make(
      params.filter((p) => p.kind === 'yolo'),
      LIBRARIES.yolo,
      'key-path',
      'fl_gamma (YOLOv5 / YOLOv7 hyperparameters)',
    );
    make(
      params.filter((p) => p.kind === 'focal' || (p.kind === 'generic' && ctx.focal)),
      ctx.library,
      ctx.source,
      ctx.label || dotted,
    );
  }
  sites.sort((a, b) => a.anchor - b.anchor);
  return sites;
}
