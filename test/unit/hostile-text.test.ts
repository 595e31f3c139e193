// Class names, file names and meta values from a hostile log, through every sink a person reads:
// the Markdown export, --format text on a terminal, a hover over a config file linked to the
// analysis, and the error notification. Each must show the text, never act on it.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze } from '../../src/core/analyze';
import { markdownText, notificationText, terminalText } from '../../src/core/format/escape';
import { renderMarkdown } from '../../src/core/format/markdown';
import { renderText } from '../../src/core/format/text';
import { analyzeHints, summarizeReport } from '../../src/core/hints';
import type { AnalysisReport } from '../../src/core/report';
import { hintAnalysisFailureText } from '../../src/extension/notifications';
import { failureWords } from '../../src/extension/words';
import { cspNonce } from '../../src/extension/nonce';
import { rng } from './seeded-random';

const HOSTILE = [
  '<img src=x onerror=alert(1)>',
  '<script>alert(1)</script>',
  'cat\n# injected heading\n| a | b |',
  '[click](command:workbench.action.terminal.new)',
  '![pixel](https://evil.example/p.png)',
  '\u001b]8;;https://evil.example\u0007link\u001b]8;;\u0007\u001b[31mred\u001b[0m',
];

const ESC = '\u001b';

/** VS Code's own link syntax in notification text (parseLinkedText in the workbench). */
const EDITOR_LINK = /\[([^\]]+)\]\(((?:https?:\/\/|command:|file:)[^)\s]+)(?: (["'])(.+?)(\3))?\)/i;

/** Markdown that would become a link, an image or HTML: an unescaped `](`, `![` or `<` outside code spans. */
function markdownHazards(markdown: string): string[] {
  const md = markdown.replace(/`[^`\n]*`/g, '``');
  const found: string[] = [];
  if (/(?<!\\)\]\s*\(/.test(md)) found.push('link');
  if (/(?<!\\)!\[/.test(md)) found.push('image');
  if (/<[a-z!/]/i.test(md)) found.push('html');
  return found;
}

describe('hostile text from a log', function () {
  this.timeout(60_000);
  let report: AnalysisReport;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'focal-lens-hostile-'));
    const r = rng(7);
    const lines = [JSON.stringify({ meta: { loss: 'softmax_focal', alpha: [0.2, 0.2, 0.2, 0.2, 0.1, 0.1], gamma: 2, convention: 'vector', classes: HOSTILE } })];
    for (let e = 0; e < 3; e++) {
      for (let i = 0; i < 300; i++) lines.push(JSON.stringify({ epoch: e, target: Math.floor(r() * 6), logits: Array.from({ length: 6 }, () => r() * 4 - 2) }));
    }
    lines.push('{"epoch": 2, "target": 9, "logits": [0, 0, 0, 0, 0, 0]}');
    const file = join(dir, '<b>run`x`[a](command:b).jsonl');
    writeFileSync(file, lines.join('\n') + '\n');
    report = await analyze({ paths: [file], backend: 'cpu', lenient: true, displayBase: dir });
    assert.deepEqual(report.classes, HOSTILE);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('the Markdown export escapes HTML, links, images, pipes and new lines in every cell and line', () => {
    const md = renderMarkdown(report);
    assert.deepEqual(markdownHazards(md), []);
    assert.ok(!md.split('\n').some((l) => l.startsWith('# injected')), 'a class name added a heading');
    // every table row keeps its columns: unescaped pipes per line are those of the table
    for (const table of md.split('\n\n').filter((b) => b.startsWith('|'))) {
      const rows = table.split('\n');
      const cells = (l: string) => l.split(/(?<!\\)\|/).length;
      for (const row of rows) assert.equal(cells(row), cells(rows[0]!), row);
    }
    assert.ok(md.includes(markdownText(HOSTILE[0]!)), 'the class name is shown, escaped');
  });

  it('--format text strips escape sequences and control characters from log text', () => {
    for (const color of [false, true]) {
      const text = renderText(report, { color });
      assert.ok(!text.includes('\u0007'));
      assert.ok(!text.includes(`${ESC}]`), 'an OSC sequence (hyperlink, title) got through');
      // the only escape sequences left are the report's own SGR colours
      const sequences = text.split(ESC).slice(1).map((s) => /^\[[0-9;]*[A-Za-z]/.exec(s)?.[0] ?? s.slice(0, 3));
      assert.deepEqual(sequences.filter((s) => !/^\[(0|1|2|31|32|33)m$/.test(s)), []);
      if (!color) assert.ok(!text.includes('\u001b'));
    }
    assert.equal(terminalText('a\u001b[2Jb\u001b]0;title\u0007c\u009b31md\re'), 'abcd?e');
  });

  it('a hover of a config file linked to the analysis escapes its class names, verdict and file name', () => {
    const linked = summarizeReport(report, [join(dir, '[x](command:evil).jsonl')]);
    const config = 'from torchvision.ops import sigmoid_focal_loss\nloss = sigmoid_focal_loss(x, y, alpha=0.25, gamma=2)  # <img src=y>\n';
    const a = analyzeHints(config, 'python', { linked });
    assert.ok(a.result.findings.length >= 2);
    a.result.findings.forEach((_, i) => {
      const hover = a.hover(i);
      assert.deepEqual(markdownHazards(hover), [], hover);
      assert.ok(!/\n#/.test(hover));
    });
  });

  it('a config whose own values are hostile gives an escaped hover', () => {
    const a = analyzeHints('loss:\n  type: FocalLoss\n  alpha: 0.25 # focal-lens: convention=[x](command:y)\n  gamma: 2\n', 'yaml');
    a.result.findings.forEach((_, i) => assert.deepEqual(markdownHazards(a.hover(i)), []));
  });

  it('error notifications never carry a link, a line break or more than the cap', () => {
    const quoting = new Error(`run.jsonl:1: expected meta.loss to be "sigmoid_focal" or "softmax_focal", got "${'[open](command:workbench.action.terminal.new)\n'.repeat(50)}"`);
    const hostile = `${HOSTILE[3]} ] (https://a.b) [c]\n(file:///etc/passwd)`;
    const texts = [
      failureWords({ type: 'error', kind: 'record', exitCode: 2, message: quoting.message }, quoting, false).message,
      hintAnalysisFailureText(quoting),
      failureWords(undefined, new Error(hostile), false).message,
      failureWords({ type: 'error', kind: 'usage', exitCode: 2, message: 'x', backend: { name: 'tensorflow', reason: hostile } }, undefined, false).message,
    ];
    for (const text of texts) {
      assert.ok(!EDITOR_LINK.test(text.replace(/\s+/g, ' ')), text);
      assert.ok(!text.includes('\n'));
      assert.ok(text.length <= 400);
    }
    assert.equal(notificationText('x'.repeat(1000)).length, 400);
  });

  it('webview nonces come from a cryptographic source: 128 bits, never repeated', () => {
    const seen = new Set(Array.from({ length: 1000 }, () => cspNonce()));
    assert.equal(seen.size, 1000);
    for (const n of seen) assert.match(n, /^[A-Za-z0-9+/]{22}==$/);
  });
});
