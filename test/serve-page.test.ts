/** The summarization page at `/`, in headless Chromium against a real server over the fake model and over the real tiny Qwen2. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { initTinyQwen2 } from '../src/models/qwen2/index.js';
import { loadBackend, startServer } from '../src/surfaces/server/index.js';
import { silentLogger } from '../src/util/log.js';
import { launchChromium, openPage, sameOrigin, type OpenedPage } from './support/browser.js';
import { post, startHarness, type Harness } from './support/server-harness.js';

const SUMMARY = 'A 45-year-old man with chest pain; angiography showed a right coronary occlusion, treated with a stent.';
const KEYINFO = 'Key information: chest pain, right coronary occlusion, stent.';
const REPORT = 'A 45-year-old man was admitted with chest pain. Angiography revealed an occlusion of the right coronary artery, which was treated with a stent. He recovered well.';

let browser: Browser;
let h: Harness;

/** The page at `url/`; requests to the server go through, any other is blocked and listed. */
const openServerPage = (url: string): Promise<OpenedPage> => openPage(browser, `${url}/`, { allow: sameOrigin(url), viewport: { width: 1100, height: 900 } });

before(async () => {
  browser = await launchChromium();
  h = await startHarness({ maxBatch: 4, fake: { cost: { stepMs: 3 }, maxContextTokens: 100_000 } });
  h.respond((text) => {
    if (text.includes('Summarize clinical text') && text.includes('Angiography')) return h.tokenizer.encode(SUMMARY);
    if (text.includes('Extract the key information from clinical text')) return h.tokenizer.encode(KEYINFO);
    if (text.includes('Resumir el texto clínico')) return h.tokenizer.encode('Resumen del caso.');
    return undefined; // anything else: endless hash-chosen tokens (for the stop button)
  });
});
after(async () => {
  await browser?.close();
  await h?.close();
});

test('type a report, summarize: the summary streams in while the model runs; key information on request; no errors, no outside requests', async () => {
  const { page, watch, close } = await openServerPage(h.url);
  try {
    assert.match(await page.title(), /clinsum · fake-qwen/);
    // Every control has an accessible name.
    for (const name of ['Case report', 'Or load a text file', 'Language', 'Max new tokens', 'Temperature']) {
      assert.equal(await page.getByLabel(name, { exact: true }).count(), 1, name);
    }
    assert.match(await page.locator('#note').innerText(), /random weights.*meaningless/s);
    assert.equal(await page.locator('#summary-out').getAttribute('aria-live'), 'polite');

    await page.getByLabel('Case report', { exact: true }).fill(REPORT);
    await page.locator('#detected', { hasText: 'Detected: English' }).waitFor();
    h.model.cost.stepMs = 40; // slow enough to see the text arrive while the model still runs
    await page.getByRole('button', { name: 'Summarize' }).click();
    await page.waitForFunction(() => (document.getElementById('summary-out')?.textContent ?? '').length > 0);
    const partial = await page.locator('#summary-out').innerText();
    assert.equal(h.backend.stats().running, 1, 'still generating');
    assert.ok(SUMMARY.startsWith(partial) && partial.length < SUMMARY.length, `streamed part: ${partial}`);
    assert.equal(await page.locator('#summary-out').getAttribute('aria-busy'), 'true');
    h.model.cost.stepMs = 3;
    await page.locator('#summary-stats', { hasText: 'complete' }).waitFor();
    assert.equal(await page.locator('#summary-out').innerText(), SUMMARY);
    if (process.env.CLINSUM_SCREENSHOT) await page.screenshot({ path: process.env.CLINSUM_SCREENSHOT, fullPage: true });
    const stats = await page.locator('#summary-stats').innerText();
    assert.match(stats, /English \(detected, \d+%\) · prompt “Summarize clinical text”/);
    assert.match(stats, new RegExp(`${h.tokenizer.encode(SUMMARY).length + 1} generated`));
    assert.match(stats, /\d+ prompt tokens/);
    assert.equal(await page.locator('#summary-out').getAttribute('aria-busy'), 'false');

    await page.getByRole('button', { name: 'Extract key information' }).click();
    await page.locator('#keyinfo-stats', { hasText: 'complete' }).waitFor();
    assert.equal(await page.locator('#keyinfo-out').innerText(), KEYINFO);
    assert.equal(await page.locator('#summary-out').innerText(), SUMMARY, 'the summary stays');

    assert.deepEqual(watch.consoleErrors, []);
    assert.deepEqual(watch.pageErrors, []);
    assert.deepEqual(watch.blocked, []);
    assert.ok(watch.requests.every((u) => u.startsWith(`${h.url}/`)), watch.requests.join(' '));
    assert.ok(watch.requests.some((u) => u.endsWith('/v1/clinsum/generate')));
  } finally {
    await close();
  }
});

test('language chosen by hand, file upload, keyboard use, stop button', async () => {
  const { page, watch, close } = await openServerPage(h.url);
  try {
    // Upload a .txt file (Spanish).
    const es = 'Paciente varón de 45 años que ingresó por dolor torácico. Se realizó una angiografía.';
    await page.getByLabel('Or load a text file').setInputFiles({ name: 'caso.txt', mimeType: 'text/plain', buffer: Buffer.from(`\uFEFF${es}`, 'utf8') });
    await page.locator('#detected', { hasText: 'Detected: Spanish' }).waitFor();
    assert.equal(await page.getByLabel('Case report', { exact: true }).inputValue(), es);
    // Keyboard only: Ctrl+Enter in the report summarizes.
    await page.getByLabel('Case report', { exact: true }).focus();
    await page.keyboard.press('Control+Enter');
    await page.locator('#summary-stats', { hasText: 'complete' }).waitFor();
    assert.equal(await page.locator('#summary-out').innerText(), 'Resumen del caso.');
    assert.match(await page.locator('#summary-stats').innerText(), /Spanish \(detected/);
    // Tab moves focus to the buttons with a visible outline.
    await page.getByLabel('Temperature').focus();
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement;
      return { id: el.id, outline: getComputedStyle(el).outlineStyle };
    });
    assert.deepEqual(focused, { id: 'summarize', outline: 'solid' });

    // Choose English by hand for a text the detector cannot place; then stop a long generation.
    await page.getByLabel('Case report', { exact: true }).fill('12345 67890');
    await page.getByLabel('Language').selectOption('en');
    await page.getByLabel('Max new tokens').fill('5000');
    await page.getByRole('button', { name: 'Summarize' }).click();
    await page.waitForFunction(() => (document.getElementById('summary-out')?.textContent ?? '').length > 20);
    assert.equal(await page.getByRole('button', { name: 'Summarize' }).isDisabled(), true);
    await page.getByRole('button', { name: 'Stop' }).click();
    await page.locator('#summary-stats', { hasText: 'stopped' }).waitFor();
    assert.equal(await page.locator('#status').innerText(), 'Stopped.');
    assert.equal(await page.getByRole('button', { name: 'Summarize' }).isDisabled(), false);
    const deadline = Date.now() + 5000;
    while (h.backend.stats().running > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    assert.equal(h.backend.stats().running, 0, 'the server stopped generating');
    assert.ok(h.backend.stats().generatedTokens < 5000);

    // Auto-detect on a text with no language: the server's message is shown.
    await page.getByLabel('Language').selectOption('auto');
    await page.getByRole('button', { name: 'Summarize' }).click();
    await page.getByRole('alert').filter({ hasText: 'could not be detected' }).waitFor();

    assert.deepEqual(watch.pageErrors, []);
    assert.deepEqual(watch.blocked, []);
    // The one console error: Chromium's note of the 400 answer.
    assert.ok(watch.consoleErrors.every((m) => /status of 400/.test(m)), watch.consoleErrors.join('\n'));
  } finally {
    await close();
  }
});

test('with an API key the page asks for it and then works', async (t) => {
  const k = await startHarness({ server: { apiKey: 'page-key' } });
  t.after(() => k.close());
  k.respond(() => k.tokenizer.encode('Short summary.'));
  const { page, watch, close } = await openServerPage(k.url);
  try {
    const key = page.getByLabel('API key');
    assert.equal(await key.isVisible(), true);
    await page.getByLabel('Case report', { exact: true }).fill(REPORT);
    await page.getByRole('button', { name: 'Summarize' }).click();
    await page.getByRole('alert').filter({ hasText: 'needs an API key' }).waitFor();
    await key.fill('page-key');
    await page.getByRole('button', { name: 'Summarize' }).click();
    await page.locator('#summary-stats', { hasText: 'complete' }).waitFor();
    assert.equal(await page.locator('#summary-out').innerText(), 'Short summary.');
    assert.equal(await page.getByRole('alert').isHidden(), true);
    assert.deepEqual(watch.pageErrors, []);
    assert.ok(watch.consoleErrors.every((m) => /status of 401/.test(m)), watch.consoleErrors.join('\n'));
  } finally {
    await close();
  }
});

test('the page is self-contained: strict CSP, nothing external in the HTML', async () => {
  const res = await fetch(`${h.url}/`);
  const csp = res.headers.get('content-security-policy') ?? '';
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'sha256-[A-Za-z0-9+/=]+'/);
  assert.match(csp, /connect-src 'self'/);
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  const html = await res.text();
  assert.doesNotMatch(html, /https?:\/\//);
  assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+stylesheet|sourceMappingURL/);
});

test('with the real tiny Qwen2: type a report, the page streams the summary and the key information the API gives', async (t) => {
  const tmp = mkdtempSync(join(tmpdir(), 'clinsum-serve-page-'));
  t.after(() => rmSync(tmp, { recursive: true, force: true }));
  const dir = join(tmp, 'tiny');
  initTinyQwen2(dir, { seed: 5, layers: 2, hidden: 32, heads: 4, kvHeads: 2, intermediate: 64, initializerRange: 0.4 });
  const backend = await loadBackend(dir, { maxBatch: 4, logger: silentLogger, device: 'cpu' });
  const running = await startServer(backend, { host: '127.0.0.1', port: 0, logger: silentLogger });
  t.after(() => running.close({ graceMs: 1000 }));
  const { page, watch, close } = await openServerPage(running.url);
  try {
    assert.match(await page.title(), /clinsum · tiny/);
    await page.getByLabel('Case report', { exact: true }).fill(REPORT);
    await page.locator('#detected', { hasText: 'Detected: English' }).waitFor();
    await page.getByLabel('Max new tokens').fill('24');
    for (const [button, task, id] of [['Summarize', 'summarization', 'summary'], ['Extract key information', 'extraction', 'keyinfo']] as const) {
      await page.getByRole('button', { name: button }).click();
      await page.locator(`#${id}-stats`, { hasText: /complete|cut at the token limit/ }).waitFor();
      // The same request through the API (greedy: the page's default temperature 0) gives the same text.
      const r = await post(`${running.url}/v1/clinsum/generate`, { text: REPORT, task, lang: 'auto', max_tokens: 24, temperature: 0 });
      assert.equal(r.status, 200, await r.clone().text());
      const body = (await r.json()) as { choices: { message: { content: string } }[]; usage: { completion_tokens: number } };
      const shown = await page.locator(`#${id}-out`).evaluate((el) => el.textContent ?? '');
      assert.ok(body.usage.completion_tokens >= 1);
      assert.equal(shown, body.choices[0]!.message.content, task);
      assert.match(await page.locator(`#${id}-stats`).innerText(), new RegExp(`English \\(detected, \\d+%\\).*${body.usage.completion_tokens} generated`));
    }
    assert.equal(backend.stats().running, 0);
    assert.deepEqual(watch.consoleErrors, []);
    assert.deepEqual(watch.pageErrors, []);
    assert.deepEqual(watch.blocked, []);
  } finally {
    await close();
  }
});
