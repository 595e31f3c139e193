/**
 * The one table of alpha conventions (what a scalar alpha means) and of the library names users
 * write for them. Every face reads conventions from here: the dump meta, `--convention`, the
 * `# focal-lens: convention=` comment, the settings, run configs (hparams.yaml `loss:` strings) and
 * the hints' library table (hints/libraries.ts), whose entries the aliases point at.
 * docs/method.md ("Alpha conventions") explains each.
 */
import type { AlphaConvention, LossKind } from './report';
import { LIBRARIES } from './hints/libraries';

/** Every convention id, in the order people are offered them. */
export const CONVENTIONS: readonly AlphaConvention[] = ['positive', 'negative', 'class0-alpha', 'class0-complement', 'uniform', 'vector'];

export interface ConventionInfo {
  /** One line for pickers and hovers. */
  description: string;
  /** How the verdict names it inside a sentence. */
  words: string;
  /** The loss kinds where a scalar in this convention means something. */
  kinds: readonly LossKind[];
}

export const CONVENTION_INFO: Record<AlphaConvention, ConventionInfo> = {
  positive: {
    description: 'sigmoid: alpha on y = 1, 1 - alpha on y = 0 (the paper, torchvision, detectron2, mmdet, Keras with class balancing)',
    words: 'torchvision "positive" convention',
    kinds: ['sigmoid', 'softmax'],
  },
  negative: {
    description: 'sigmoid: alpha on y = 0, 1 - alpha on y = 1 (fudannlp16/focal-loss and other ports that weight the negatives)',
    words: '"negative" convention (alpha weights the negatives)',
    kinds: ['sigmoid', 'softmax'],
  },
  'class0-alpha': {
    description: 'softmax: class 0 x alpha, every other class x (1 - alpha) (Focal-Loss-Pytorch, clcarwin focal_loss_pytorch)',
    words: 'class0-alpha convention (class 0 times alpha, the others times 1 - alpha)',
    kinds: ['softmax'],
  },
  'class0-complement': {
    description: 'softmax: class 0 x (1 - alpha), every other class x alpha (kornia focal_loss, MONAI with use_softmax)',
    words: 'class0-complement convention (class 0 times 1 - alpha, the others times alpha)',
    kinds: ['softmax'],
  },
  uniform: {
    description: 'every class x alpha: a pure scale, no balancing (Keras CategoricalFocalCrossentropy, kornia before mid-2023)',
    words: 'uniform convention (every class times alpha: a pure scale)',
    kinds: ['sigmoid', 'softmax'],
  },
  vector: {
    description: 'an explicit per-class list of weights',
    words: 'per-class vector',
    kinds: ['sigmoid', 'softmax'],
  },
};

/** A library name and what a scalar alpha means there, per loss kind. */
interface LibraryAlias {
  /** Names as users write them (normalised before matching: case, '-', '_', '.', '/' and spaces ignored). */
  names: readonly string[];
  label: string;
  sigmoid?: AlphaConvention;
  softmax?: AlphaConvention;
}

const LIBRARY_ALIASES: readonly LibraryAlias[] = [
  { names: ['torchvision', 'torchvision.ops.sigmoid_focal_loss', 'sigmoid_focal_loss'], label: LIBRARIES.torchvision.label, sigmoid: LIBRARIES.torchvision.convention },
  { names: ['fvcore'], label: LIBRARIES.fvcore.label, sigmoid: LIBRARIES.fvcore.convention },
  { names: ['detectron2'], label: LIBRARIES.detectron2.label, sigmoid: LIBRARIES.detectron2.convention },
  { names: ['mmdet', 'mmdetection'], label: LIBRARIES.mmdet.label, sigmoid: LIBRARIES.mmdet.convention },
  { names: ['mmcv'], label: LIBRARIES.mmcv.label, sigmoid: LIBRARIES.mmcv.convention },
  // Keras: BinaryFocalCrossentropy (with apply_class_balancing) for a sigmoid head, CategoricalFocalCrossentropy for softmax
  { names: ['keras', 'tf.keras', 'tensorflow.keras'], label: 'Keras focal cross-entropy', sigmoid: LIBRARIES.kerasBinary.convention, softmax: LIBRARIES.kerasCategorical.convention },
  { names: ['kornia'], label: 'kornia (since mid-2023)', sigmoid: LIBRARIES.korniaBinary.convention, softmax: LIBRARIES.korniaFunctional.convention },
  { names: ['kornia-old', 'kornia<0.7', 'kornia0.6'], label: 'kornia before mid-2023', sigmoid: LIBRARIES.korniaBinary.convention, softmax: 'uniform' },
  { names: ['monai'], label: LIBRARIES.monai.label, sigmoid: LIBRARIES.monai.convention, softmax: 'class0-complement' },
  { names: ['focal-loss-pytorch', 'yatenglg', 'clcarwin', 'focal_loss_pytorch'], label: LIBRARIES.yatengLG.label, softmax: LIBRARIES.yatengLG.convention },
  { names: ['ultralytics', 'yolov5', 'yolov8', 'yolo'], label: LIBRARIES.yolo.label, sigmoid: LIBRARIES.yolo.convention },
  { names: ['segmentation_models_pytorch', 'smp'], label: LIBRARIES.smp.label, sigmoid: LIBRARIES.smp.convention },
  { names: ['tensorflow_addons', 'tfa'], label: LIBRARIES.tfa.label, sigmoid: LIBRARIES.tfa.convention },
  { names: ['fudannlp16', 'fudannlp16/focal-loss'], label: 'fudannlp16/focal-loss', sigmoid: 'negative', softmax: 'negative' },
  { names: ['paper', 'lin2017', 'retinanet'], label: 'the paper (Lin et al. 2017)', sigmoid: 'positive' },
];

function normalise(name: string): string {
  return name.toLowerCase().replace(/[\s\-_./<>]/g, '');
}

const BY_NAME = new Map<string, LibraryAlias>();
for (const alias of LIBRARY_ALIASES) for (const n of alias.names) BY_NAME.set(normalise(n), alias);

/** What a convention name resolved to, and through which alias. */
export type ConventionLookup =
  | { ok: true; convention: AlphaConvention; library: string | null }
  | { ok: false; reason: string };

/** All accepted spellings, for messages and completion: ids first, then library names. */
export function conventionNames(): string[] {
  return [...CONVENTIONS, ...LIBRARY_ALIASES.map((a) => a.names[0]!)];
}

/**
 * A convention id or a library name (`torchvision`, `mmdet`, `keras`, `focal-loss-pytorch`, ...).
 * Library names whose meaning depends on the head (Keras, kornia, MONAI) need `kind`; without it
 * a library with one form (or the same convention in both) is read that way.
 */
export function lookupConvention(name: string, kind?: LossKind): ConventionLookup {
  const trimmed = name.trim();
  if ((CONVENTIONS as readonly string[]).includes(trimmed)) return { ok: true, convention: trimmed as AlphaConvention, library: null };
  const alias = BY_NAME.get(normalise(trimmed));
  if (!alias) return { ok: false, reason: `unknown convention '${trimmed.slice(0, 60)}': use one of ${CONVENTIONS.join(', ')} or a library name (${LIBRARY_ALIASES.map((a) => a.names[0]).join(', ')})` };
  const either = alias.sigmoid === undefined || alias.softmax === undefined || alias.sigmoid === alias.softmax ? (alias.sigmoid ?? alias.softmax) : undefined;
  const pick = kind === 'softmax' ? alias.softmax : kind === 'sigmoid' ? alias.sigmoid : either;
  if (pick === undefined) {
    if (kind === undefined) return { ok: false, reason: `'${trimmed}' means ${alias.sigmoid} for a sigmoid head and ${alias.softmax} for softmax: say which loss (or use a convention id)` };
    return { ok: false, reason: `${alias.label} has no ${kind} focal loss: its convention is ${alias.sigmoid ?? alias.softmax} (${kind === 'sigmoid' ? 'softmax' : 'sigmoid'})` };
  }
  return { ok: true, convention: pick, library: alias.label };
}

/**
 * A library named anywhere in free text, e.g. a run config's `loss: torchvision.ops.sigmoid_focal_loss`
 * or `focal_loss (Focal-Loss-Pytorch style: ...)`. The longest matching name wins.
 */
export function conventionInText(text: string, kind?: LossKind): (ConventionLookup & { ok: true; matched: string }) | null {
  const flat = normalise(text);
  let best: { alias: LibraryAlias; name: string } | null = null;
  for (const alias of LIBRARY_ALIASES) {
    for (const n of alias.names) {
      const key = normalise(n);
      // short names only as whole words of the original text (smp, tfa, yolo, paper)
      if (key.length < 6 && !new RegExp(`(^|[^a-z0-9])${n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}([^a-z0-9]|$)`, 'i').test(text)) continue;
      if (flat.includes(key) && (!best || key.length > normalise(best.name).length)) best = { alias, name: n };
    }
  }
  if (!best) return null;
  const r = lookupConvention(best.name, kind);
  return r.ok ? { ...r, matched: best.name } : null;
}

/**
 * The weight alpha gives a sigmoid head's positives (y = 1) under a convention: the quantity the
 * decision rule of docs/method.md ("Decision rule") is stated in.
 */
export function positiveWeightOf(convention: AlphaConvention, alpha: number): number {
  return convention === 'negative' ? 1 - alpha : alpha;
}
