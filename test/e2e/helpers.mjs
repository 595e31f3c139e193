// Reusable helpers for the e2e tests: they drive code-server's workbench in headless Chromium as
// a person would (keyboard, clicks, what is on screen), with the extension loaded in development
// mode. test/harness/run-e2e.mjs starts code-server and the browser once and calls setSession();
// test files import the helpers from here.
//
//   const page = await openWorkbench();
//   await runCommand(page, 'Analyze Focal Loss');
//   const frame = await webviewFrame(page, 'Focal Lens');
//   await screenshot(page, 'report-panel');
/* global document, location, getComputedStyle */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { payloadUrl, repoRoot } from '../harness/code-server.mjs';

export const RESULTS_DIR = join(repoRoot, 'test-results');
export const VIEWPORT = { width: 1400, height: 900 };

/**
 * @typedef {object} Session
 * @property {{ port: number, baseUrl: string }} server
 * @property {import('playwright-core').Browser} browser
 * @property {string} workspace absolute path of the (temporary) workspace folder
 */

/** @type {Session | undefined} */
let session;
/** @type {Set<import('playwright-core').Page>} */
const openPages = new Set();

/** Called by the runner. @param {Session} s */
export function setSession(s) {
  session = s;
}

/** @returns {Session} */
export function getSession() {
  if (!session) throw new Error('e2e session not set: run the e2e tests through test/harness/run-e2e.mjs');
  return session;
}

/** Pages opened by openWorkbench and not closed yet (the runner screenshots them on failure). */
export function livePages() {
  return [...openPages].filter((p) => !p.isClosed());
}

/**
 * Opens the workbench on the session's workspace with the extension in development mode and waits
 * until it is usable: workbench DOM present, the remote folder listed, and (unless
 * `waitForActivityBar` is empty) the extension's activity-bar entry shown, i.e. its
 * contributions (commands, views) are registered.
 * @param {{ workspace?: string, waitForActivityBar?: string }} [options]
 * @returns {Promise<import('playwright-core').Page>}
 */
export async function openWorkbench({ workspace, waitForActivityBar = 'Focal Lens' } = {}) {
  const { server, browser, workspace: defaultWorkspace } = getSession();
  const page = await browser.newPage({ viewport: VIEWPORT });
  openPages.add(page);
  page.on('close', () => openPages.delete(page));
  if (process.env.FOCAL_LENS_VERBOSE === '1') {
    page.on('console', (msg) => console.log(`    [page ${msg.type()}] ${msg.text()}`));
  }
  await page.goto(payloadUrl(server, { workspace: workspace ?? defaultWorkspace, extensionDevelopmentPath: repoRoot }));
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
  await page.locator('.statusbar').waitFor({ state: 'visible', timeout: 60_000 });
  // The explorer shows the folder once the remote file system answered.
  await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: 60_000 }).catch(() => {});
  if (waitForActivityBar) await activityBarItem(page, waitForActivityBar).waitFor({ state: 'visible', timeout: 90_000 });
  await dismissNotifications(page);
  return page;
}

/** Closes every notification toast (e.g. the failed extension-gallery look-up: no network here). */
export async function dismissNotifications(page) {
  await page.keyboard.press('Escape').catch(() => {});
  const toasts = page.locator('.notification-toast .codicon-notifications-clear, .notification-toast .codicon-close');
  for (let i = (await toasts.count()) - 1; i >= 0; i--) await toasts.nth(i).click({ timeout: 2_000 }).catch(() => {});
}

/** The quick-input box (command palette, quick picks). */
export function quickInput(page) {
  return page.locator('.quick-input-widget');
}

/** Opens the command palette with F1 (falls back to Ctrl+Shift+P) and waits for its input. */
export async function openCommandPalette(page) {
  const widget = quickInput(page);
  const input = widget.locator('input.input');
  for (const key of ['F1', 'Control+Shift+P']) {
    await page.locator('.monaco-workbench').focus().catch(() => {});
    await page.keyboard.press(key);
    try {
      await widget.waitFor({ state: 'visible', timeout: 5_000 });
      await input.waitFor({ state: 'visible', timeout: 5_000 });
      const value = await input.inputValue();
      if (value.startsWith('>')) return input;
    } catch {
      /* try the other shortcut */
    }
  }
  throw new Error('the command palette did not open (F1, Ctrl+Shift+P)');
}

/**
 * Runs a command by its palette title as a person would: open the palette, type, press Enter on
 * the matching entry. Retries while the command is not (yet) registered: the palette does not
 * refresh its list when an extension registers commands after it opened.
 * @param {import('playwright-core').Page} page
 * @param {string} title e.g. 'Analyze Focal Loss' (the category prefix is optional)
 * @param {{ timeout?: number }} [options]
 */
export async function runCommand(page, title, { timeout = 45_000 } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const input = await openCommandPalette(page);
    await input.fill(`>${title}`);
    const row = quickInput(page).locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
    try {
      await row.waitFor({ state: 'visible', timeout: 5_000 });
    } catch (err) {
      await page.keyboard.press('Escape');
      if (Date.now() > deadline) throw new Error(`no command "${title}" in the command palette: ${err.message}`);
      await page.waitForTimeout(1_000);
      continue;
    }
    // Make sure the matching entry is the focused one before pressing Enter.
    const focused = quickInput(page).locator('.quick-input-list .monaco-list-row.focused');
    if ((((await focused.textContent().catch(() => '')) ?? '')).includes(title)) await page.keyboard.press('Enter');
    else await row.click();
    return;
  }
}

/**
 * Waits for a quick pick (one that is not the command palette) and returns its visible rows' labels.
 * @returns {Promise<string[]>}
 */
export async function quickPickItems(page, timeout = 15_000) {
  const rows = quickInput(page).locator('.quick-input-list .monaco-list-row');
  await rows.first().waitFor({ state: 'visible', timeout });
  return (await rows.allTextContents()).map((t) => t.trim());
}

/**
 * The DOM of a webview: VS Code hosts each webview in an `iframe.webview` whose document holds
 * the extension's content in a nested `iframe#active-frame`. Returns that inner frame.
 * @param {import('playwright-core').Page} page
 * @param {string | number | { extensionId?: string, purpose?: 'webviewView' | 'editor', title?: string }} which
 *   a number: the n-th webview iframe in the DOM; a string: matched against the title of the
 *   editor tab or view that hosts it (falls back to the iframe's title); an object: filters.
 * @param {{ timeout?: number }} [options]
 * @returns {Promise<import('playwright-core').Frame>}
 */
export async function webviewFrame(page, which, { timeout = 30_000 } = {}) {
  const deadline = Date.now() + timeout;
  let lastError;
  while (Date.now() < deadline) {
    try {
      const handle = await findWebviewIframe(page, which);
      if (handle) {
        const outer = await handle.contentFrame();
        const inner = outer && (await outer.waitForSelector('#active-frame', { timeout: 2_000 }).catch(() => null));
        const frame = inner && (await inner.contentFrame());
        if (frame) {
          await frame.waitForLoadState('domcontentloaded');
          return frame;
        }
      }
    } catch (err) {
      lastError = err;
    }
    await page.waitForTimeout(250);
  }
  throw new Error(`webview ${JSON.stringify(which)} not found within ${timeout} ms${lastError ? `: ${lastError.message}` : ''}`);
}

async function findWebviewIframe(page, which) {
  const iframes = page.locator('iframe.webview');
  const count = await iframes.count();
  if (typeof which === 'number') return count > which ? iframes.nth(which).elementHandle() : null;
  const filters = typeof which === 'string' ? { title: which } : which;
  const candidates = [];
  for (let i = 0; i < count; i++) {
    const el = iframes.nth(i);
    const info = await el.evaluate((node) => {
      const src = node.getAttribute('src') ?? '';
      const params = new URL(src, location.href).searchParams;
      const rect = node.getBoundingClientRect();
      return {
        title: node.getAttribute('title') ?? '',
        extensionId: params.get('extensionId') ?? '',
        purpose: params.get('purpose') ?? '',
        visible: rect.width > 0 && rect.height > 0 && getComputedStyle(node).visibility !== 'hidden',
        center: { x: rect.left + rect.width / 2, y: rect.top + rect.height / 2 },
      };
    });
    candidates.push({ el, info });
  }
  const hostTitle = async (info) => {
    // Which part of the workbench is under the iframe: an editor group (tab title) or a view pane.
    return page.evaluate(({ x, y }) => {
      const hits = document.elementsFromPoint(x, y);
      for (const hit of hits) {
        const group = hit.closest?.('.editor-group-container');
        if (group) return group.querySelector('.tab.active .label-name, .tab.active .monaco-icon-label')?.textContent ?? '';
        const pane = hit.closest?.('.pane');
        if (pane) return pane.querySelector('.pane-header .title')?.textContent ?? '';
      }
      // Webview iframes overlay the workbench; look underneath by hiding nothing: fall back to none.
      return '';
    }, info.center);
  };
  for (const { el, info } of candidates) {
    if (!info.visible) continue;
    if (filters.extensionId && info.extensionId !== filters.extensionId) continue;
    if (filters.purpose && info.purpose !== filters.purpose) continue;
    if (filters.title) {
      const under = await hostTitle(info);
      if (!under.includes(filters.title) && !info.title.includes(filters.title)) continue;
    }
    return el.elementHandle();
  }
  return null;
}

/**
 * Counts pixels of every <canvas> in a frame that differ from that canvas's background (its most
 * frequent colour), i.e. what a chart actually drew.
 * @param {import('playwright-core').Frame} frame
 * @returns {Promise<{ width: number, height: number, drawn: number }[]>}
 */
export async function canvasInk(frame) {
  return frame.evaluate(() =>
    [...document.querySelectorAll('canvas')].map((canvas) => {
      const { width, height } = canvas;
      if (!width || !height) return { width, height, drawn: 0 };
      const ctx = canvas.getContext('2d');
      if (!ctx) return { width, height, drawn: -1 };
      const data = ctx.getImageData(0, 0, width, height).data;
      const counts = new Map();
      for (let i = 0; i < data.length; i += 4) {
        const key = (data[i] << 24) | (data[i + 1] << 16) | (data[i + 2] << 8) | data[i + 3];
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      let background = 0;
      for (const n of counts.values()) background = Math.max(background, n);
      return { width, height, drawn: width * height - background };
    }),
  );
}

/** Number of body rows (rows with <td> cells) of every <table> in a frame. */
export async function tableRows(frame) {
  return frame.evaluate(() =>
    [...document.querySelectorAll('table')].map((t) => [...t.querySelectorAll('tr')].filter((r) => r.querySelector('td')).length),
  );
}

/**
 * Saves a screenshot of the page as test-results/<name>.png and returns the path.
 * @param {import('playwright-core').Page} page
 * @param {string} name
 */
export async function screenshot(page, name) {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, `${name.replace(/[^\w.-]+/g, '-')}.png`);
  await page.screenshot({ path });
  return path;
}

/** The activity-bar entry whose label starts with `title`. */
export function activityBarItem(page, title) {
  return page.locator(`.activitybar .action-item a[aria-label^="${title}"]`).first();
}

/** Clicks the activity-bar entry whose label starts with `title` (e.g. 'Focal Lens') unless its view is shown. */
export async function openActivityBarView(page, title) {
  const item = activityBarItem(page, title);
  await item.waitFor({ state: 'visible', timeout: 30_000 });
  const checked = await item.evaluate((el) => (el.closest('.action-item') ?? el).classList.contains('checked'));
  if (!checked) await item.click();
  await page
    .locator('.sidebar .composite.title', { hasText: title.toUpperCase() })
    .or(page.locator('.sidebar .composite.title', { hasText: title }))
    .first()
    .waitFor({ timeout: 15_000 })
    .catch(() => {});
}

/**
 * Whether the report panel shows the report of `name`: while a run goes it shows the previous
 * report, marked, which is not that one.
 */
export async function showsReportOf(frame, name) {
  const source = await frame.locator('.report-source').first().innerText().catch(() => '');
  return source.includes(name) && !(await frame.locator('.previous-report').count());
}

/** Polls `fn` until it returns a truthy value (returned) or throws after `timeout`. */
export async function waitUntil(fn, { timeout = 30_000, interval = 250, message = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  while (Date.now() < deadline) {
    try {
      last = await fn();
      if (last) return last;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, interval));
  }
  throw new Error(`timed out waiting for ${message}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
}

/**
 * Opens a workspace file with Quick Open as a person would: Ctrl+P, type the name, Enter on the
 * matching entry; waits until its editor tab is the active one and its text is rendered.
 * @param {import('playwright-core').Page} page
 * @param {string} fileName e.g. 'retinanet_r50_fpn_1x_coco.py'
 */
export async function quickOpen(page, fileName, { timeout = 30_000 } = {}) {
  const widget = quickInput(page);
  const input = widget.locator('input.input');
  await page.locator('.monaco-workbench').focus().catch(() => {});
  await page.keyboard.press('Control+P');
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  await input.fill(fileName);
  const row = widget.locator('.quick-input-list .monaco-list-row', { hasText: fileName }).first();
  // The file search answers asynchronously (remote file system).
  await row.waitFor({ state: 'visible', timeout });
  const focused = widget.locator('.quick-input-list .monaco-list-row.focused');
  if ((((await focused.textContent().catch(() => '')) ?? '')).includes(fileName)) await page.keyboard.press('Enter');
  else await row.click();
  await page.locator('.tabs-container .tab.active', { hasText: fileName }).waitFor({ state: 'visible', timeout });
  await activeEditor(page).locator('.view-lines .view-line').first().waitFor({ state: 'visible', timeout });
}

/** The text editor of the active editor group. */
export function activeEditor(page) {
  return page.locator('.editor-group-container.active .monaco-editor').first();
}

/** The rendered line (`.view-line`) of the active editor whose text contains `text` (it must be scrolled into view). */
export function editorLine(page, text) {
  return activeEditor(page).locator('.view-lines .view-line', { hasText: text }).first();
}

/**
 * The inlay hints rendered in the active editor: VS Code injects them into the line as spans whose
 * class names contain `dyn-rule` (a generated CSS rule; e.g. `mtk1 dyn-rule-2-1`), with spaces as
 * non-breaking spaces. Returns their texts (spaces normalised), classes, line text and box.
 * @returns {Promise<{ text: string, className: string, line: string, box: { x: number, y: number, width: number, height: number } }[]>}
 */
export async function inlayHints(page) {
  return activeEditor(page).evaluate((editor) => {
    const norm = (t) => (t ?? '').replace(/\u00a0/g, ' ');
    return [...editor.querySelectorAll('.view-lines .view-line span')]
      .filter((span) => span.children.length === 0 && /dyn-rule|inlay/i.test(span.className) && span.textContent.trim())
      .map((span) => {
        const r = span.getBoundingClientRect();
        return {
          text: norm(span.textContent).trim(),
          className: span.className,
          line: norm(span.closest('.view-line')?.textContent),
          box: { x: r.x, y: r.y, width: r.width, height: r.height },
        };
      });
  });
}

/** Runs "Go to Line/Column..." (Ctrl+G) and jumps to a 1-based line (the editor centres it). */
export async function goToLine(page, line) {
  await activeEditor(page).locator('.view-lines').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('Control+G');
  const input = quickInput(page).locator('input.input');
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  await input.fill(`:${line}`);
  await page.keyboard.press('Enter');
  await quickInput(page).waitFor({ state: 'hidden', timeout: 10_000 });
}

/**
 * Scrolls the active editor with the mouse wheel until the rendered line containing `text` is about
 * `linesFromTop` lines below the top of the editor (the line must be rendered, e.g. after goToLine).
 * Positioning is cosmetic (screenshots): after a few wheel steps it settles for where the line is.
 * Returns the line's final distance from the top of the editor, in lines.
 */
export async function scrollLineToTop(page, text, linesFromTop = 0, { attempts = 6 } = {}) {
  const editor = activeEditor(page);
  const box = await editor.boundingBox();
  if (!box) throw new Error('no active editor');
  const line = editorLine(page, text);
  await line.waitFor({ state: 'visible', timeout: 15_000 });
  let offset = 0;
  for (let i = 0; i <= attempts; i++) {
    const lineBox = await line.boundingBox();
    if (!lineBox) throw new Error(`the line "${text}" is not rendered`);
    offset = (lineBox.y - box.y) / lineBox.height;
    const delta = Math.round(lineBox.y - (box.y + linesFromTop * lineBox.height));
    if (Math.abs(delta) <= lineBox.height || i === attempts) break;
    // Wheel over the line numbers (no hover there), then wait for the lines to move.
    await page.mouse.move(box.x + 10, box.y + box.height / 2);
    await page.mouse.wheel(0, delta);
    await waitUntil(async () => (await line.boundingBox())?.y !== lineBox.y, { timeout: 2_000, interval: 50 }).catch(() => {});
  }
  return offset;
}

/** The CSS class of the workbench's current theme kind: 'vs', 'vs-dark', 'hc-black' or 'hc-light'. */
export async function themeKind(page) {
  return page.locator('.monaco-workbench').first().evaluate((el) => ['hc-light', 'hc-black', 'vs-dark', 'vs'].find((k) => el.classList.contains(k)) ?? '');
}

/**
 * Switches the colour theme with "Preferences: Color Theme" (type the theme's name, pick it) and
 * waits until the workbench shows it. Returns the label of the theme that was active before.
 * @param {import('playwright-core').Page} page
 * @param {string} name the theme's label in the picker, e.g. 'Dark High Contrast', 'Light Modern'
 * @returns {Promise<string>}
 */
export async function selectColorTheme(page, name) {
  const expected = /high contrast/i.test(name) ? (/light/i.test(name) ? 'hc-light' : 'hc-black') : /light/i.test(name) ? 'vs' : 'vs-dark';
  await runCommand(page, 'Preferences: Color Theme');
  const widget = quickInput(page);
  // The picker opens with the current theme focused.
  const focused = widget.locator('.quick-input-list .monaco-list-row.focused');
  await focused.waitFor({ state: 'visible', timeout: 15_000 });
  const previous = ((await focused.locator('.label-name').first().textContent()) ?? '').trim();
  await widget.locator('input.input').fill(name);
  const exact = new RegExp(`^\\s*${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);
  const row = widget.locator('.quick-input-list .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: exact }) }).first();
  await row.waitFor({ state: 'visible', timeout: 15_000 });
  await row.click();
  await widget.waitFor({ state: 'hidden', timeout: 10_000 });
  await waitUntil(async () => (await themeKind(page)) === expected, { timeout: 15_000, message: `the ${name} theme (${expected})` });
  return previous;
}
