/**
 * Framework metric keys -> (split, metric, class). One parser for every metric log:
 *
 *     val_recall_pos            Lightning own keys        split val, recall, 'pos'
 *     val_multiclassrecall_dog  torchmetrics Classwise    split val, recall, 'dog'
 *     eval_precision_neg        Hugging Face              split eval, precision, 'neg'
 *     val_recall                Keras (binary)            split val, recall, no class (the positive)
 *     cls/scratch_AP            MMEngine evaluator        AP, 'scratch'
 *     recall_crack              MMDetection 2.x           recall, 'crack' (split from the record's mode)
 *     cls_eval/recall-person    Detectron2 evaluator      recall, 'person'
 *     bbox/AP-person            Detectron2 COCOEvaluator  AP, 'person'
 *     metrics/recall(B)         Ultralytics               recall, mean over classes
 *     epoch_precision           Keras TensorBoard         precision, no class
 */
import type { MetricName } from './types';

export interface ParsedKey {
  /** 'val', 'train', 'test', ... from a prefix; null when the key has none. */
  split: string | null;
  metric: MetricName;
  /** The class as written in the key; null for a metric of the whole head (binary) or a mean. */
  cls: string | null;
  /** True for means over classes (Ultralytics "(B)" metrics). */
  mean: boolean;
}

const SPLITS: Record<string, string> = {
  val: 'val',
  valid: 'val',
  validation: 'val',
  eval: 'val',
  evaluation: 'val',
  test: 'test',
  train: 'train',
  training: 'train',
};

/** Evaluator / logger prefixes that say nothing about the class: stripped. */
const EVALUATOR_PREFIX = /^(?:epoch_|cls_eval\/|cls\/|bbox\/|segm\/|coco\/|metrics\/)/i;

/** Synonyms of each metric (matched longest first, so `average_precision` is AP, not precision). */
const SYNONYM_GROUPS: Array<[MetricName, string[]]> = [
  ['predPositiveRate', ['predicted_positive_rate', 'pred_positive_rate', 'pred_pos_rate', 'positive_rate', 'pos_rate']],
  ['recall', ['multiclassrecall', 'multilabelrecall', 'binaryrecall', 'sensitivity', 'recall', 'tpr', 'rec']],
  ['precision', ['multiclassprecision', 'multilabelprecision', 'binaryprecision', 'precision', 'prec', 'ppv']],
  ['f1', ['multiclassf1score', 'multilabelf1score', 'binaryf1score', 'f1_score', 'f1-score', 'f1score', 'fscore', 'f1']],
  ['ap', ['multiclassaverageprecision', 'average_precision', 'averageprecision', 'ap']],
  ['accuracy', ['multiclassaccuracy', 'accuracy', 'acc']],
  ['support', ['support']],
];

const SYNONYMS: Array<[MetricName, string]> = SYNONYM_GROUPS.flatMap(([m, names]) => names.map((n): [MetricName, string] => [m, n])).sort((a, b) => b[1].length - a[1].length);

const SEP = /[_\-/.]/;

/** Tokens that qualify a metric rather than name a class (COCO AP50, APs; macro averages). */
const QUALIFIERS = new Set(['50', '75', '50-95', '50_95', 's', 'm', 'l', 'small', 'medium', 'large', 'macro', 'micro', 'weighted', 'avg', 'mean', 'all', 'samples', 'binary', 'score']);

/** Parse a metric key; null when it is not a per-class-capable metric (losses, lr, mAP...). */
export function parseMetricKey(key: string): ParsedKey | null {
  let rest = key.trim();
  let split: string | null = null;
  const sp = /^([A-Za-z]+)[_/.-](.+)$/.exec(rest);
  if (sp && SPLITS[sp[1]!.toLowerCase()] !== undefined) {
    split = SPLITS[sp[1]!.toLowerCase()]!;
    rest = sp[2]!;
  }
  const ev = EVALUATOR_PREFIX.exec(rest);
  if (ev) {
    if (/^metrics\//i.test(ev[0]) && split === null) split = 'val'; // Ultralytics metrics/* are validation metrics
    rest = rest.slice(ev[0].length);
  }
  let mean = false;
  const box = /\((?:B|M|P)\)$/.exec(rest);
  if (box) {
    mean = true;
    rest = rest.slice(0, box.index);
  }
  const lower = rest.toLowerCase();
  for (const [metric, name] of SYNONYMS) {
    if (lower === name) return { split, metric, cls: null, mean };
    // <metric><sep><class>
    if (lower.startsWith(name) && SEP.test(lower.charAt(name.length))) {
      const cls = rest.slice(name.length + 1);
      if (isClassToken(cls, metric)) return { split, metric, cls, mean: false };
    }
    // <class><sep><metric>
    if (lower.endsWith(name) && SEP.test(lower.charAt(lower.length - name.length - 1))) {
      const cls = rest.slice(0, rest.length - name.length - 1);
      if (isClassToken(cls, metric)) return { split, metric, cls, mean: false };
    }
  }
  return null;
}

function isClassToken(cls: string, metric: MetricName): boolean {
  if (cls === '' || QUALIFIERS.has(cls.toLowerCase())) return false;
  // class indices are fine (torchmetrics' multiclassrecall_0), except as AP qualifiers (AP50)
  if (metric === 'ap' && /^\d+$/.test(cls)) return false;
  return !/[()[\]{}/]/.test(cls);
}
