/**
 * Run configs that record the loss settings: Lightning `hparams.yaml` (the LightningModule's
 * arguments), any YAML / JSON config with focal-loss keys (Detectron2 `config.yaml`, Ultralytics
 * `args.yaml` / YOLOv5 `hyp.yaml`, Hydra `.hydra/config.yaml`, Hugging Face `config.json`), and
 * Python configs (MMDetection / MMEngine `*.py`). Read with the hints' parsers, never executed.
 */
import type { ConfigFormatSpec, FileHead } from '../registry';
import { configTextSettings } from '../../run/config-settings';
import { MAX_CONFIG_BYTES } from '../limits';

const FOCAL_WORDS = /focal|FOCAL_LOSS|fl_gamma/i;

/** Configs are small; a long text file is a log, not a config. */
function mentionsFocal(head: FileHead): boolean {
  return head.text !== null && head.size <= MAX_CONFIG_BYTES && FOCAL_WORDS.test(head.text);
}

export const lightningHparams: ConfigFormatSpec = {
  id: 'lightning-hparams',
  label: 'Lightning hparams.yaml',
  role: 'config',
  claims: { fileNames: ['hparams.yaml'] },
  sniff: (head) => (head.text !== null && head.base === 'hparams.yaml' ? 2 : 0),
  example: 'lightning_logs/version_0/hparams.yaml (alpha: 0.97, gamma: 2.0, loss: torchvision.ops.sigmoid_focal_loss)',
  settings: (head, text) => configTextSettings(text, 'yaml', head.name, undefined, true),
};

export const yamlConfig: ConfigFormatSpec = {
  id: 'yaml-config',
  label: 'YAML config',
  role: 'config',
  claims: { extensions: ['.yaml', '.yml'] },
  needsContent: true,
  sniff: (head) => (mentionsFocal(head) ? 2 : 0),
  example: 'output/config.yaml (MODEL.RETINANET.FOCAL_LOSS_ALPHA: 0.25), runs/detect/train/args.yaml (fl_gamma: 1.5)',
  settings: (head, text) => configTextSettings(text, 'yaml', head.name),
};

export const jsonConfig: ConfigFormatSpec = {
  id: 'json-config',
  label: 'JSON config',
  role: 'config',
  claims: { extensions: ['.json'] },
  needsContent: true,
  sniff: (head) => (mentionsFocal(head) && head.text!.trimStart().startsWith('{') && !/"log_history"/.test(head.text!) ? 2 : 0),
  example: 'checkpoint-1185/config.json (focal_alpha, focal_gamma, focal_convention, id2label)',
  settings: (head, text) => configTextSettings(text, 'jsonc', head.name),
};

export const pythonConfig: ConfigFormatSpec = {
  id: 'python-config',
  label: 'Python config',
  role: 'config',
  claims: { extensions: ['.py'] },
  needsContent: true,
  sniff: (head) => (mentionsFocal(head) ? 2 : 0),
  example: "retinanet_r50_fpn_1x.py (loss_cls=dict(type='FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25))",
  settings: (head, text) => configTextSettings(text, 'python', head.name),
};
