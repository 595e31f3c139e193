// Issue 10 as a person meets it: the question a log without alpha gets is in words (no flags on
// screen), escaping it leaves the last good report in place, the status bar keeps the verdict of
// the report on screen across a window reload, and the loss explorer says what is wrong with input.
import assert from 'node:assert/strict';
import { getSession, openWorkbench, quickInput, runCommand, screenshot, waitUntil, webviewFrame } from './helpers.mjs';

const FLAG = /(^|\s)--[a-z]/;

/** Runs "Analyze Focal Loss" and picks `name` in the picker (typed: the list shows only its first rows). */
async function analyze(page, name) {
  await runCommand(page, 'Analyze Focal Loss');
  const row = quickInput(page).locator('.quick-input-list .monaco-list-row', { hasText: name }).first();
  await row.waitFor({ state: 'visible', timeout: 30_000 }).catch(async () => {
    await quickInput(page).locator('input.input').fill(name);
    await row.waitFor({ state: 'visible', timeout: 30_000 });
  });
  // every candidate says where it lies relative to the workspace, the root by its name
  const rows = await quickInput(page).locator('.quick-input-list .monaco-list-row').allTextContents();
  const root = getSession().workspace;
  assert.ok(!rows.some((t) => t.includes(root)), `the workspace's absolute path in the picker: ${rows.join(' | ')}`);
  await row.click();
}

/** The panel once it shows the finished report of `name` (while a run goes, the previous report shows below its progress). */
async function finishedReport(page, name) {
  const frame = await webviewFrame(page, 'Focal Lens');
  await waitUntil(
    async () => (await frame.locator('.report-source', { hasText: `Report of ${name}` }).count()) > 0 && (await frame.locator('progress').count()) === 0,
    { timeout: 90_000, message: `the finished report of ${name}` },
  );
  return frame;
}

const verdictItem = (page) => page.locator('.statusbar .statusbar-item', { hasText: 'Focal Lens:' }).first();

describe('Focal Lens speaks to people (UI)', function () {
  /** @type {import('playwright-core').Page} */
  let page;

  before(async function () {
    page = await openWorkbench();
  });

  after(async function () {
    await page?.close();
  });

  it('a log without alpha asks in words; Escape keeps the last good report; the verdict survives a reload', async function () {
    this.timeout(240_000);
    await analyze(page, 'binary-alpha-0.96.jsonl');
    let frame = await finishedReport(page, 'binary-alpha-0.96.jsonl');
    await verdictItem(page).waitFor({ state: 'visible', timeout: 30_000 });
    const verdict = (await verdictItem(page).innerText()).trim();
    assert.match(verdict, /Focal Lens: drifting onto 'positive' · /);

    await analyze(page, 'softmax-4class-vector.csv');
    const widget = quickInput(page);
    await widget.locator('.quick-input-title', { hasText: 'which alpha did this run train with' }).waitFor({ timeout: 60_000 });
    const asked = await widget.innerText();
    assert.match(asked, /The log does not record it\. Enter one number \(0\.25\)/);
    assert.doesNotMatch(asked, FLAG, asked);
    frame = await webviewFrame(page, 'Focal Lens');
    // the panel's status follows the question by a message to the webview: wait for it, not a moment
    const behind = await waitUntil(async () => {
      const text = await frame.locator('body').innerText();
      return /Waiting for the run's alpha/.test(text) ? text : undefined;
    }, { timeout: 15_000, message: "the panel saying it waits for the run's alpha" });
    assert.doesNotMatch(behind, FLAG);
    await screenshot(page, 'question-alpha');

    await page.keyboard.press('Escape');
    await widget.waitFor({ state: 'hidden', timeout: 10_000 });
    const restored = await waitUntil(async () => {
      const text = await frame.locator('body').innerText();
      return /Report of binary-alpha-0\.96\.jsonl/.test(text) && !/Waiting/.test(text) ? text : undefined;
    }, { timeout: 30_000, message: 'the last good report back in the panel' });
    assert.equal(await frame.locator('.callout.error').count(), 0, 'no failure in place of the report');
    assert.doesNotMatch(restored, FLAG);
    assert.equal((await verdictItem(page).innerText()).trim(), verdict);

    await page.reload();
    await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 90_000 });
    await verdictItem(page).waitFor({ state: 'visible', timeout: 90_000 });
    assert.equal((await verdictItem(page).innerText()).trim(), verdict, 'the status bar after a reload');
    await screenshot(page, 'status-after-reload');
  });

  it('the loss explorer says what is wrong with its input, and draws the run\'s gamma', async function () {
    this.timeout(120_000);
    await analyze(page, 'binary-alpha-0.96.jsonl');
    const frame = await finishedReport(page, 'binary-alpha-0.96.jsonl');
    await frame.locator('button[role="tab"]', { hasText: 'Loss explorer' }).click();
    const gammas = frame.locator('#gammas');
    await gammas.waitFor({ timeout: 15_000 });
    assert.match(await frame.locator('#gammas-help').innerText(), /this run trains with γ = 2/);

    await gammas.fill('2, abc');
    await gammas.press('Enter');
    const problem = frame.locator('#gammas-problem');
    await problem.waitFor({ state: 'visible', timeout: 10_000 });
    assert.equal(await problem.innerText(), '"abc" is not a γ: each value is a number from 0 to 20.');
    assert.equal(await gammas.getAttribute('aria-invalid'), 'true');

    const alpha = frame.locator('#alpha-t');
    await alpha.fill('2');
    await alpha.press('Enter');
    await frame.locator('#alpha-t-problem').waitFor({ state: 'visible', timeout: 10_000 });
    assert.equal(await frame.locator('#alpha-t-problem').innerText(), 'α_t is a number above 0 and at most 1.');

    await gammas.fill('0, 5');
    await gammas.press('Enter');
    // a valid list redraws the explorer: no complaint left, the run's gamma drawn beside the two asked for
    await waitUntil(async () => (await frame.locator('#gammas').inputValue()) === '0, 5' && (await frame.locator('#gammas-problem').isHidden()), { message: 'the redrawn explorer' });
    assert.match(await frame.locator('#explorer-loss-table').innerText(), /2 \(this run\)/);
    await screenshot(page, 'explorer-input-checks');
  });
});
