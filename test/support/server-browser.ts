/**
 * Headless Chromium (Debian's /usr/bin/chromium through playwright-core) for the page test of
 * `clinsum serve`: every console error, uncaught exception and request is recorded, and any
 * request outside the server's origin is aborted and listed.
 */
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const SERVER_CHROMIUM_PATH = process.env.CLINSUM_CHROMIUM ?? '/usr/bin/chromium';

/** Flags that work on these machines: no sandbox (root), no GPU, nothing phoning home. */
export const SERVER_CHROMIUM_ARGS: readonly string[] = Object.freeze([
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]);

export async function launchServerBrowser(): Promise<Browser> {
  try {
    return await chromium.launch({ executablePath: SERVER_CHROMIUM_PATH, args: [...SERVER_CHROMIUM_ARGS] });
  } catch (e) {
    throw new Error(`cannot start Chromium at ${SERVER_CHROMIUM_PATH} (install Debian's chromium: bash scripts/setup.sh): ${e instanceof Error ? e.message : String(e)}`);
  }
}

export interface Watch {
  consoleErrors: string[];
  pageErrors: string[];
  /** Every request the page made. */
  requests: string[];
  /** Requests outside the origin, aborted. */
  blocked: string[];
}

export interface OpenedServerPage {
  page: Page;
  context: BrowserContext;
  watch: Watch;
  close(): Promise<void>;
}

/** Open `origin + path` in a fresh context; only requests to `origin` go through. */
export async function openServerPage(browser: Browser, origin: string, path = '/'): Promise<OpenedServerPage> {
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, serviceWorkers: 'block' });
  const watch: Watch = { consoleErrors: [], pageErrors: [], requests: [], blocked: [] };
  await context.route('**/*', async (route) => {
    const u = route.request().url();
    watch.requests.push(u);
    if (new URL(u).origin === origin) await route.continue();
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
  await page.goto(`${origin}${path}`, { waitUntil: 'load' });
  return { page, context, watch, close: () => context.close() };
}
