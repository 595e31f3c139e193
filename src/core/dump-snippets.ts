/**
 * The few lines that make a training run write a prediction dump, per framework, with the Python
 * package `focal_lens` (python/ in this repository). Shown by the CLI and the extension when a run
 * has only metric logs (which cannot be recomputed). Filled with the run's known loss settings;
 * where a setting is unknown, the framework's usual default is written and marked for the user.
 */

import type { TrainingFramework } from './run/frameworks';

export type { TrainingFramework };

export const TRAINING_FRAMEWORKS: readonly TrainingFramework[] = ['pytorch', 'lightning', 'keras', 'huggingface', 'mmengine', 'mmdet2', 'detectron2', 'ultralytics'];

/** Loss settings known for the run (from its config or logs); `loss` in either spelling. */
export interface DumpSnippetSettings {
  alpha?: number | number[] | null;
  gamma?: number;
  convention?: string;
  loss?: 'sigmoid' | 'softmax' | 'sigmoid_focal' | 'softmax_focal';
  classes?: string[];
}

export interface DumpSnippetOptions {
  /** What `pip install` gets the package from (default `focal-lens`); e.g. the extension's bundled python/ folder. */
  packageSource?: string;
  /** Where the dump goes (default `runs/val_preds.jsonl`, or `runs/train_preds.jsonl` for detectors, which record training iterations). */
  path?: string;
}

export interface DumpSnippet {
  title: string;
  install: string;
  code: string;
}

interface Defaults {
  loss: 'sigmoid_focal' | 'softmax_focal';
  alpha: number | null;
  gamma: number;
  convention: string;
}

// The usual defaults where the run does not say: torchvision.ops.sigmoid_focal_loss (0.25, 2), which
// mmdet's FocalLoss, Detectron2 and fvcore share; YOLOv5's FocalLoss has alpha 0.25 and gamma fl_gamma (1.5 in its hyp files).
const TORCHVISION: Defaults = { loss: 'sigmoid_focal', alpha: 0.25, gamma: 2, convention: 'positive' };
const YOLOV5: Defaults = { ...TORCHVISION, gamma: 1.5 };

/** A Python literal for a JSON-compatible value (JSON strings are valid Python string literals). */
function py(value: number | string | null | readonly (number | string)[]): string {
  if (value === null) return 'None';
  if (Array.isArray(value)) return `[${value.map((v) => py(v)).join(', ')}]`;
  if (typeof value === 'number') return Number.isInteger(value) ? `${value}.0` : String(value);
  return JSON.stringify(value);
}

function lossName(loss: DumpSnippetSettings['loss']): Defaults['loss'] | undefined {
  if (loss === 'sigmoid' || loss === 'sigmoid_focal') return 'sigmoid_focal';
  if (loss === 'softmax' || loss === 'softmax_focal') return 'softmax_focal';
  return undefined;
}

/**
 * `loss=..., alpha=..., gamma=...[, convention=...][, classes=...]`, and the comment that marks
 * values the run did not give (empty when it gave them all).
 */
function settingsArgs(settings: DumpSnippetSettings, defaults: Defaults): { args: string; mark: string } {
  const loss = lossName(settings.loss) ?? defaults.loss;
  const softmax = loss === 'softmax_focal';
  // no usual softmax alpha: the default is none (a scalar would need a convention)
  const alpha = settings.alpha !== undefined ? settings.alpha : softmax ? null : defaults.alpha;
  let convention = settings.convention;
  let conventionGuessed = false;
  if (convention === undefined && typeof alpha === 'number') {
    convention = softmax ? 'uniform' : defaults.convention;
    conventionGuessed = softmax || settings.alpha === undefined;
  }
  const parts = [`loss=${py(loss)}`, `alpha=${py(alpha)}`, `gamma=${py(settings.gamma ?? defaults.gamma)}`];
  if (convention !== undefined) parts.push(`convention=${py(convention)}`);
  if (settings.classes && settings.classes.length) parts.push(`classes=${py(settings.classes)}`);
  const guessed = settings.alpha === undefined || settings.gamma === undefined || settings.loss === undefined;
  if (conventionGuessed && softmax) return { args: parts.join(', '), mark: "  # <- your loss's settings; convention: class0-alpha, class0-complement or uniform" };
  return { args: parts.join(', '), mark: guessed || conventionGuessed ? "  # <- your loss's settings" : '' };
}

type Template = (dump: string, args: string, mark: string) => { title: string; code: string };

const TEMPLATES: Record<TrainingFramework, Template> = {
  pytorch: (dump, args, mark) => ({
    title: 'PyTorch (your own loop): FocalLensWriter',
    code: `from focal_lens import FocalLensWriter

writer = FocalLensWriter(${dump}, ${args})${mark}
for epoch in range(num_epochs):
    ...  # your training epoch
    model.eval()
    with torch.no_grad():
        for x, y in val_loader:
            writer.add(model(x), y, epoch=epoch)
    writer.end_epoch()
writer.close()
`,
  }),
  lightning: (dump, args, mark) => ({
    title: 'PyTorch Lightning: FocalLensCallback',
    code: `import lightning as L
from focal_lens import FocalLensCallback

# validation_step returns {"loss": loss, "logits": logits, "targets": y}
callback = FocalLensCallback(${dump}, ${args})${mark}
trainer = L.Trainer(max_epochs=10, callbacks=[callback])
`,
  }),
  keras: (dump, args, mark) => ({
    title: 'Keras: FocalLensKerasCallback',
    code: `from focal_lens import FocalLensKerasCallback

# BinaryFocalCrossentropy applies alpha only with apply_class_balancing=True (else pass alpha=None)
callback = FocalLensKerasCallback(${dump}, validation_data=(x_val, y_val), ${args})${mark}
model.fit(x_train, y_train, epochs=10, callbacks=[callback])
`,
  }),
  huggingface: (dump, args, mark) => ({
    title: 'Hugging Face Trainer: with_focal_lens(compute_metrics)',
    code: `from focal_lens import with_focal_lens

metrics = with_focal_lens(compute_metrics, ${dump}, ${args})${mark}
trainer = Trainer(model=model, args=training_args, train_dataset=train_ds, eval_dataset=eval_ds,
                  compute_metrics=metrics, callbacks=[metrics.callback])
`,
  }),
  mmengine: (dump, args, mark) => ({
    title: 'MMEngine (MMDetection 3.x): a hook recording the focal loss in training',
    code: mmHook('from mmengine.hooks import Hook\nfrom mmengine.registry import HOOKS', dump, args, mark),
  }),
  mmdet2: (dump, args, mark) => ({
    title: 'MMDetection 2.x (mmcv runner): a hook recording the focal loss in training',
    code: mmHook('from mmcv.runner import HOOKS, Hook', dump, args, mark),
  }),
  detectron2: (dump, args, mark) => ({
    title: 'Detectron2 (RetinaNet): record the focal loss in training',
    code: `from detectron2.modeling.meta_arch import retinanet
from detectron2.utils.events import get_event_storage
from focal_lens import FocalLensWriter, watch_loss

# before building the trainer; records are filed per 1000 iterations ("step" 0, 1000, ...)
writer = FocalLensWriter(${dump}, split="train", epoch_key="step", ${args})${mark}
retinanet.sigmoid_focal_loss_jit = watch_loss(
    retinanet.sigmoid_focal_loss_jit, writer, epoch=lambda: get_event_storage().iter // 1000 * 1000)
`,
  }),
  ultralytics: (dump, args, mark) => ({
    title: 'Ultralytics YOLOv5 (fl_gamma > 0): record the focal loss in train.py',
    code: `from focal_lens import FocalLensWriter, watch_loss

# in train.py, after \`compute_loss = ComputeLoss(model)\` (fl_gamma > 0 makes BCEcls a FocalLoss)
writer = FocalLensWriter(${dump}, split="train", ${args})${mark}
watch_loss(compute_loss.BCEcls, writer, epoch=lambda: epoch)
`,
  }),
};

/** The MMDetection hook (2.x and 3.x differ only in where Hook and HOOKS come from). */
function mmHook(imports: string, dump: string, args: string, mark: string): string {
  return `# focal_lens_hook.py; in the config:
#   custom_imports = dict(imports=["focal_lens_hook"])
#   custom_hooks = [dict(type="FocalLensHook")]
${imports}
from focal_lens import FocalLensWriter, watch_loss


@HOOKS.register_module()
class FocalLensHook(Hook):
    def before_run(self, runner):
        head = getattr(runner.model, "module", runner.model).bbox_head
        self.writer = FocalLensWriter(${dump}, split="train", ${args})${mark}
        watch_loss(head.loss_cls, self.writer, epoch=lambda: runner.epoch, background=head.num_classes)

    def after_train_epoch(self, runner):
        self.writer.end_epoch()

    def after_run(self, runner):
        self.writer.close()
`;
}

const DEFAULTS: Partial<Record<TrainingFramework, Defaults>> = { ultralytics: YOLOV5 };

/** Detectors compute the focal loss inside the head: their snippets record training iterations. */
const RECORDS_TRAINING: ReadonlySet<TrainingFramework> = new Set(['mmengine', 'mmdet2', 'detectron2', 'ultralytics']);

/** The snippet for a framework, filled with the run's known settings. */
export function dumpSnippet(framework: TrainingFramework, settings: DumpSnippetSettings = {}, options: DumpSnippetOptions = {}): DumpSnippet {
  const template = TEMPLATES[framework];
  if (!template) throw new RangeError(`unknown framework '${String(framework)}': use one of ${TRAINING_FRAMEWORKS.join(', ')}`);
  const path = options.path ?? (RECORDS_TRAINING.has(framework) ? 'runs/train_preds.jsonl' : 'runs/val_preds.jsonl');
  const { args, mark } = settingsArgs(settings, DEFAULTS[framework] ?? TORCHVISION);
  const { title, code } = template(py(path), args, mark);
  const source = options.packageSource ?? 'focal-lens';
  return { title, install: `pip install ${/\s/.test(source) ? JSON.stringify(source) : source}`, code };
}
