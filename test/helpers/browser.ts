// A headless Chromium that can reach nothing but the service under test, so a
// page that still needs a CDN or any other outside host fails the test instead
// of silently loading a blank page. The Debian `chromium` package is used
// (playwright's own browser download has nowhere to come from).
import fs from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/**
 * Why browser tests cannot run here, or null when they can. On CI (which
 * installs chromium in .ci/run) a missing browser is a failure, not a skip.
 */
export function browserMissing(): string | null {
  if (fs.existsSync(CHROMIUM) || process.env.CI) return null;
  return `${CHROMIUM} is not installed (apt-get install -y chromium)`;
}

export interface OfflinePage {
  page: Page;
  /** Every request the page tried to send elsewhere than `origin` (blocked). */
  blocked: string[];
  /** Uncaught page errors and console errors, in order. */
  errors: string[];
}

export interface OfflineBrowser {
  /** A fresh page (its own context: no storage shared with other pages) limited to `origin`. */
  open(origin: string): Promise<OfflinePage>;
  close(): Promise<void>;
}

export async function launchOfflineBrowser(): Promise<OfflineBrowser> {
  const browser: Browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Root in a container has no user namespaces for Chromium's sandbox.
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  return {
    async open(origin) {
      const allowed = new URL(origin).origin;
      const context = await browser.newContext();
      const page = await context.newPage();
      const blocked: string[] = [];
      const errors: string[] = [];
      await context.route('**/*', (route) => {
        const url = route.request().url();
        if (url.startsWith('data:') || url.startsWith('blob:') || new URL(url).origin === allowed) return route.continue();
        blocked.push(url);
        return route.abort('blockedbyclient');
      });
      page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
      page.on('console', (msg) => {
        if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
      });
      return { page, blocked, errors };
    },
    async close() {
      await browser.close();
    },
  };
}
