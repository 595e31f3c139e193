// The report panel and the side view, driven through the UI as a person would.
import assert from 'node:assert/strict';
import {
  canvasInk,
  openActivityBarView,
  openWorkbench,
  quickInput,
  quickPickItems,
  runCommand,
  screenshot,
  showsReportOf,
  tableRows,
  waitUntil,
  webviewFrame,
} from './helpers.mjs';

describe('Focal Lens report (UI)', function () {
  /** @type {import('playwright-core').Page} */
  let page;

  before(async function () {
    page = await openWorkbench();
  });

  after(async function () {
    await page?.close();
  });

  it('"Analyze Focal Loss" from the command palette shows a report with a drawn chart and a table', async function () {
    await runCommand(page, 'Analyze Focal Loss');
    // The panel opens at once; then a quick pick asks which prediction dump to analyze.
    const items = await quickPickItems(page);
    // A known-good example (the workspace also holds deliberately broken logs).
    const preferred = items.findIndex((label) => label.startsWith('binary-alpha-0.25.jsonl'));
    const dumpIndex = preferred >= 0 ? preferred : items.findIndex((label) => !label.includes('Browse for a file'));
    const dumpName = items[dumpIndex]?.match(/^\S+?\.(jsonl|ndjson|csv|npz|npy|safetensors)(\.gz)?/)?.[0] ?? items[dumpIndex];
    assert.ok(dumpIndex >= 0, `the workspace offers no prediction dump to analyze; quick pick: ${items.join(' | ')}`);
    await quickInput(page).locator('.quick-input-list .monaco-list-row').nth(dumpIndex).click();

    const frame = await webviewFrame(page, 'Focal Lens');
    // The analysis runs (progress callout), then the report replaces it, or an error callout says why not.
    const outcome = await waitUntil(
      async () => {
        const failure = frame.locator('.callout.error');
        if (await failure.count()) return { failed: await failure.first().innerText() };
        if ((await showsReportOf(frame, dumpName)) && (await frame.locator('.report').count())) {
          return { verdict: await frame.locator('.report .verdict-title').first().innerText().catch(() => '') };
        }
        return undefined;
      },
      { timeout: 90_000, message: `the report of ${dumpName}` },
    );
    assert.ok(!outcome.failed, `the analysis of ${dumpName} failed: ${outcome.failed}`);
    console.log(`      analyzed ${dumpName}: ${outcome.verdict.replace(/\s+/g, ' ')}`);
    const ink = await waitUntil(
      async () => {
        const canvases = await canvasInk(frame);
        return canvases.some((c) => c.drawn > 500) ? canvases : undefined;
      },
      { timeout: 90_000, message: 'a chart with drawn pixels in the report panel' },
    );
    const rows = await waitUntil(async () => {
      const counts = await tableRows(frame);
      return counts.some((n) => n > 0) ? counts : undefined;
    }, { message: 'a table with rows in the report panel' });
    console.log(`      canvases: ${ink.map((c) => `${c.width}x${c.height} ${c.drawn} px drawn`).join(', ')}; table rows: ${rows.join(', ')}`);
    // Let the chart animation settle before the picture.
    await page.waitForTimeout(1_000);
    await screenshot(page, 'report-panel');
  });

  it('the Focal Lens activity-bar view shows the side view', async function () {
    await openActivityBarView(page, 'Focal Lens');
    const frame = await webviewFrame(page, { purpose: 'webviewView' });
    const text = await waitUntil(async () => {
      const body = (await frame.locator('body').innerText()).trim();
      return body.length > 0 ? body : undefined;
    }, { message: 'content in the side view' });
    assert.ok(text.length > 0);
    const ink = await waitUntil(
      async () => {
        const canvases = await canvasInk(frame);
        return canvases.some((c) => c.drawn > 200) ? canvases : undefined;
      },
      { message: 'a chart with drawn pixels in the side view' },
    );
    console.log(`      side view canvases: ${ink.map((c) => `${c.width}x${c.height} ${c.drawn} px drawn`).join(', ')}`);
    await page.waitForTimeout(1_000);
    await screenshot(page, 'side-view');
  });
});
