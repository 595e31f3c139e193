// The config hints (inlay hints, hover, Problems panel) and the report panel under other colour
// themes, driven through the UI as a person would.
/* global document, getComputedStyle */
import assert from 'node:assert/strict';
import {
  activeEditor,
  canvasInk,
  editorLine,
  goToLine,
  inlayHints,
  openWorkbench,
  quickInput,
  quickOpen,
  quickPickItems,
  runCommand,
  screenshot,
  scrollLineToTop,
  selectColorTheme,
  tableRows,
  themeKind,
  waitUntil,
  webviewFrame,
} from './helpers.mjs';

describe('Focal Lens config hints (UI)', function () {
  /** @type {import('playwright-core').Page} */
  let page;

  before(async function () {
    page = await openWorkbench();
  });

  after(async function () {
    await page?.close();
  });

  it('shows inlay hints after alpha and gamma of an MMDetection config, and a hover explaining alpha', async function () {
    await quickOpen(page, 'retinanet_r50_fpn_1x_coco.py');
    // gamma=2.0 is line 51, alpha=0.25 line 52: Go to Line brings them into view.
    await goToLine(page, 52);

    const hints = await waitUntil(
      async () => {
        const found = await inlayHints(page);
        const alpha = found.find((h) => h.text.includes('pos x0.25 / neg x0.75'));
        const gamma = found.find((h) => h.text.includes('p_t=0.9 -> x0.01'));
        return alpha && gamma ? { alpha, gamma, all: found } : undefined;
      },
      { timeout: 60_000, message: 'the inlay hints "pos x0.25 / neg x0.75" and "p_t=0.9 -> x0.01"' },
    );
    assert.match(hints.alpha.line, /alpha\s*=\s*0\.25/, `the alpha hint is on the alpha line: ${hints.alpha.line}`);
    assert.match(hints.gamma.line, /gamma\s*=\s*2\.0/, `the gamma hint is on the gamma line: ${hints.gamma.line}`);
    // The hint follows the value on its line.
    assert.ok(hints.alpha.line.indexOf('0.25') < hints.alpha.line.indexOf('pos x0.25'), `hint after the value: ${hints.alpha.line}`);
    console.log(`      inlay hints: ${hints.all.map((h) => JSON.stringify(h.text)).join(', ')}`);
    // The CodeLens above the loss.
    const lens = activeEditor(page).locator('.contentWidgets .codelens-decoration, .codelens-decoration', { hasText: 'Analyze with a training log' });
    await lens.first().waitFor({ state: 'visible', timeout: 30_000 });

    // Few lines above alpha (under the sticky-scroll header): the hover opens below the line and
    // leaves the hints above it visible.
    await scrollLineToTop(page, 'use_sigmoid=True', 4);

    // Hover the alpha value: the token "0.25" of the alpha line (not the hint, which also says 0.25).
    const alphaLine = editorLine(page, 'alpha=0.25');
    const token = alphaLine.locator('span > span').filter({ hasText: /^0\.25$/ }).first();
    const hover = page.locator('.monaco-hover:not(.hidden)', { hasText: 'Focal Lens: alpha' });
    const text = await waitUntil(
      async () => {
        const box = await token.boundingBox();
        if (!box) return undefined;
        await page.mouse.move(box.x + box.width / 2 - 3, box.y + box.height / 2);
        await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 3 });
        await hover.first().waitFor({ state: 'visible', timeout: 3_000 });
        return (await hover.first().innerText()).replace(/\s+/g, ' ');
      },
      { timeout: 30_000, interval: 500, message: 'the Focal Lens hover over alpha' },
    );
    assert.match(text, /MMDetection/, `the hover names the library: ${text}`);
    assert.match(text, /positive/i, `the hover names the convention: ${text}`);
    assert.match(text, /at least 75%/, `the hover states the decision rule: ${text}`);
    console.log(`      hover: ${text.slice(0, 160)}...`);

    // The hover must not hide the hints.
    const hoverBox = await hover.first().boundingBox();
    const shown = await inlayHints(page);
    for (const hint of ['pos x0.25 / neg x0.75', 'p_t=0.9 -> x0.01']) {
      const box = shown.find((h) => h.text.includes(hint))?.box;
      assert.ok(box && hoverBox, `hint "${hint}" and the hover are on screen`);
      const overlaps = box.x < hoverBox.x + hoverBox.width && hoverBox.x < box.x + box.width && box.y < hoverBox.y + hoverBox.height && hoverBox.y < box.y + box.height;
      assert.ok(!overlaps, `the hover covers the hint "${hint}"`);
    }
    // The hover fades in: wait for its animations (on it and its ancestors) before the picture.
    await hover.first().evaluate(async (el) => {
      for (let node = el; node; node = node.parentElement) await Promise.all(node.getAnimations().map((a) => a.finished.catch(() => {})));
    });
    await waitUntil(async () => (await hover.first().evaluate((el) => Number(getComputedStyle(el).opacity))) === 1, { timeout: 5_000, message: 'the hover fully shown' });
    await screenshot(page, 'hints');
    await page.mouse.move(5, 450);
    await page.keyboard.press('Escape');
  });

  it('lists the Keras "alpha ignored" warning in the Problems panel', async function () {
    await quickOpen(page, 'keras_train.py');
    await page.keyboard.press('Control+Shift+M');
    const panel = page.locator('.markers-panel');
    await panel.waitFor({ state: 'visible', timeout: 15_000 });
    const row = panel.locator('.monaco-list-row', { hasText: 'ignores alpha unless apply_class_balancing=True' }).first();
    await row.waitFor({ state: 'visible', timeout: 60_000 });
    const rowText = (await row.innerText()).replace(/\s+/g, ' ');
    assert.match(rowText, /Focal Lens/, `the problem names its source: ${rowText}`);
    assert.equal(await row.locator('.codicon-warning, .codicon-warning-filled, [class*="warning"]').count() > 0, true, `a warning: ${rowText}`);
    // The file's entry in the panel, and the hint in the editor above it.
    await panel.locator('.monaco-list-row', { hasText: 'keras_train.py' }).first().waitFor({ state: 'visible' });
    await waitUntil(async () => (await inlayHints(page)).some((h) => h.text.includes('ignored: apply_class_balancing is off')), {
      timeout: 30_000,
      message: 'the inlay hint "ignored: apply_class_balancing is off"',
    });
    console.log(`      problem: ${rowText}`);
    await screenshot(page, 'problems');
  });

  describe('report panel under other colour themes', function () {
    let originalTheme = '';

    after(async function () {
      // The theme is a user setting shared with the other suites: put the original one back.
      if (originalTheme && page && !page.isClosed()) await selectColorTheme(page, originalTheme).catch((err) => console.log(`      could not restore the theme: ${err.message}`));
    });

    /** Waits for the report of the panel and a drawn chart; returns the frame. */
    async function waitForReport() {
      const frame = await webviewFrame(page, 'Focal Lens');
      const outcome = await waitUntil(
        async () => {
          const failure = frame.locator('.callout.error');
          if (await failure.count()) return { failed: await failure.first().innerText() };
          return (await frame.locator('.report').count()) ? { ok: true } : undefined;
        },
        { timeout: 90_000, message: 'the report of binary-alpha-0.96.jsonl' },
      );
      assert.ok(!outcome.failed, `the analysis failed: ${outcome.failed}`);
      await waitUntil(async () => (await canvasInk(frame)).some((c) => c.drawn > 500), { timeout: 60_000, message: 'a drawn chart' });
      await waitUntil(async () => (await tableRows(frame)).some((n) => n > 0), { message: 'a table with rows' });
      return frame;
    }

    /** The webview's text and background colours, and whether its body follows the theme. */
    async function webviewColours(frame) {
      return frame.evaluate(() => {
        const body = document.body;
        const style = getComputedStyle(body);
        return { classes: body.className, color: style.color, background: style.backgroundColor };
      });
    }

    it('is readable in Dark High Contrast', async function () {
      originalTheme = await selectColorTheme(page, 'Dark High Contrast');
      console.log(`      theme was "${originalTheme}"`);
      // Hide the Problems panel of the previous test: the report gets the whole editor area.
      if (await page.locator('.markers-panel').isVisible()) {
        await page.keyboard.press('Control+J');
        await page.locator('.markers-panel').waitFor({ state: 'hidden', timeout: 10_000 });
      }
      await runCommand(page, 'Analyze Focal Loss');
      const items = await quickPickItems(page);
      const index = items.findIndex((label) => label.startsWith('binary-alpha-0.96.jsonl'));
      assert.ok(index >= 0, `binary-alpha-0.96.jsonl is offered: ${items.join(' | ')}`);
      await quickInput(page).locator('.quick-input-list .monaco-list-row').nth(index).click();
      const frame = await waitForReport();
      const colours = await waitUntil(async () => {
        const c = await webviewColours(frame);
        return c.classes.includes('vscode-high-contrast') ? c : undefined;
      }, { message: 'the webview in the high-contrast theme' });
      console.log(`      webview: ${JSON.stringify(colours)}`);
      await page.waitForTimeout(800); // chart animation
      await screenshot(page, 'report-high-contrast');
    });

    it('is readable in Light Modern', async function () {
      await selectColorTheme(page, 'Light Modern');
      assert.equal(await themeKind(page), 'vs');
      const frame = await waitForReport();
      const colours = await waitUntil(async () => {
        const c = await webviewColours(frame);
        return c.classes.includes('vscode-light') ? c : undefined;
      }, { message: 'the webview in the light theme' });
      console.log(`      webview: ${JSON.stringify(colours)}`);
      await waitUntil(async () => (await canvasInk(frame)).some((c) => c.drawn > 500), { message: 'the chart redrawn' });
      await page.waitForTimeout(800);
      await screenshot(page, 'report-light');
    });
  });
});
