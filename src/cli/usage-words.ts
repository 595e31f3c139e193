// How the CLI words the fix of a usage error: core says what is wrong and what a fix needs
// (src/core/errors.ts); the flags that supply it are the CLI's own words.
import type { UsageError, UsageOption } from '../core/errors';

const round4 = (x: number): number => Math.round(x * 1e4) / 1e4;

const OPTION_WORDS: Record<UsageOption, (err: UsageError) => string> = {
  alpha: (err) =>
    err.needs.columns === 1 ? 'pass --alpha (a binary head takes one scalar)' : `pass --alpha-vector with ${err.needs.columns ?? 'one'} comma-separated values (one per class)`,
  convention: () => 'pass --convention positive or negative, or --alpha-vector',
  loss: () => 'pass --loss sigmoid if the loss is sigmoid',
  threshold: () => 'pass --threshold between 0 and 1',
  'what-if': (err) => `give --what-if vectors ${err.needs.columns ?? ''} values long, as a:b:c`,
};

/** The usage error's message with the flags that fix it. */
export function cliUsageText(err: UsageError): string {
  const { missing = [], option, alpha, backend } = err.needs;
  const fixes: string[] = [];
  if (missing.includes('alpha')) {
    fixes.push(
      'pass --alpha 0.25 (a scalar; with a sigmoid loss the torchvision "positive" convention: positives x0.25, negatives x0.75), ' +
        '--alpha-vector 0.25,0.75,... (one weight per class), or --alpha off (the loss has no alpha)',
    );
  }
  if (missing.includes('gamma')) fixes.push("pass --gamma 2 (the paper's and torchvision's default; 1.5 in YOLOv5/ultralytics)");
  if (missing.includes('convention')) {
    const a = alpha ?? 0.25;
    fixes.push(
      `say what it means with --convention class0-alpha (class 0 x${a}, others x${round4(1 - a)}; Focal-Loss-Pytorch), ` +
        `class0-complement (class 0 x${round4(1 - a)}, others x${a}; kornia, MONAI) or uniform (every class x${a}; Keras), or pass --alpha-vector`,
    );
  }
  if (backend?.name === 'tensorflow') {
    fixes.push(
      'install it where the CLI runs (npm install @tensorflow/tfjs-node, or @tensorflow/tfjs-node-gpu with CUDA, in the folder holding its node_modules), ' +
        'or point --native-backend (or FOCAL_LENS_NATIVE_BACKEND) at the folder it is installed in; or pass --backend wasm or auto',
    );
  } else if (backend?.name === 'wasm') fixes.push('reinstall @tensorflow/tfjs-backend-wasm, or pass --backend cpu');
  if (option) fixes.push(OPTION_WORDS[option](err));
  return fixes.length ? `${err.message}: ${fixes.join('; ')}` : err.message;
}
