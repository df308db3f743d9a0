import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createTestApp, type TestApp } from '../app';

// Browser tests drive the distribution's Chromium (Debian package `chromium`, installed by .ci/run);
// Playwright's own browser downloads are never used.
export const CHROMIUM_PATH = '/usr/bin/chromium';

const LAUNCH_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export const SCREENSHOT_DIR = join(__dirname, '..', '..', 'test-artifacts', 'screenshots');

// A developer machine without Chromium skips the browser suites with a message; in CI
// (CI=true) a missing browser is a failure, so the suite runs and launchBrowser throws.
export function browserSkipReason(): string | null {
  if (existsSync(CHROMIUM_PATH)) return null;
  if (process.env.CI === 'true') return null;
  return `browser tests skipped: no Chromium at ${CHROMIUM_PATH} (install it with \`apt-get install chromium\`; in CI a missing browser fails)`;
}

export function describeWithBrowser(name: string, fn: () => void): void {
  const reason = browserSkipReason();
  if (reason) {
    console.warn(reason);
    describe.skip(name, fn);
  } else {
    describe(name, fn);
  }
}

// Playwright gives every launch a fresh temporary profile (--user-data-dir) and removes it on close.
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium is required for the browser tests but ${CHROMIUM_PATH} does not exist (.ci/run installs the Debian package \`chromium\`)`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: LAUNCH_ARGS, timeout: 30_000 });
}

export interface ConsoleProblem {
  page: string;
  kind: 'console' | 'pageerror';
  text: string;
  source?: string;
}

// Console errors (CSP violations and failed loads are reported there) and uncaught page errors,
// with the page and the failing resource, for a test to assert there are none.
export function watchConsole(page: Page): ConsoleProblem[] {
  const problems: ConsoleProblem[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push({ page: page.url(), kind: 'console', text: message.text(), source: message.location().url });
  });
  page.on('pageerror', (error) => problems.push({ page: page.url(), kind: 'pageerror', text: error.message }));
  return problems;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

// Serves the test app on a real port and returns its base URL on localhost: a potentially
// trustworthy origin, so Chromium keeps the Secure __Host- cookies over plain HTTP.
export async function serveOnLocalhost(app: NestFastifyApplication): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  return `http://localhost:${(app.getHttpServer().address() as AddressInfo).port}`;
}

// How long Playwright polls for an element, a navigation or an event before it gives up: a
// deadline for a page that never gets there, generous enough for a machine with every core busy.
export const PAGE_DEADLINE_MS = 15_000;

export interface DesktopPage {
  context: BrowserContext;
  page: Page;
  problems: ConsoleProblem[];
}

// A 1280-wide page in a context of its own (its own cookies), whose console errors are
// collected; optionally with clipboard access. Each test opens one and closes its context after,
// so a test that fails or times out leaves nothing behind for the next.
export async function newDesktopPage(browser: Browser, base: string, options: { clipboard?: boolean; viewport?: { width: number; height: number }; acceptDownloads?: boolean } = {}): Promise<DesktopPage> {
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 800 }, locale: 'en-GB', acceptDownloads: options.acceptDownloads });
  if (options.clipboard) await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
  const page = await context.newPage();
  page.setDefaultTimeout(PAGE_DEADLINE_MS);
  return { context, page, problems: watchConsole(page) };
}

export interface BrowserSuite extends DesktopPage {
  t: TestApp;
  base: string;
  browser: Browser;
}

// The hooks every browser suite needs: one app served on localhost and one Chromium for the file,
// and for each test a fresh page in a context of its own, closed after the test. The fields are
// set once the hooks have run. `page: false` leaves opening pages to the suite (assign the opened
// page to the suite and it is closed all the same); `app` brings an app of the suite's own.
export function browserSuite(
  options: { env?: Record<string, string>; page?: Parameters<typeof newDesktopPage>[2] | false; app?: () => Promise<{ t: TestApp; close: () => Promise<void> }> } = {},
): BrowserSuite {
  const suite = {} as BrowserSuite;
  let closeApp = async (): Promise<void> => undefined;
  beforeAll(async () => {
    const started = options.app ? await options.app() : await createTestApp({ env: options.env }).then((t) => ({ t, close: () => t.close() }));
    suite.t = started.t;
    closeApp = started.close;
    suite.base = await serveOnLocalhost(suite.t.app);
    suite.browser = await launchBrowser();
  });
  if (options.page !== false) {
    const pageOptions = options.page;
    beforeEach(async () => {
      Object.assign(suite, await newDesktopPage(suite.browser, suite.base, pageOptions));
    });
  }
  afterEach(async () => {
    await suite.context?.close();
  });
  afterAll(async () => {
    await suite.browser?.close().catch(() => undefined);
    await closeApp();
  });
  return suite;
}

// Opens a portal link as a customer does: the interstitial, then "Continue to billing".
export async function continueToPortal(page: Page, base: string, token: string, landing = '/portal'): Promise<void> {
  await page.goto(`${base}/p/${token}`);
  await page.getByRole('button', { name: 'Continue to billing' }).click();
  await page.waitForURL(`${base}${landing}`);
}

// Signs a staff member in through the dashboard's sign-in form; lands on the overview.
export async function signInToDashboard(page: Page, base: string, email: string, password: string): Promise<void> {
  await page.goto(`${base}/dashboard/sign-in`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${base}/dashboard`);
}

// What every server-rendered page must satisfy: one h1, a main landmark, every input labelled.
export async function expectPageBasics(page: Page): Promise<void> {
  expect(await page.locator('h1').count()).toBe(1);
  expect(await page.locator('main#main').count()).toBe(1);
  const unlabelled = await page.evaluate(`Array.from(document.querySelectorAll('input:not([type=hidden]), select, textarea'))
    .filter((el) => el.labels.length === 0 && !el.getAttribute('aria-label'))
    .map((el) => el.id || el.name || el.outerHTML)`);
  expect(unlabelled).toEqual([]);
}
