// A cluster: its settings and capacity, its subnets drawn as racks of nodes
// under the router that joins them, and the verify result with every failing
// check explained. Nodes arrive a page at a time and racks fill as they come,
// so a 5,000-node cluster is on screen before its last page is.
import { eachPage, enc, getJson, graphql, url } from '../api.js';
import { count, h, link, loading, mount, type Child } from '../dom.js';
import type { PageContext } from '../main.js';
import type { ClusterInfo, NodeView, Page, PodView, VerifyCheck, VerifyReport } from '../types.js';
import { familyBars } from './clusters.js';

/** A small first page puts racks on screen at once; the rest come in larger pages. */
const FIRST_NODES = 500;
const NODE_PAGE = 2000;
/** Node chips drawn per rack before "show all": a rack of 250 is drawn whole. */
const RACK_CHIPS = 300;

const CLUSTER_QUERY = `query Cluster($name: String!) { cluster(name: $name) {
  name mode podCidrs serviceCidr mtu podMtu reserved version updatedAt
  network { bridge vxlan { device vni port } }
  subnets { name cidr gateway }
  capacity { maxNodes used free utilization families { family cidr nodeMaskSize total used free excluded utilization } } } }`;

/** What each verify check is for, so a failure reads as a problem and a fix. */
export const CHECK_HELP: Record<string, string> = {
  'no-overlap': 'Two node blocks (or a block and a reserved or service range) overlap: pods on both would get the same addresses. Re-pin or remove one node.',
  'pod-ips': 'A pod IP is outside its node\'s block, unusable (network, gateway or broadcast address) or taken twice: that pod cannot be reached.',
  reachability: 'A node cannot reach another node\'s pod block with the generated routes (host-gw across subnets needs a router that knows pod routes: use bgp, vxlan or cross-subnet).',
  mtu: 'The pod MTU does not fit the underlay once the tunnel header is added: large packets would be dropped or fragmented.',
  capacity: 'The pod CIDR is close to or out of node blocks: new nodes will fail with POD_CIDR_EXHAUSTED.',
};

export async function clusterPage(root: HTMLElement, ctx: PageContext, [name]: string[]): Promise<void> {
  ctx.crumbs(['Clusters', '/ui'], [name!]);
  mount(root, loading(`cluster ${name}`));
  const base = `/v1/clusters/${enc(name!)}`;
  const podsTotal = getJson<Page<PodView>>(url(`${base}/pods`, { limit: 1 }), ctx.signal).then((p) => p.total ?? null, () => null);
  const firstNodes = getJson<Page<NodeView>>(url(`${base}/nodes`, { limit: FIRST_NODES }), ctx.signal);
  firstNodes.catch(() => {});
  const data = await graphql<{ cluster: ClusterInfo | null }>(CLUSTER_QUERY, { name }, ctx.signal);
  const c = data.cluster;
  if (c) c.mode = c.mode.toLowerCase().replace(/_/g, '-'); // GraphQL spells modes as enum values
  if (!c) {
    mount(root, h('section', { class: 'panel error', role: 'alert' }, h('h1', null, 'CLUSTER_NOT_FOUND'), h('p', null, `There is no cluster "${name}". `, link('/ui', 'All clusters'), '.')));
    return;
  }

  const nodeCount = h('span', null, count(c.capacity.used));
  const podCount = h('span', null, '…');
  void podsTotal.then((n) => { podCount.textContent = n === null ? '?' : count(n); });
  const verifyBox = h('div', { id: 'verify' }, loading('the verification'));
  const racks = h('div', { class: 'racks', id: 'racks' });
  const filter = h('input', { type: 'search', id: 'node-filter', placeholder: 'Find a node by name, address or block', 'aria-label': 'Find a node', size: 36 });
  const progress = h('p', { class: 'hint', role: 'status' }, 'Loading nodes…');

  mount(root,
    h('section', { class: 'panel' },
      h('div', { class: 'title-row' }, h('h1', null, c.name), h('span', { class: 'badge' }, c.mode), h('span', { class: 'spacer' }),
        link(`/ui/clusters/${enc(c.name)}/path`, 'Trace a path →')),
      h('dl', { class: 'facts' },
        fact('Pod CIDRs', c.podCidrs.join(', ')), fact('Service CIDR', c.serviceCidr ?? '—'),
        fact('Nodes', nodeCount), fact('Pods', podCount),
        fact('MTU', `underlay ${c.mtu} · pods ${c.podMtu}`), fact('Bridge', c.network.bridge),
        c.mode === 'vxlan' || c.mode === 'cross-subnet' ? fact('VXLAN', `${c.network.vxlan.device} · VNI ${c.network.vxlan.vni} · UDP ${c.network.vxlan.port}`) : null,
        c.reserved.length ? fact('Reserved', c.reserved.join(', ')) : null,
        fact('Version', c.version === null ? '—' : String(c.version)))),
    h('section', { class: 'panel' }, h('h2', null, 'Capacity'),
      familyBars(c.capacity.families),
      h('p', { class: 'hint' }, `${count(c.capacity.used)} of ${count(c.capacity.maxNodes)} node blocks used, ${count(c.capacity.free)} free (primary family).`)),
    h('section', { class: 'panel' }, h('h2', null, 'Verification'), verifyBox),
    h('section', { class: 'panel' }, h('div', { class: 'title-row' }, h('h2', null, c.subnets.length ? 'Subnets and nodes' : 'Nodes (one flat underlay)'), h('span', { class: 'spacer' }), filter),
      c.subnets.length ? routerBox(c) : null, racks, progress),
  );

  const layout = new Racks(racks, c);
  filter.addEventListener('input', () => layout.filter(filter.value.trim().toLowerCase()));
  let loaded = 0;
  const show = (page: Page<NodeView>) => {
    layout.add(page.items);
    loaded += page.items.length;
    progress.textContent = page.nextCursor ? `${count(loaded)} of ${count(page.total ?? loaded)} nodes loaded…` : `${count(loaded)} node${loaded === 1 ? '' : 's'}.`;
  };
  const first = await firstNodes;
  show(first);
  performance.mark('podnet:cluster-racks'); // the page is usable: measured by the scale check
  if (first.nextCursor) await eachPage<NodeView>(url(`${base}/nodes`, { cursor: first.nextCursor }), NODE_PAGE, (_, page) => show(page), ctx.signal);
  nodeCount.textContent = count(loaded);
  performance.mark('podnet:cluster-nodes');

  // Verification walks every node pair on the server: asked for last, so the
  // racks never wait behind it.
  try {
    mount(verifyBox, verifyView(c.name, await getJson<VerifyReport>(`${base}/verify`, ctx.signal)));
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    mount(verifyBox, h('p', { class: 'hint bad' }, `verify failed: ${(err as Error).message}`));
  }
}

function fact(label: string, value: Child): HTMLElement[] {
  return [h('dt', null, label), h('dd', null, value)];
}

function routerBox(c: ClusterInfo): HTMLElement {
  return h('div', { class: 'router', id: 'router' },
    h('strong', null, 'Router'),
    h('span', { class: 'hint' }, ` joins ${c.subnets.length} subnet${c.subnets.length === 1 ? '' : 's'} through their gateways${c.mode === 'bgp' ? ' and holds a route to every node block' : ''}; default route to the outside world.`),
    h('div', { class: 'gateways' }, c.subnets.map((s) => h('span', { class: 'gw' }, h('span', { class: 'mono' }, s.gateway ?? 'no gateway'), ` ${s.name}`))));
}

/** The racks: one per subnet (or one flat underlay), with a chip per node, drawn incrementally. */
class Racks {
  private readonly racks = new Map<string, { el: HTMLElement; chips: HTMLElement; count: HTMLElement; nodes: NodeView[]; drawn: number; more: HTMLButtonElement }>();
  private query = '';

  constructor(private readonly root: HTMLElement, private readonly c: ClusterInfo) {
    for (const s of c.subnets) this.rack(s.name, s.cidr, s.gateway);
  }

  private rack(name: string, cidr: string | null, gateway: string | null) {
    let r = this.racks.get(name);
    if (r) return r;
    const chips = h('div', { class: 'chips' });
    const countEl = h('span', { class: 'count' }, '0 nodes');
    const more = h('button', { type: 'button', class: 'secondary small', hidden: true }, 'Show all');
    const el = h('div', { class: 'rack', 'data-subnet': name },
      h('div', { class: 'rack-head' }, h('strong', null, name), countEl),
      h('div', { class: 'mono hint' }, cidr ?? 'no subnets: every node on one L2 segment', gateway ? ` · gw ${gateway}` : ''),
      chips, more);
    r = { el, chips, count: countEl, nodes: [], drawn: 0, more };
    const rr = r;
    more.addEventListener('click', () => this.draw(rr, Infinity));
    this.racks.set(name, r);
    this.root.append(el);
    return r;
  }

  add(nodes: NodeView[]): void {
    for (const n of nodes) {
      const name = n.subnet ?? (this.c.subnets.length ? '(no subnet)' : 'flat underlay');
      const r = this.rack(name, null, null);
      r.nodes.push(n);
    }
    for (const r of this.racks.values()) {
      if (!this.query) this.draw(r, RACK_CHIPS);
      else this.counted(r, r.nodes.filter((n) => this.matches(n)).length);
    }
  }

  filter(q: string): void {
    this.query = q;
    for (const r of this.racks.values()) {
      r.chips.replaceChildren();
      r.drawn = 0;
      this.draw(r, RACK_CHIPS);
    }
  }

  private matches(n: NodeView): boolean {
    const q = this.query;
    return !q || n.name.toLowerCase().includes(q) || n.addresses.some((a) => a.includes(q)) || n.podCidrs.some((p) => p.includes(q));
  }

  private draw(r: { chips: HTMLElement; count: HTMLElement; nodes: NodeView[]; drawn: number; more: HTMLButtonElement; el: HTMLElement }, limit: number): void {
    const list = this.query ? r.nodes.filter((n) => this.matches(n)) : r.nodes;
    const upto = Math.min(list.length, limit);
    const frag = document.createDocumentFragment();
    for (let i = r.drawn; i < upto; i++) frag.append(chip(this.c.name, list[i]!));
    r.chips.append(frag);
    r.drawn = Math.max(r.drawn, upto);
    r.more.hidden = r.drawn >= list.length;
    r.more.textContent = `Show all ${count(list.length)}`;
    r.el.hidden = this.query !== '' && list.length === 0;
    this.counted(r, list.length);
  }

  /** The rack's count: its nodes, or while a filter is on, how many of them match. */
  private counted(r: { count: HTMLElement; nodes: NodeView[] }, matching: number): void {
    const all = `${count(r.nodes.length)} node${r.nodes.length === 1 ? '' : 's'}`;
    r.count.textContent = this.query ? `${count(matching)} of ${all}` : all;
  }
}

function chip(cluster: string, n: NodeView): HTMLElement {
  const a = link(`/ui/clusters/${enc(cluster)}/nodes/${enc(n.name)}`, h('span', { class: 'node-name' }, n.name), h('span', { class: 'node-block mono' }, n.podCidrs.join(' ')));
  a.className = 'chip';
  a.title = `${n.name}: ${n.addresses.join(', ')} · pods ${n.podCidrs.join(', ')}`;
  a.dataset.node = n.name;
  return a;
}

export function verifyView(cluster: string, r: VerifyReport): HTMLElement {
  return h('div', { class: `verify ${r.ok ? 'ok' : 'failed'}`, 'data-ok': String(r.ok) },
    h('p', { class: 'verdict' }, h('span', { class: `pill ${r.ok ? 'good' : 'bad'}` }, r.ok ? 'OK' : 'FAILED'), r.ok ? ' Every check passed.' : ` ${r.checks.filter((c) => !c.ok).length} check(s) failed.`),
    h('ul', { class: 'checks' }, r.checks.map((c) => checkView(cluster, c))));
}

function checkView(cluster: string, c: VerifyCheck): HTMLElement {
  const failures = c.failures ?? [];
  return h('li', { class: c.ok ? 'ok' : 'failed', 'data-check': c.name },
    h('span', { class: `pill ${c.ok ? 'good' : 'bad'}` }, c.ok ? 'ok' : 'fail'), ' ', h('strong', null, c.name), c.detail ? ` — ${c.detail}` : '',
    c.ok ? null : h('div', { class: 'explain' },
      h('p', null, CHECK_HELP[c.name] ?? ''),
      h('ul', { class: 'failures' }, failures.map((f) => h('li', null, f.message, ' ', failurePath(cluster, f)))),
      (c.failureCount ?? 0) > failures.length ? h('p', { class: 'hint' }, `… and ${count((c.failureCount ?? 0) - failures.length)} more.`) : null));
}

/** A failing node pair links to the path verify traced: A's host namespace to B's bridge gateway of the failing family. */
function failurePath(cluster: string, f: Record<string, unknown>): HTMLElement | null {
  const from = typeof f.fromEndpoint === 'string' ? f.fromEndpoint : typeof f.from === 'string' ? `node:${f.from}` : null;
  const to = typeof f.toEndpoint === 'string' ? f.toEndpoint : typeof f.to === 'string' ? `node:${f.to}` : null;
  if (!from || !to) return null;
  return link(url(`/ui/clusters/${enc(cluster)}/path`, { from, to }), 'see the path');
}
