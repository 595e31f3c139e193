// Exports of a report for a pull request: the self-contained HTML file (src/core/format/html.ts)
// and the Markdown, on a run whose class names are markup (test/e2e/fixtures.ts): every string
// from the logs arrives as text, never as HTML.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze } from '../../src/core/analyze';
import { renderHtml } from '../../src/core/format/html';
import { renderMarkdown } from '../../src/core/format/markdown';
import { htmlText } from '../../src/core/format/escape';
import { sparklinePath } from '../../src/core/format/svg';
import type { AnalysisReport } from '../../src/core/report';
import { HOSTILE_CLASSES, writeHostileDump } from '../e2e/fixtures';

describe('report exports with hostile class names', function () {
  this.timeout(60000);
  let tmp: string;
  let report: AnalysisReport;
  const hostile = HOSTILE_CLASSES;
  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'focal-lens-exports-'));
    report = await analyze({ paths: [writeHostileDump(tmp)], backend: 'cpu', displayBase: tmp });
    assert.deepEqual(report.classes, hostile);
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('HTML: no script, no markup from the logs, the names escaped; charts inline as SVG under a CSP that forbids scripts', () => {
    const html = renderHtml(report, { epoch: 2 });
    assert.doesNotMatch(html, /<script/i);
    assert.doesNotMatch(html, /<img/i);
    for (const name of hostile) assert.ok(!html.includes(name), `raw ${name}`);
    assert.ok(html.includes(htmlText(hostile[0]!)));
    assert.ok(html.includes('&lt;script&gt;window.__pwned=2&lt;/script&gt;'));
    assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">/);
    // the charts (G+/G-, shares, focal loss, balance factors) and the selected epoch's table
    assert.equal((html.match(/<svg /g) ?? []).length, 4);
    assert.match(html, /<caption>Per class at epoch 2<\/caption>/);
    assert.doesNotMatch(html, /<[^>]*\s(src|href)=|url\(/i, 'nothing is loaded from anywhere');
  });

  it('Markdown: markup from the logs as entities or in code spans; table cells keep their pipes', () => {
    const md = renderMarkdown(report);
    const outsideCode = md.replace(/(`+)[\s\S]*?\1/g, '');
    assert.doesNotMatch(outsideCode, /<img|<script/i);
    // as entities, with markdown punctuation escaped too (escape.ts markdownText)
    assert.ok(md.includes('&lt;script&gt;window.\\_\\_pwned=2&lt;/script&gt;'), 'the class name as text');
    // every row of a table has as many unescaped cell separators as its header
    const lines = md.split('\n');
    const cells = (line: string) => line.replace(/\\\|/g, '').split('|').length;
    for (let i = 0; i < lines.length; i++) {
      if (!lines[i]!.startsWith('| ') || !lines[i + 1]?.startsWith('|')) continue;
      const header = cells(lines[i]!);
      for (let j = i + 2; j < lines.length && lines[j]!.startsWith('|'); j++) assert.equal(cells(lines[j]!), header, lines[j]);
    }
  });

  it('JSON keeps the names as data', () => {
    assert.deepEqual((JSON.parse(JSON.stringify(report)) as AnalysisReport).classes, hostile);
  });

  it('a sparkline path spans its box and breaks at missing values', () => {
    assert.equal(sparklinePath([1, 2, 3], 100, 20), 'M0 19L50 10L100 1');
    assert.equal(sparklinePath([1, null, 3], 100, 20), 'M0 19M100 1');
    assert.equal(sparklinePath([null], 100, 20), '');
  });
});
