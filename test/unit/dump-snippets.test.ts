// The "get a dump" snippets: every one is valid Python, uses the run's settings, marks guessed
// ones; the plain-PyTorch one runs against the package and writes a dump analyze() reads.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze } from '../../src/core/analyze';
import { dumpSnippet, TRAINING_FRAMEWORKS, type TrainingFramework } from '../../src/core/dump-snippets';
import { runPython } from '../../scripts/python';

/** Which snippets fail ast.parse (one interpreter for all of them): framework -> error. */
function syntaxErrors(codes: Record<string, string>): Record<string, string> {
  const check = [
    'import ast, json, sys',
    'errors = {}',
    'for name, code in json.load(sys.stdin).items():',
    '    try:',
    '        ast.parse(code)',
    '    except SyntaxError as e:',
    '        errors[name] = f"{e.msg} (line {e.lineno}): {e.text}"',
    'print(json.dumps(errors))',
  ].join('\n');
  return JSON.parse(runPython(['-c', check], { input: JSON.stringify(codes) }).stdout) as Record<string, string>;
}

describe('dump snippets', function () {
  this.timeout(120000);

  it('every framework has a snippet that is valid Python, with and without known settings', () => {
    const codes: Record<string, string> = {};
    for (const fw of TRAINING_FRAMEWORKS) {
      codes[`${fw} (defaults)`] = dumpSnippet(fw).code;
      codes[`${fw} (softmax vector)`] = dumpSnippet(fw, { loss: 'softmax', alpha: [0.1, 0.2, 0.7], gamma: 1.5, classes: ['a', 'b "c"', 'd'] }).code;
      codes[`${fw} (alpha off)`] = dumpSnippet(fw, { loss: 'sigmoid_focal', alpha: null, gamma: 0 }).code;
    }
    assert.deepEqual(syntaxErrors(codes), {});
  });

  it('fills in the known settings and marks the guessed ones', () => {
    const known = dumpSnippet('lightning', { loss: 'sigmoid', alpha: 0.75, gamma: 3, convention: 'positive', classes: ['bg', 'fg'] });
    assert.match(known.code, /FocalLensCallback\("runs\/val_preds\.jsonl", loss="sigmoid_focal", alpha=0\.75, gamma=3\.0, convention="positive", classes=\["bg", "fg"\]\)\n/);
    assert.doesNotMatch(known.code, /your loss's settings/);
    const guessed = dumpSnippet('lightning', { gamma: 2 });
    assert.match(guessed.code, /alpha=0\.25, gamma=2\.0, convention="positive"\) {2}# <- your loss's settings/);
    const softmaxScalar = dumpSnippet('pytorch', { loss: 'softmax_focal', alpha: 0.25, gamma: 2 });
    assert.match(softmaxScalar.code, /alpha=0\.25, gamma=2\.0, convention="uniform"\) {2}# <- .*class0-alpha, class0-complement or uniform/);
    assert.match(dumpSnippet('ultralytics').code, /gamma=1\.5/);
    assert.match(dumpSnippet('detectron2').code, /"runs\/train_preds\.jsonl", split="train", epoch_key="step"/);
    assert.equal(dumpSnippet('keras').install, 'pip install focal-lens');
    assert.equal(dumpSnippet('keras', {}, { packageSource: '/opt/focal lens/python' }).install, 'pip install "/opt/focal lens/python"');
    assert.throws(() => dumpSnippet('caffe' as TrainingFramework), /unknown framework 'caffe'/);
  });

  it('the plain-PyTorch snippet runs against the package and writes a dump analyze() reads', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'focal-lens-snippet-'));
    try {
      const snippet = dumpSnippet('pytorch', { loss: 'sigmoid', alpha: 0.25, gamma: 2, convention: 'positive' });
      // what the snippet expects the user's script to have: torch, a model, a validation loader, an epoch count
      const prelude = [
        'import torch',
        'torch.manual_seed(0)',
        'model = torch.nn.Linear(3, 1)',
        'x, y = torch.randn(200, 3), (torch.rand(200) < 0.2).float()',
        'val_loader = [(x[i:i + 50], y[i:i + 50]) for i in range(0, 200, 50)]',
        'num_epochs = 3',
      ].join('\n');
      runPython(['-c', `${prelude}\n${snippet.code}`], { cwd: tmp });
      const report = await analyze({ paths: [join(tmp, 'runs', 'val_preds.jsonl')], backend: 'cpu' });
      assert.deepEqual(report.epochs.map((e) => [e.epoch, e.samples]), [[0, 200], [1, 200], [2, 200]]);
      assert.equal(report.loss.alpha, 0.25);
      assert.equal(report.loss.convention, 'positive');
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
