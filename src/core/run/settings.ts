/**
 * Loss settings found in a run (dump meta, run configs, the log itself) with where each came
 * from, and the rule that picks one value per setting: flags over the dump's meta over the log's
 * own record over run configs over a library's documented default. Nothing is guessed: a setting
 * no source gives stays unknown.
 */
import type { AlphaConvention, LossKind } from '../report';

export type SettingName = 'alpha' | 'gamma' | 'convention' | 'loss' | 'classes';

export type SettingValue = number | number[] | null | string | string[];

/** Where a setting's value came from. */
export interface SettingOrigin {
  kind: 'flag' | 'meta' | 'log' | 'config' | 'default' | 'answer';
  /** Display name of the file (not for flags, answers and defaults). */
  file?: string;
  /** 1-based line. */
  line?: number;
  /** The key as written (`FOCAL_LOSS_ALPHA`, `loss_cls.alpha`, `fl_gamma`). */
  key?: string;
  /** Words: "YOLOv5 FocalLoss default", "the library named in hparams.yaml's loss". */
  detail?: string;
}

export interface FoundSetting {
  name: SettingName;
  value: SettingValue;
  origin: SettingOrigin;
}

const RANK: Record<SettingOrigin['kind'], number> = { flag: 0, answer: 1, meta: 2, log: 3, config: 4, default: 5 };

/** The chosen value of each setting (the best-ranked source; the first of equal rank). */
export function chooseSettings(found: readonly FoundSetting[]): Map<SettingName, FoundSetting> {
  const out = new Map<SettingName, FoundSetting>();
  for (const f of found) {
    const cur = out.get(f.name);
    if (!cur || RANK[f.origin.kind] < RANK[cur.origin.kind]) out.set(f.name, f);
  }
  return out;
}

/** "hparams.yaml:2 (alpha)", "flag --alpha", "YOLOv5 FocalLoss default". */
export function describeOrigin(o: SettingOrigin): string {
  if (o.kind === 'flag') return o.key ? `flag ${o.key}` : 'a flag';
  if (o.kind === 'answer') return 'your answer';
  if (o.kind === 'default') return o.detail ?? 'library default';
  const where = o.file ? `${o.file}${o.line !== undefined ? `:${o.line}` : ''}` : 'the log';
  const key = o.key ? ` (${o.key})` : '';
  return `${where}${key}${o.detail ? `, ${o.detail}` : ''}`;
}

/** A loss kind from a config's words ("sigmoid_focal_loss", "use_sigmoid=True", "softmax"). */
export function lossKindInText(text: string): LossKind | undefined {
  if (/softmax|categorical|multi-?class|cross_?entropy/i.test(text) && !/sigmoid/i.test(text)) return 'softmax';
  if (/sigmoid|binary/i.test(text)) return 'sigmoid';
  return undefined;
}

export type { AlphaConvention };
