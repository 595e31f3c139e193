// The one convention table: ids, library-name aliases (as users write them in meta, flags,
// comments and run configs) and the per-class alpha each convention gives a scalar.
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze } from '../../src/core/analyze';
import { conventionInText, conventionNames, CONVENTIONS, lookupConvention } from '../../src/core/conventions';
import { resolveClassAlpha } from '../../src/core/focal';
import { analyzeHints } from '../../src/core/hints';

function convention(name: string, kind?: 'sigmoid' | 'softmax'): string {
  const r = lookupConvention(name, kind);
  return r.ok ? r.convention : `error: ${r.reason}`;
}

describe('conventions: library names as aliases', () => {
  it('every id is accepted as itself', () => {
    for (const id of CONVENTIONS) assert.equal(convention(id), id);
  });
  it("every id has a row in docs/method.md's table of alpha conventions", () => {
    const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'method.md'), 'utf8');
    const section = doc.slice(doc.indexOf('## Alpha conventions'), doc.indexOf('## Per-sample pieces'));
    assert.ok(section.length > 0, 'docs/method.md has an "Alpha conventions" section');
    for (const id of CONVENTIONS) assert.match(section, new RegExp(`^\\| \`${id}\` \\|`, 'm'), `no row for '${id}'`);
  });
  it('library names map to the convention of their sigmoid or softmax loss', () => {
    assert.equal(convention('torchvision'), 'positive');
    assert.equal(convention('Detectron2'), 'positive');
    assert.equal(convention('fvcore'), 'positive');
    assert.equal(convention('mmdet'), 'positive');
    assert.equal(convention('ultralytics'), 'positive');
    assert.equal(convention('YOLOv5'), 'positive');
    assert.equal(convention('segmentation_models_pytorch'), 'positive');
    assert.equal(convention('Focal-Loss-Pytorch'), 'class0-alpha');
    assert.equal(convention('clcarwin'), 'class0-alpha');
    assert.equal(convention('fudannlp16'), 'negative');
    assert.equal(convention('keras', 'sigmoid'), 'positive');
    assert.equal(convention('keras', 'softmax'), 'uniform');
    assert.equal(convention('kornia', 'softmax'), 'class0-complement');
    assert.equal(convention('kornia-old', 'softmax'), 'uniform');
    assert.equal(convention('monai', 'sigmoid'), 'positive');
    assert.equal(convention('monai', 'softmax'), 'class0-complement');
  });
  it('a name whose meaning depends on the head says so; an unknown name lists the choices', () => {
    assert.match(convention('keras'), /sigmoid head and uniform for softmax/);
    assert.match(convention('focal-loss-pytorch', 'sigmoid'), /has no sigmoid focal loss/);
    assert.match(convention('nonsense'), /unknown convention 'nonsense'.*torchvision/);
  });
  it('finds the library in free text (run configs)', () => {
    assert.equal(conventionInText('torchvision.ops.sigmoid_focal_loss')?.convention, 'positive');
    assert.equal(conventionInText("focal_loss (Focal-Loss-Pytorch style: scalar alpha -> [alpha, 1-alpha, ...])", 'softmax')?.convention, 'class0-alpha');
    assert.equal(conventionInText('cross entropy'), null);
  });
  it("'negative' weights the negatives: the reverse of 'positive'", () => {
    assert.deepEqual(resolveClassAlpha('sigmoid', 1, 0.75, 'negative'), [0.25]);
    assert.deepEqual(resolveClassAlpha('softmax', 3, 0.75, 'negative'), [0.75, 0.25, 0.25]);
  });
  it('a comment may name the library', () => {
    const a = analyzeHints('# focal-lens: convention=torchvision\nloss = FocalLoss(alpha=0.25, gamma=2)\n', 'python');
    assert.equal(a.result.findings.find((f) => f.parameter === 'alpha')?.convention, 'positive');
  });
});

describe('conventions: a dump meta that names the library', () => {
  const dir = mkdtempSync(join(tmpdir(), 'focal-lens-conv-'));
  const write = (name: string, meta: object): string => {
    const path = join(dir, name);
    const rows = [JSON.stringify({ meta }), JSON.stringify({ epoch: 1, targets: [0, 1, 0, 0, 1, 0], logits: [-2, 1, -1, 0.5, -0.2, -3] })];
    writeFileSync(path, rows.join('\n') + '\n');
    return path;
  };
  it('"convention": "torchvision" is accepted and read as positive', async () => {
    const r = await analyze({ paths: [write('tv.jsonl', { loss: 'sigmoid_focal', alpha: 0.25, gamma: 2, convention: 'torchvision' })], backend: 'cpu' });
    assert.equal(r.loss.convention, 'positive');
    assert.equal(r.loss.alpha, 0.25);
  });
  it('"convention": "fudannlp16" weights the negatives', async () => {
    const r = await analyze({ paths: [write('neg.jsonl', { loss: 'sigmoid_focal', alpha: 0.25, gamma: 2, convention: 'fudannlp16' })], backend: 'cpu' });
    assert.equal(r.loss.convention, 'negative');
    const pos = r.epochs[0]!.perClass.find((c) => c.class === 'positive')!;
    assert.ok(Math.abs(pos.factors.alpha - 0.75 / 0.25) < 1e-9, `alpha factor ${pos.factors.alpha}`);
  });
  it('an unknown name is refused with the choices', async () => {
    await assert.rejects(analyze({ paths: [write('bad.jsonl', { loss: 'sigmoid_focal', alpha: 0.25, gamma: 2, convention: 'mystery-lib' })], backend: 'cpu' }), /unknown convention 'mystery-lib'/);
  });
});

describe('conventions: the Python writer accepts the same names', () => {
  it('python/focal_lens/writer.py lists the ids and the first alias of every library', () => {
    const py = readFileSync(join(__dirname, '..', '..', 'python', 'focal_lens', 'writer.py'), 'utf8');
    const listed = (name: string) => [...(new RegExp(`${name} = \\(([^)]*)\\)`).exec(py)?.[1] ?? '').matchAll(/"([^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual([...listed('CONVENTIONS'), ...listed('LIBRARY_CONVENTIONS')], conventionNames());
  });
});
