/**
 * Which library a focal-loss call or config node belongs to, and what a scalar alpha means there
 * (focal-math.md section 3). Matching is on the qualified name after import aliases are resolved
 * (`KL.focal_loss` -> `kornia.losses.focal_loss`), on MMDetection `type=` strings, and on known keys.
 */
import type { LibraryInfo } from './types';

export const LIBRARIES = {
  torchvision: {
    id: 'torchvision',
    label: 'torchvision sigmoid_focal_loss',
    convention: 'positive',
    alphaOffBelowZero: true,
    positions: { alpha: 2, gamma: 3 },
  },
  fvcore: {
    id: 'fvcore',
    label: 'fvcore sigmoid_focal_loss',
    convention: 'positive',
    alphaOffBelowZero: true,
    positions: { alpha: 2, gamma: 3 },
  },
  detectron2: {
    id: 'detectron2',
    label: 'Detectron2 RetinaNet (fvcore sigmoid_focal_loss)',
    convention: 'positive',
    alphaOffBelowZero: true,
  },
  mmcv: {
    id: 'mmcv',
    label: 'mmcv sigmoid_focal_loss',
    convention: 'positive',
    positions: { gamma: 2, alpha: 3 },
  },
  mmdet: {
    id: 'mmdet',
    label: 'MMDetection FocalLoss (use_sigmoid=True)',
    convention: 'positive',
    positions: { gamma: 1, alpha: 2 },
  },
  sigmoidByName: {
    id: 'sigmoid_focal_loss',
    label: 'sigmoid_focal_loss (the paper\'s sigmoid form)',
    convention: 'positive',
    alphaOffBelowZero: true,
    positions: { alpha: 2, gamma: 3 },
    note: 'Recognised by name: every known sigmoid_focal_loss (torchvision, fvcore, mmcv) weights y = 1 by alpha.',
  },
  smp: {
    id: 'segmentation_models_pytorch',
    label: 'segmentation_models_pytorch FocalLoss',
    convention: 'positive',
    alphaNoneOff: true,
    positions: { alpha: 1, gamma: 2 },
  },
  tfa: {
    id: 'tensorflow_addons',
    label: 'tensorflow-addons SigmoidFocalCrossEntropy',
    convention: 'positive',
    positions: { alpha: 1, gamma: 2 },
  },
  kerasBinary: {
    id: 'keras',
    label: 'Keras BinaryFocalCrossentropy',
    convention: 'positive',
    kerasBinary: true,
    positions: { apply_class_balancing: 0, alpha: 1, gamma: 2 },
  },
  kerasCategorical: {
    id: 'keras',
    label: 'Keras CategoricalFocalCrossentropy',
    convention: 'uniform',
    positions: { alpha: 0, gamma: 1 },
  },
  korniaBinary: {
    id: 'kornia',
    label: 'kornia binary_focal_loss_with_logits',
    convention: 'positive',
    positions: { alpha: 2, gamma: 3 },
  },
  korniaFunctional: {
    id: 'kornia',
    label: 'kornia focal_loss',
    convention: 'class0-complement',
    positions: { alpha: 2, gamma: 3 },
    note: 'kornia before mid-2023 (0.6.x) multiplied every class by alpha (uniform: a pure scale).',
  },
  korniaModule: {
    id: 'kornia',
    label: 'kornia FocalLoss',
    convention: 'class0-complement',
    positions: { alpha: 0, gamma: 1 },
    note: 'kornia before mid-2023 (0.6.x) multiplied every class by alpha (uniform: a pure scale).',
  },
  korniaBinaryModule: {
    id: 'kornia',
    label: 'kornia BinaryFocalLossWithLogits',
    convention: 'positive',
    positions: { alpha: 0, gamma: 1 },
  },
  monai: {
    id: 'monai',
    label: 'MONAI FocalLoss',
    convention: 'positive',
    monai: true,
    alphaNoneOff: true,
    positions: { gamma: 2, alpha: 3, use_softmax: 6 },
  },
  yolo: {
    id: 'yolov5',
    label: 'YOLOv5 / ultralytics FocalLoss',
    convention: 'positive',
    yolo: true,
    positions: { gamma: 1, alpha: 2 },
  },
  yatengLG: {
    id: 'Focal-Loss-Pytorch',
    label: 'Focal-Loss-Pytorch (yatengLG) focal_loss',
    convention: 'class0-alpha',
    positions: { alpha: 0, gamma: 1 },
  },
  clcarwin: {
    id: 'focal_loss_pytorch',
    label: 'focal_loss_pytorch (clcarwin) FocalLoss',
    convention: 'class0-alpha',
    positions: { gamma: 0, alpha: 1 },
  },
} satisfies Record<string, LibraryInfo>;

/** Does the dotted module path start with one of these roots? */
function under(module: string, ...roots: string[]): boolean {
  return roots.some((r) => module === r || module.startsWith(r + '.'));
}

/**
 * Resolve a qualified callee name (module path + '.' + name, or just the name when nothing was
 * imported) to a library. Returns null for names that are not focal losses at all, and
 * `{ library: null }` for focal losses of unknown origin.
 */
export function resolveQualifiedName(
  qualified: string,
): { library: LibraryInfo | null; byName: boolean } | null {
  const parts = qualified.split('.');
  const name = parts[parts.length - 1] ?? '';
  const module = parts.slice(0, -1).join('.').replace(/^\.+/, '');
  const lower = name.toLowerCase();
  if (!lower.includes('focal')) return null;
  if (name === 'sigmoid_focal_loss' || name === 'sigmoid_focal_loss_jit' || name === 'SigmoidFocalLoss') {
    if (under(module, 'torchvision')) return { library: LIBRARIES.torchvision, byName: false };
    if (under(module, 'fvcore')) return { library: LIBRARIES.fvcore, byName: false };
    if (under(module, 'detectron2')) return { library: LIBRARIES.fvcore, byName: false };
    if (under(module, 'mmcv')) return { library: LIBRARIES.mmcv, byName: false };
    return { library: LIBRARIES.sigmoidByName, byName: true };
  }
  if (name === 'BinaryFocalCrossentropy') return { library: LIBRARIES.kerasBinary, byName: module === '' };
  if (name === 'CategoricalFocalCrossentropy') return { library: LIBRARIES.kerasCategorical, byName: module === '' };
  if (name === 'SigmoidFocalCrossEntropy' || name === 'sigmoid_focal_crossentropy') {
    return { library: LIBRARIES.tfa, byName: module === '' };
  }
  if (name === 'binary_focal_loss_with_logits') return { library: LIBRARIES.korniaBinary, byName: module === '' };
  if (name === 'BinaryFocalLossWithLogits') return { library: LIBRARIES.korniaBinaryModule, byName: module === '' };
  if (under(module, 'kornia')) {
    if (name === 'focal_loss') return { library: LIBRARIES.korniaFunctional, byName: false };
    if (name === 'FocalLoss') return { library: LIBRARIES.korniaModule, byName: false };
  }
  if (under(module, 'monai')) return { library: LIBRARIES.monai, byName: false };
  if (under(module, 'segmentation_models_pytorch', 'smp')) return { library: LIBRARIES.smp, byName: false };
  if (under(module, 'mmdet', 'mmpretrain', 'mmcls', 'mmseg', 'mmrotate')) {
    return { library: LIBRARIES.mmdet, byName: false };
  }
  if (under(module, 'ultralytics', 'yolov5', 'yolov7', 'utils.loss')) {
    return { library: LIBRARIES.yolo, byName: false };
  }
  if (under(module, 'focalloss')) return { library: LIBRARIES.clcarwin, byName: false };
  if (under(module, 'focal_loss', 'Focal_Loss', 'focal_loss_pytorch')) {
    return { library: name === 'focal_loss' ? LIBRARIES.yatengLG : LIBRARIES.clcarwin, byName: false };
  }
  return { library: null, byName: false };
}

/** MMDetection-style `type=` strings. Null: not a focal loss. */
export function resolveMmType(type: string): { library: LibraryInfo | null } | null {
  const bare = type.replace(/^[A-Za-z_]+\./, '');
  if (bare === 'FocalLoss' || bare === 'SigmoidFocalLoss' || bare === 'FocalCustomLoss') return { library: LIBRARIES.mmdet };
  if (bare.toLowerCase().includes('focal')) return { library: null };
  return null;
}
