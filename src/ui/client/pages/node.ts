// A node: its addresses and blocks, its route table as `ip route show` prints
// it, its neighbour and FDB entries (overlay modes), and its pods, a page at a time.
import { enc, getJson, getText, url } from '../api.js';
import { count, h, link, loading, mount } from '../dom.js';
import type { PageContext } from '../main.js';
import type { NodeView, Page, PodView, RouteTable } from '../types.js';

const POD_PAGE = 100;

export async function nodePage(root: HTMLElement, ctx: PageContext, [cluster, name]: string[]): Promise<void> {
  const clusterHref = `/ui/clusters/${enc(cluster!)}`;
  ctx.crumbs(['Clusters', '/ui'], [cluster!, clusterHref], [name!]);
  mount(root, loading(`node ${name}`));
  const base = `/v1/clusters/${enc(cluster!)}/nodes/${enc(name!)}`;
  const [node, text, table] = await Promise.all([
    getJson<NodeView>(base, ctx.signal),
    getText(url(`${base}/routes`, { format: 'text' }), ctx.signal),
    getJson<RouteTable>(url(`${base}/routes`, { format: 'json' }), ctx.signal),
  ]);
  const lines = text.trimEnd() === '' ? 0 : text.trimEnd().split('\n').length;
  const pods = h('tbody');
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Show more pods');
  const podStatus = h('p', { class: 'hint', role: 'status' });
  const pathHref = (to: string) => url(`${clusterHref}/path`, { from: `node:${node.name}`, to });

  mount(root,
    h('section', { class: 'panel' },
      h('div', { class: 'title-row' }, h('h1', null, node.name), h('span', { class: 'badge' }, node.subnet ?? 'flat underlay')),
      h('dl', { class: 'facts' },
        h('dt', null, 'Addresses'), h('dd', { class: 'mono' }, node.addresses.join(', ')),
        h('dt', null, 'Interface'), h('dd', { class: 'mono' }, node.interface),
        h('dt', null, 'Pod CIDRs'), h('dd', { class: 'mono' }, node.podCidrs.join(', ') || '—'),
        h('dt', null, 'Gateways (bridge)'), h('dd', { class: 'mono' }, node.gateways.join(', ') || '—'),
        h('dt', null, 'VTEP MAC'), h('dd', { class: 'mono' }, node.vtepMac))),
    h('section', { class: 'panel' },
      h('div', { class: 'title-row' }, h('h2', null, 'Route table'), h('span', { class: 'hint' }, `${count(lines)} route${lines === 1 ? '' : 's'} · ip route show`)),
      h('pre', { class: 'routes', id: 'routes', tabindex: 0 }, text)),
    table.neighbors.length || table.fdb.length
      ? h('section', { class: 'panel' },
        h('h2', null, 'Neighbours and FDB (overlay)'),
        h('details', { open: table.neighbors.length <= 50 },
          h('summary', null, `${count(table.neighbors.length)} neighbour entries · ip neigh show`),
          h('pre', { class: 'routes', id: 'neighbors' }, table.neighbors.map((n) => `${n.dst} dev ${n.dev} lladdr ${n.lladdr} PERMANENT`).join('\n'))),
        h('details', { open: table.fdb.length <= 50 },
          h('summary', null, `${count(table.fdb.length)} FDB entries · bridge fdb show`),
          h('pre', { class: 'routes', id: 'fdb' }, table.fdb.map((f) => `${f.mac} dev ${f.dev} dst ${f.dst} self permanent`).join('\n'))))
      : null,
    h('section', { class: 'panel' },
      h('h2', null, 'Pods'),
      h('table', { class: 'grid', id: 'pods' },
        h('thead', null, h('tr', null, h('th', null, 'Pod'), h('th', null, 'IPs'), h('th', null, 'veth (host end)'), h('th', null, ''))),
        pods),
      more, podStatus),
  );

  let cursor: string | undefined;
  let shown = 0;
  const loadPods = async () => {
    more.disabled = true;
    const page = await getJson<Page<PodView>>(url(`/v1/clusters/${enc(cluster!)}/pods`, { node: node.name, limit: POD_PAGE, cursor }), ctx.signal);
    for (const p of page.items) {
      pods.append(h('tr', { 'data-pod': p.ref },
        h('td', null, p.ref), h('td', { class: 'mono' }, p.ips.join(', ')), h('td', { class: 'mono' }, p.vethName),
        h('td', null, link(pathHref(p.ref), 'path from the node'))));
    }
    shown += page.items.length;
    cursor = page.nextCursor ?? undefined;
    more.hidden = !cursor;
    more.disabled = false;
    podStatus.textContent = shown === 0 ? 'No pods on this node.' : `${count(shown)} of ${count(page.total ?? shown)} pods.`;
  };
  more.addEventListener('click', () => void loadPods());
  await loadPods();
}
