// The console in a real browser (headless Chromium, offline: it can reach only
// the service): sign in, the clusters, a cluster, a node, and a path in every
// mode, asserting on the DOM, saving screenshots. Any request to another host
// or any console error fails the test that caused it.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { TokenService } from '../../src/service/tokens.js';
import { TokenStore } from '../../src/store/tokens.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { browserMissing, launchOfflineBrowser, type OfflineBrowser, type OfflinePage } from '../helpers/browser.js';
import { buildConsole, clusterOf, SCREENSHOTS, type Mode } from './fixtures.js';

const ADMIN = 'pn_console-test-admin-token-0123456789abcdef';
const MODES: Mode[] = ['host-gw', 'vxlan', 'ipip', 'cross-subnet', 'bgp'];
const missing = browserMissing();

describe('the console in a browser', { skip: missing ?? false, timeout: 300_000 }, () => {
  let t: TestApp;
  let browser: OfflineBrowser;
  let origin: string;
  let current: OfflinePage | null = null;
  const api = async <T>(p: string): Promise<T> => {
    const res = await t.app.inject({ url: p, headers: { authorization: `Bearer ${ADMIN}` } });
    assert.equal(res.statusCode, 200, `${p}: ${res.body}`);
    return String(res.headers['content-type'] ?? '').includes('json') ? (JSON.parse(res.body) as T) : (res.body as T);
  };

  before(async () => {
    buildConsole();
    t = await startTestApp({ PODNET_AUTH: 'on' });
    await new TokenService(new TokenStore(t.tdb.db.prisma)).ensure('console', ADMIN, 'admin');
    for (const mode of MODES) {
      const res = await t.app.inject({ method: 'POST', url: '/v1/clusters', headers: { authorization: `Bearer ${ADMIN}` }, payload: clusterOf(mode) });
      assert.equal(res.statusCode, 201, res.body);
    }
    origin = await t.app.listen({ port: 0, host: '127.0.0.1' });
    browser = await launchOfflineBrowser();
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await t?.close();
  });
  afterEach(() => {
    if (!current) return;
    const { blocked, errors } = current;
    current = null;
    assert.deepEqual(blocked, [], 'the page requested nothing outside the service');
    assert.deepEqual(errors, [], 'the page logged no error');
  });

  /** A fresh tab, signed in with the admin token (sessionStorage is per tab). */
  async function signedIn(): Promise<Page> {
    current = await browser.open(origin);
    const { page } = current;
    await page.goto(`${origin}/ui`);
    await page.fill('#token', ADMIN);
    await page.click('#login button[type=submit]');
    await page.waitForSelector('#clusters tbody tr[data-cluster]');
    return page;
  }

  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });

  test('sign in: the shell is public, asks for a token once, refuses a wrong one, keeps the good one in sessionStorage', async () => {
    current = await browser.open(origin);
    const { page } = current;
    const shell = await page.goto(`${origin}/ui`);
    assert.equal(shell?.status(), 200);
    assert.match(shell?.headers()['content-security-policy'] ?? '', /default-src 'self'/);
    await page.waitForSelector('#login');
    await shot(page, 'login');
    await page.fill('#token', 'pn_wrong');
    await page.click('#login button[type=submit]');
    await page.waitForSelector('#login-message.bad');
    assert.match(await page.textContent('#login-message') ?? '', /does not accept this token/);
    await page.fill('#token', ADMIN);
    await page.click('#login button[type=submit]');
    await page.waitForSelector('#clusters tbody tr[data-cluster]');
    assert.equal(await page.evaluate('sessionStorage.getItem("podnet.token")'), ADMIN);
    await page.reload();
    await page.waitForSelector('#clusters tbody tr[data-cluster]');
    assert.equal(await page.locator('#login').count(), 0, 'not asked again in this tab');
    await page.click('#signout');
    await page.waitForSelector('#login');
    assert.equal(await page.evaluate('sessionStorage.getItem("podnet.token")'), null);
  });

  test('clusters: name, mode, node and pod counts, a utilisation bar per family', async () => {
    const page = await signedIn();
    await page.waitForSelector('#clusters .bar[role=meter]');
    const rows = await page.$$eval('#clusters tbody tr[data-cluster]', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].slice(0, 4).map((td) => td.textContent)));
    assert.deepEqual(rows.map((r) => r[0]), MODES.map((m) => `demo-${m}`).sort());
    for (const r of rows) {
      assert.equal(r[1], r[0]!.replace('demo-', ''));
      assert.deepEqual([r[2], r[3]], ['4', '6']);
    }
    const dual = await page.$$eval('#clusters tr[data-cluster="demo-vxlan"] .bar-row', (els) => els.map((e) => e.getAttribute('data-family')));
    assert.deepEqual(dual, ['ipv4', 'ipv6'], 'a dual-stack cluster shows both families');
    await shot(page, 'clusters');
  });

  test('a cluster: racks per subnet with their nodes, the router, capacity, the verify result with failing checks explained', async () => {
    const page = await signedIn();
    await page.click('a[href="/ui/clusters/demo-host-gw"]');
    await page.waitForSelector('#verify [data-ok]');
    await page.waitForSelector('#racks .chip');
    assert.equal(await page.evaluate<string>('document.activeElement && document.activeElement.tagName'), 'H1', 'after a navigation, focus is on the new page\'s heading');
    const racks = await page.$$eval('#racks .rack', (els) => els.map((e) => [e.getAttribute('data-subnet'), [...e.querySelectorAll('.chip')].map((c) => c.getAttribute('data-node'))]));
    assert.deepEqual(racks, [['rack1', ['node-a', 'node-b']], ['rack2', ['node-c', 'node-d']]]);
    assert.match(await page.textContent('#router') ?? '', /192\.168\.0\.1/);
    // host-gw cannot cross subnets: verify fails on reachability, and says why.
    assert.equal(await page.getAttribute('#verify [data-ok]', 'data-ok'), 'false');
    const failed = page.locator('#verify li.failed[data-check="reachability"]');
    assert.match(await failed.textContent() ?? '', /host-gw across subnets/);
    assert.ok(await failed.locator('a', { hasText: 'see the path' }).count() > 0, 'a failing pair links to its path');
    // …the path verify traced (A's host to B's bridge gateway), which fails too: not node to node, which is DELIVERED.
    const href = new URL(await failed.locator('a', { hasText: 'see the path' }).first().getAttribute('href') ?? '', origin);
    const traced = await api<{ disposition: string }>(`/v1/clusters/demo-host-gw/path?${href.searchParams.toString()}`);
    assert.match(href.searchParams.get('to') ?? '', /^10\.1\.\d+\.1$/);
    assert.equal(traced.disposition, 'NO_ROUTE');
    await shot(page, 'cluster');
    await page.fill('#node-filter', 'node-c');
    assert.deepEqual(await page.$$eval('#racks .chip', (els) => els.filter((e) => e.closest('[hidden]') === null).map((e) => e.getAttribute('data-node'))), ['node-c']);
    assert.equal(await page.textContent('#racks .rack[data-subnet="rack2"] .count'), '1 of 2 nodes', 'a rack counts its matches while filtered');
    await page.fill('#node-filter', '');
    assert.equal(await page.textContent('#racks .rack[data-subnet="rack2"] .count'), '2 nodes');
  });

  test('a node: its route table in ip route form, its neighbours and fdb in an overlay, its pods', async () => {
    const page = await signedIn();
    await page.goto(`${origin}/ui/clusters/demo-vxlan/nodes/node-a`);
    await page.waitForSelector('#pods tbody tr[data-pod]');
    const text = await api<string>('/v1/clusters/demo-vxlan/nodes/node-a/routes?format=text');
    assert.equal(await page.textContent('#routes'), text);
    assert.match(await page.textContent('#neighbors') ?? '', /dev flannel\.1 lladdr/);
    assert.match(await page.textContent('#fdb') ?? '', /dev flannel\.1 dst 192\.168\./);
    assert.deepEqual(await page.$$eval('#pods tr[data-pod]', (trs) => trs.map((tr) => tr.getAttribute('data-pod'))), ['shop/web', 'shop/api']);
    await shot(page, 'node');
  });

  for (const mode of MODES) {
    test(`a path in ${mode}: the picture's g.hop sequence is the JSON path, with its disposition and hop table`, async () => {
      const page = await signedIn();
      const [from, to] = ['shop/web', 'default/far'];
      await page.goto(`${origin}/ui/clusters/demo-${mode}/path?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
      await page.waitForSelector('#picture svg g.hop');
      const json = await api<{ disposition: string; hops: { index: number; kind: string; node: string | null; dev: string | null }[] }>(
        `/v1/clusters/demo-${mode}/path?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
      const hops = await page.$$eval('#picture svg g.hop', (gs) => gs.map((g) => [g.getAttribute('data-index'), g.getAttribute('data-kind'), g.getAttribute('data-node'), g.getAttribute('data-dev')]));
      assert.deepEqual(hops, json.hops.map((h) => [String(h.index), h.kind, h.node, h.dev]));
      assert.equal(await page.getAttribute('#picture svg', 'data-disposition'), json.disposition);
      assert.equal(await page.getAttribute('#disposition', 'data-disposition'), json.disposition);
      assert.equal(await page.locator('#hops tbody tr').count(), json.hops.length);
      assert.equal(json.disposition, mode === 'host-gw' ? 'NO_ROUTE' : 'DELIVERED', 'host-gw stops at the router; every other mode crosses it');
      await shot(page, `path-${mode}`);
      // The picture at its own size, as docs/ shows it.
      const size = await page.locator('#picture svg').evaluate((svg) => [Number(svg.getAttribute('width')), Number(svg.getAttribute('height'))]);
      await page.setViewportSize({ width: size[0]! + 120, height: 900 });
      await page.click('#picture');
      await page.locator('#picture svg').screenshot({ path: path.join(SCREENSHOTS, `picture-${mode}.png`) });
    });
  }

  test('a phone (390 × 844) and a laptop (1280 × 800): no page is wider than the window, the header stays in it', async () => {
    current = await browser.open(origin);
    const { page } = current;
    /** Page width beyond the window, and header controls outside it. */
    const overflow = () => page.evaluate<string[]>(`(() => {
      const out = [];
      const w = document.documentElement.clientWidth;
      if (document.documentElement.scrollWidth > w) out.push('page ' + document.documentElement.scrollWidth + ' px wide in ' + w);
      for (const el of document.querySelectorAll('header.top a, header.top button:not([hidden]), #login button')) {
        const r = el.getBoundingClientRect();
        if (r.right > w + 0.5 || r.left < -0.5) out.push(el.textContent + ' at ' + Math.round(r.left) + '–' + Math.round(r.right));
      }
      return out;
    })()`);
    const pages: [string, string][] = [
      ['clusters', '/ui'],
      ['cluster', '/ui/clusters/demo-cross-subnet'],
      ['node', '/ui/clusters/demo-vxlan/nodes/node-a'],
      ['path', `/ui/clusters/demo-vxlan/path?from=${encodeURIComponent('shop/web')}&to=${encodeURIComponent('default/far')}`],
    ];
    for (const [width, height] of [[390, 844], [1280, 800]] as const) {
      await page.setViewportSize({ width, height });
      // Signed out from a page of the origin that runs no console code (whose requests would race the clearing).
      await page.goto(`${origin}/ui/assets/favicon.svg`);
      await page.evaluate(() => (globalThis as unknown as { sessionStorage: { clear(): void } }).sessionStorage.clear());
      await page.goto(`${origin}/ui`);
      await page.waitForSelector('#token');
      assert.deepEqual(await overflow(), [], `sign-in at ${width}`);
      await shot(page, `narrow-${width}-login`);
      await page.fill('#token', ADMIN);
      await page.click('#login button[type=submit]');
      await page.waitForSelector('#clusters tbody tr[data-cluster]');
      for (const [name, url] of pages) {
        await page.goto(`${origin}${url}`);
        await page.waitForSelector(name === 'path' ? '#hops tbody tr' : name === 'node' ? '#pods tbody tr' : name === 'cluster' ? '#racks .chip' : '#clusters tbody tr');
        assert.deepEqual(await overflow(), [], `${name} at ${width}`);
        await shot(page, `narrow-${width}-${name}`);
      }
    }
  });

  test('suggestions on a cluster beyond the first 1,000 nodes: a node typed whole is found, with its pods', async () => {
    const nodes = Array.from({ length: 1100 }, (_, i) => ({ name: `f-${i}`, address: `10.200.${i >> 8}.${i & 255}` }));
    const res = await t.app.inject({ method: 'POST', url: '/v1/clusters', headers: { authorization: `Bearer ${ADMIN}` },
      payload: { name: 'wide', podCidrs: ['10.64.0.0/10'], nodes, pods: [{ name: 'far', namespace: 'shop', node: 'f-1050' }] } });
    assert.equal(res.statusCode, 201, res.body.slice(0, 300));
    const page = await signedIn();
    await page.goto(`${origin}/ui/clusters/wide/path`);
    await page.focus('#from');
    await page.waitForSelector('#endpoints option[value="node:f-999"]', { state: 'attached' });
    assert.equal(await page.locator('#endpoints option[value="node:f-1050"]').count(), 0, 'beyond the first page');
    await page.fill('#from', 'f-1050');
    await page.waitForSelector('#endpoints option[value="node:f-1050"]', { state: 'attached' });
    await page.waitForSelector('#endpoints option[value="shop/far"]', { state: 'attached' });
    await t.app.inject({ method: 'DELETE', url: '/v1/clusters/wide', headers: { authorization: `Bearer ${ADMIN}` } });
  });

  test('the service gone: signing out or navigating says it cannot be reached, and Retry picks up when it is back', async () => {
    const page = await signedIn();
    const down = (route: { abort(code: string): Promise<void> }) => route.abort('connectionrefused');
    await page.route(/\/(v1\/|ui\/session)/, down);
    await page.click('#signout');
    await page.waitForSelector('[data-unreachable="true"]');
    assert.match(await page.textContent('#app h1') ?? '', /cannot be reached/);
    assert.equal(await page.isHidden('#signout'), true, 'signed out: the token is gone');
    await shot(page, 'unreachable');
    await page.unroute(/\/(v1\/|ui\/session)/, down);
    await page.click('#retry');
    await page.waitForSelector('#token');
    // Only the refused requests' own console lines are expected; anything else still fails the test.
    current!.errors.splice(0, current!.errors.length, ...current!.errors.filter((e) => !/ERR_CONNECTION_REFUSED/.test(e)));
  });

  test('the path form suggests pods, nodes and addresses, and traces what is typed', async () => {
    const page = await signedIn();
    await page.goto(`${origin}/ui/clusters/demo-vxlan/path`);
    await page.focus('#from');
    await page.waitForSelector('#endpoints option:nth-child(14)', { state: 'attached' });
    const options = await page.$$eval('#endpoints option', (os) => os.map((o) => o.getAttribute('value')));
    for (const want of ['shop/web', 'node:node-a', '192.168.0.11', '10.1.0.2']) assert.ok(options.includes(want), `suggests ${want}`);
    await page.fill('#from', 'shop/web');
    await page.fill('#to', 'shop/api');
    await page.click('#path-form button[type=submit]');
    await page.waitForSelector('#picture svg[data-disposition="DELIVERED"]');
    assert.match(page.url(), /\/ui\/clusters\/demo-vxlan\/path\?from=shop%2Fweb&to=shop%2Fapi$/);
    assert.equal(await page.locator('#picture svg g.hop').count(), 5, 'a same-node path is five hops');
    // The keyboard: Enter on the picture zooms it; a focused hop row lights its hop.
    await page.focus('#picture');
    await page.keyboard.press('Enter');
    assert.equal(await page.getAttribute('#picture', 'aria-pressed'), 'true');
    assert.match(await page.getAttribute('#picture', 'class') ?? '', /actual/);
    await page.focus('#hops tbody tr[data-index="2"]');
    assert.match(await page.getAttribute('#picture g.hop[data-index="2"]', 'class') ?? '', /lit/);
  });
});
