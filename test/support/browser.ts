/**
 * Headless Chromium for tests (Debian's /usr/bin/chromium driven by playwright-core): launch once
 * per test file, open pages with every console error, page error and request recorded, and with
 * the network blocked except for what a test allows. The one helper for every browser test (the
 * report file, the page `clinsum serve` serves).
 *
 *   const browser = await launchChromium();
 *   test.after(() => browser.close());
 *   const { page, watch } = await openPage(browser, pathToFileURL(file).href);   // only the file
 *   const { page, watch } = await openPage(browser, `${url}/`, { allow: sameOrigin(url) });  // a server
 *   assert.deepEqual(watch.consoleErrors, []);
 */
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CLINSUM_CHROMIUM ?? '/usr/bin/chromium';

/** The flags that work on the build machines (no sandbox, no GPU, nothing phoning home). */
export const CHROMIUM_ARGS: readonly string[] = Object.freeze([
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]);

export async function launchChromium(): Promise<Browser> {
  try {
    return await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS] });
  } catch (e) {
    throw new Error(`cannot start Chromium at ${CHROMIUM_PATH} (install Debian's chromium: bash scripts/setup.sh; or set CLINSUM_CHROMIUM): ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** What happened on a page. */
export interface PageWatch {
  /** `console.error` messages (CSP violations and failed loads report here too). */
  consoleErrors: string[];
  /** Uncaught exceptions. */
  pageErrors: string[];
  /** Every request the page made, the navigation itself included. */
  requests: string[];
  /** Requests that were not allowed and were aborted. */
  blocked: string[];
}

/** An `allow` for `openPage`: requests to the origin of `url` (a server's base URL) go through. */
export function sameOrigin(url: string): (requestUrl: string) => boolean {
  const origin = new URL(url).origin;
  return (u) => new URL(u).origin === origin;
}

export interface OpenOptions {
  /** Requests to let through besides the page's own URL; default none. */
  allow?: (url: string) => boolean;
  viewport?: { width: number; height: number };
  /** Wait for this function (run in the page) to return true before returning. */
  waitFor?: string;
}

export interface OpenedPage {
  page: Page;
  context: BrowserContext;
  watch: PageWatch;
  close(): Promise<void>;
}

/**
 * Open `url` in a fresh context (own cache and storage). Every request other than `url` itself
 * and those `allow` accepts is aborted and listed in `watch.blocked`.
 */
export async function openPage(browser: Browser, url: string, options: OpenOptions = {}): Promise<OpenedPage> {
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 900 }, serviceWorkers: 'block' });
  const watch: PageWatch = { consoleErrors: [], pageErrors: [], requests: [], blocked: [] };
  await context.route('**/*', async (route) => {
    const u = route.request().url();
    if (u === url || options.allow?.(u)) await route.continue();
    else {
      watch.blocked.push(u);
      await route.abort('blockedbyclient');
    }
  });
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') watch.consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => watch.pageErrors.push(e.message));
  page.on('request', (r) => watch.requests.push(r.url()));
  await page.goto(url, { waitUntil: 'load' });
  if (options.waitFor !== undefined) await page.waitForFunction(options.waitFor, undefined, { timeout: 10_000 });
  return { page, context, watch, close: () => context.close() };
}
