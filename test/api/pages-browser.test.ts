// The pages a person opens in a browser (/docs, /graphiql) work with no
// internet: a headless Chromium that can reach only the service loads them and
// uses them. Every asset has to come from podnet itself.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { browserMissing, launchOfflineBrowser, type OfflineBrowser } from '../helpers/browser.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

const missing = browserMissing();

describe('browser pages, offline', { skip: missing ?? false }, () => {
  let t: TestApp;
  let browser: OfflineBrowser;
  let origin: string;

  before(async () => {
    t = await startTestApp();
    origin = await t.app.listen({ port: 0, host: '127.0.0.1' });
    browser = await launchOfflineBrowser();
  });
  after(async () => {
    await browser?.close();
    await t?.close();
  });

  test('/docs renders the Swagger UI with the API operations', async () => {
    const { page, blocked, errors } = await browser.open(origin);
    await page.goto(`${origin}/docs`);
    await page.locator('.opblock').first().waitFor({ timeout: 20_000 });
    assert.ok((await page.locator('.opblock').count()) > 10, 'operations are listed');
    assert.deepEqual(blocked, [], 'no request left the service');
    assert.deepEqual(errors.filter((e) => !/favicon/.test(e)), []);
  });
});
