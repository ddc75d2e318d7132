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
  let token: string;

  before(async () => {
    t = await startTestApp({ PODNET_AUTH: 'on' });
    token = (await t.app.tokens.create('browser', 'read')).token;
    const admin = (await t.app.tokens.create('setup', 'write')).token;
    origin = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const res = await fetch(`${origin}/v1/clusters`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'demo', podCidrs: ['10.1.0.0/16'],
        nodes: [{ name: 'node-a', address: '192.168.0.11' }, { name: 'node-b', address: '192.168.0.12' }],
        pods: [{ name: 'web', node: 'node-a' }, { name: 'db', node: 'node-b' }],
      }),
    });
    assert.equal(res.status, 201);
    browser = await launchOfflineBrowser();
  });
  after(async () => {
    await browser?.close();
    await t?.close();
  });

  test('/docs renders the Swagger UI with the API operations', async () => {
    const { page, blocked, errors } = await browser.open(origin);
    await page.goto(`${origin}/docs`);
    await page.locator('.opblock').first().waitFor({ timeout: 30_000 });
    assert.ok((await page.locator('.opblock').count()) > 10, 'operations are listed');
    assert.deepEqual(blocked, [], 'no request left the service');
    assert.deepEqual(errors.filter((e) => !/favicon/.test(e)), []);
  });

  test('/graphiql runs a path query with the bearer token from the console session', async () => {
    const { page, blocked, errors } = await browser.open(origin);
    const sent: (string | undefined)[] = [];
    page.on('request', (r) => {
      if (r.url() === `${origin}/graphql` && r.method() === 'POST') sent.push(r.headers().authorization);
    });
    // The console (/ui) keeps the token here; GraphiQL puts it in its Headers tab.
    await page.addInitScript({ content: `sessionStorage.setItem('podnet.token', ${JSON.stringify(token)})` });
    const query = '{ path(cluster: "demo", from: "web", to: "db") { disposition hops { kind node } } }';
    await page.goto(`${origin}/graphiql?query=${encodeURIComponent(query)}`);
    await page.locator('.graphiql-execute-button').waitFor({ timeout: 30_000 });
    await page.locator('.graphiql-execute-button').click();
    const result = page.locator('.result-window');
    await result.getByText('DELIVERED').first().waitFor({ timeout: 30_000 });
    assert.match(await result.innerText(), /"disposition": "DELIVERED"/);
    assert.ok(sent.length > 0 && sent.every((h) => h === `Bearer ${token}`), `every /graphql request carried the bearer: ${JSON.stringify(sent)}`);
    assert.deepEqual(blocked, [], 'no request left the service');
    assert.deepEqual(errors, []);
  });

  test('/graphiql without a stored token opens on the Headers tab with a placeholder to replace', async () => {
    const { page, blocked } = await browser.open(origin);
    await page.goto(`${origin}/graphiql`);
    await page.locator('.graphiql-editor-tool').getByText('PASTE-A-PODNET-TOKEN').first().waitFor({ timeout: 30_000 });
    assert.deepEqual(blocked, []);
  });
});
