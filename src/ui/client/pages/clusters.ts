// The clusters: name, mode, node and pod counts, and each family's
// utilisation as a bar. A page of summaries at a time; the capacities of
// that page come in one GraphQL request after the table is on screen.
import { enc, getJson, graphql, url } from '../api.js';
import { bar, count, h, link, mount, percent } from '../dom.js';
import type { PageContext } from '../main.js';
import type { ClusterSummary, FamilyCapacity, Page } from '../types.js';

const PAGE = 50;
/** Clusters per capacity request: each costs ~55 of GraphQL's 1000. */
const CAPACITY_BATCH = 15;

export async function clustersPage(root: HTMLElement, ctx: PageContext): Promise<void> {
  ctx.crumbs(['Clusters', '/ui']);
  const body = h('tbody');
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Show more clusters');
  const status = h('p', { class: 'hint', role: 'status' });
  const table = h('table', { class: 'grid', id: 'clusters' },
    h('thead', null, h('tr', null, h('th', null, 'Name'), h('th', null, 'Mode'), h('th', { class: 'num' }, 'Nodes'), h('th', { class: 'num' }, 'Pods'), h('th', null, 'Pod CIDRs'), h('th', { class: 'util' }, 'Utilization (node blocks used)'))),
    body);
  mount(root, h('section', { class: 'panel' }, h('h1', null, 'Clusters'), table, more, status));

  let cursor: string | null = null;
  let shown = 0;
  const loadPage = async () => {
    more.disabled = true;
    const page = await getJson<Page<ClusterSummary>>(url('/v1/clusters', { limit: PAGE, cursor: cursor ?? undefined }), ctx.signal);
    const cells = new Map<string, HTMLElement>();
    for (const c of page.items) {
      const util = h('td', { class: 'util' }, h('span', { class: 'hint' }, '…'));
      cells.set(c.name, util);
      body.append(h('tr', { 'data-cluster': c.name },
        h('td', null, link(`/ui/clusters/${enc(c.name)}`, c.name)),
        h('td', null, h('span', { class: 'badge' }, c.mode)),
        h('td', { class: 'num' }, count(c.nodes)),
        h('td', { class: 'num' }, count(c.pods)),
        h('td', { class: 'mono' }, c.podCidrs.join(', ')),
        util));
    }
    shown += page.items.length;
    cursor = page.nextCursor;
    more.hidden = cursor === null;
    more.disabled = false;
    status.textContent = shown === 0 ? '' : `${shown} cluster${shown === 1 ? '' : 's'}${cursor ? ' so far' : ''}.`;
    if (shown === 0) {
      mount(body, h('tr', null, h('td', { colspan: 6, class: 'empty' }, 'No clusters yet. Create one with ', h('code', null, 'podnet apply -f cluster.yaml'), ' or ', h('code', null, 'POST /v1/clusters'), '.')));
    }
    await fillCapacities([...cells.keys()], cells, ctx.signal);
  };
  more.addEventListener('click', () => void loadPage());
  await loadPage();
}

async function fillCapacities(names: string[], cells: Map<string, HTMLElement>, signal: AbortSignal): Promise<void> {
  for (let i = 0; i < names.length; i += CAPACITY_BATCH) {
    const batch = names.slice(i, i + CAPACITY_BATCH);
    const vars = batch.map((_, k) => `$n${k}: String!`).join(', ');
    const fields = batch.map((_, k) => `c${k}: cluster(name: $n${k}) { capacity { families { family cidr used total utilization } } }`).join(' ');
    const variables = Object.fromEntries(batch.map((n, k) => [`n${k}`, n]));
    try {
      const data = await graphql<Record<string, { capacity: { families: FamilyCapacity[] } } | null>>(`query Capacities(${vars}) { ${fields} }`, variables, signal);
      batch.forEach((name, k) => {
        const c = data[`c${k}`];
        if (c) mount(cells.get(name)!, familyBars(c.capacity.families));
      });
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw err;
      for (const name of batch) mount(cells.get(name)!, h('span', { class: 'hint bad' }, `capacity unavailable: ${(err as Error).message}`));
    }
  }
}

export function familyBars(families: FamilyCapacity[]): HTMLElement {
  return h('div', { class: 'bars' }, families.map((f) => {
    const label = `${f.family === 'ipv4' ? 'IPv4' : 'IPv6'} ${f.cidr}: ${count(f.used)} of ${count(f.total)} node blocks (${percent(f.utilization)})`;
    return h('div', { class: 'bar-row', 'data-family': f.family },
      h('span', { class: 'fam' }, f.family === 'ipv4' ? 'IPv4' : 'IPv6'),
      bar(f.utilization, label),
      h('span', { class: 'figure' }, `${percent(f.utilization)} · ${count(f.used)}/${count(f.total)}`));
  }));
}
