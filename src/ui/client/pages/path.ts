// The path page: from/to with suggestions (pods, nodes, their addresses),
// the disposition, the server-rendered picture inline (so its g.hop elements
// are in the page's DOM), and the hop table; a hop's row and its place in the
// picture light up together.
import { ApiError, enc, getJson, getText, url } from '../api.js';
import { count, h, loading, mount } from '../dom.js';
import type { PageContext } from '../main.js';
import type { Hop, NodeView, Page, Path, PodView } from '../types.js';

const SUGGEST_PODS = 500;
const SUGGEST_NODES = 1000;

export async function pathPage(root: HTMLElement, ctx: PageContext, [cluster]: string[]): Promise<void> {
  const clusterHref = `/ui/clusters/${enc(cluster!)}`;
  ctx.crumbs(['Clusters', '/ui'], [cluster!, clusterHref], ['Path']);
  const from = ctx.query.get('from') ?? '';
  const to = ctx.query.get('to') ?? '';
  const list = h('datalist', { id: 'endpoints' });
  const field = (id: string, label: string, value: string) => [
    h('label', { for: id }, label),
    h('input', { id, name: id, value, list: 'endpoints', required: true, autocomplete: 'off', spellcheck: 'false', placeholder: 'ns/pod, node:NAME or an IP', size: 30 }),
  ];
  const form = h('form', { class: 'path-form', id: 'path-form' }, ...field('from', 'From', from), ...field('to', 'To', to), h('button', { type: 'submit' }, 'Trace'), list);
  const result = h('div', { id: 'path-result' });
  mount(root, h('section', { class: 'panel' }, h('h1', null, 'Path'), form, h('p', { class: 'hint' },
    'A pod (', h('code', null, 'ns/name'), ' or ', h('code', null, 'name'), '), a node\'s host namespace (', h('code', null, 'node:NAME'), '), or any IP address.')), result);

  const suggestions = new Suggestions(list, cluster!, ctx.signal);
  form.addEventListener('focusin', () => suggestions.start(), { once: true });
  form.addEventListener('input', (ev) => suggestions.around((ev.target as HTMLInputElement).value));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const f = (form.elements.namedItem('from') as HTMLInputElement).value.trim();
    const t = (form.elements.namedItem('to') as HTMLInputElement).value.trim();
    ctx.navigate(url(`${clusterHref}/path`, { from: f, to: t }));
  });
  if (!from || !to) return;

  mount(result, loading('the path'));
  const q = `/v1/clusters/${enc(cluster!)}/path`;
  let path: Path;
  let svg: string;
  try {
    [path, svg] = await Promise.all([
      getJson<Path>(url(q, { from, to }), ctx.signal),
      getText(url(q, { from, to, format: 'svg' }), ctx.signal, 'image/svg+xml'),
    ]);
  } catch (err) {
    if (!(err instanceof ApiError) || err.status === 401) throw err;
    mount(result, h('section', { class: 'panel error', role: 'alert' }, h('h2', null, err.code), h('p', null, err.message)));
    return;
  }
  ctx.crumbs(['Clusters', '/ui'], [cluster!, clusterHref], [`${from} → ${to}`]);
  const picture = h('div', { class: 'picture', id: 'picture' }, parseSvg(svg));
  const table = hopTable(path.hops);
  mount(result,
    h('section', { class: `panel disposition ${path.disposition === 'DELIVERED' ? 'good' : path.disposition === 'EXITS_NETWORK' ? 'warn' : 'bad'}`, id: 'disposition', 'data-disposition': path.disposition },
      h('div', { class: 'title-row' }, h('h2', null, path.disposition), h('span', { class: 'hint' },
        [`${path.hops.length} hops`, path.sameNode ? 'same node' : 'across nodes', path.encapsulation ? `${path.encapsulation} tunnel` : 'no tunnel',
          path.natFree ? 'NAT-free' : 'addresses rewritten', `path MTU ${path.mtu ?? '—'}`].join(' · ')),
      h('span', { class: 'spacer' }),
      // The picture is already here: a download needs no second request (and no token in a URL).
      h('a', { href: URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' })), download: `path-${cluster}.svg`, id: 'download-svg' }, 'Download SVG'))),
    h('section', { class: 'panel' }, picture),
    h('section', { class: 'panel' }, h('h2', null, 'Hops'), table));
  // The zoom is a button for the keyboard too: Tab to it, Enter or Space toggles it.
  picture.setAttribute('tabindex', '0');
  picture.setAttribute('role', 'button');
  picture.setAttribute('aria-pressed', 'false');
  picture.setAttribute('aria-label', 'The path picture: Enter shows it at its own size, again fits it to the page');
  const zoom = () => picture.setAttribute('aria-pressed', String(picture.classList.toggle('actual')));
  picture.addEventListener('click', zoom);
  picture.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Enter' && ev.key !== ' ') return;
    ev.preventDefault();
    zoom();
  });
  linkRowsToPicture(table, picture);
}

/** The server's SVG as a DOM node of this document: an SVG parser, not innerHTML, so nothing in it can run. */
function parseSvg(text: string): Node {
  const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
  const svg = doc.documentElement;
  if (svg.nodeName !== 'svg') return h('p', { class: 'hint bad' }, 'The picture could not be read.');
  svg.setAttribute('role', 'img');
  return document.importNode(svg, true);
}

function hopTable(hops: Hop[]): HTMLTableElement {
  return h('table', { class: 'grid hops', id: 'hops' },
    h('thead', null, h('tr', null, ...['#', 'Kind', 'Node', 'Namespace', 'Device', 'Action', 'Matched route', 'Packet', 'Outer header'].map((t) => h('th', null, t)))),
    h('tbody', null, hops.map((x) => h('tr', { 'data-index': x.index, 'data-kind': x.kind },
      h('td', { class: 'num' }, x.index), h('td', null, x.kind), h('td', null, x.node ?? 'router'), h('td', { class: 'mono' }, x.netns ?? 'router'),
      h('td', { class: 'mono' }, x.dev ?? '—'), h('td', null, x.action), h('td', { class: 'mono wrap' }, x.route ?? ''),
      h('td', { class: 'mono' }, `${x.packet.src} → ${x.packet.dst} ttl ${x.packet.ttl}`),
      h('td', { class: 'mono' }, x.outer ? `${x.outer.src} → ${x.outer.dst} ${x.outer.protocol}${x.outer.port ? ` ${x.outer.port}` : ''}${x.outer.vni !== undefined ? ` vni ${x.outer.vni}` : ''}` : '')))));
}

function linkRowsToPicture(table: HTMLTableElement, picture: HTMLElement): void {
  const hopAt = (i: string | undefined) => (i === undefined ? null : picture.querySelector(`g.hop[data-index="${CSS.escape(i)}"]`));
  const rowAt = (i: string | null) => (i === null ? null : table.querySelector(`tr[data-index="${CSS.escape(i)}"]`));
  const light = (i: string | null | undefined, on: boolean) => {
    hopAt(i ?? undefined)?.classList.toggle('lit', on);
    rowAt(i ?? null)?.classList.toggle('lit', on);
  };
  for (const [el, attr] of [[table, 'tr[data-index]'], [picture, 'g.hop']] as const) {
    el.addEventListener('mouseover', (ev) => light((ev.target as Element).closest(attr)?.getAttribute('data-index'), true));
    el.addEventListener('mouseout', (ev) => light((ev.target as Element).closest(attr)?.getAttribute('data-index'), false));
  }
  // From the keyboard: each hop row is focusable, and focus lights its hop in the picture.
  for (const tr of table.querySelectorAll('tbody tr[data-index]')) tr.setAttribute('tabindex', '0');
  table.addEventListener('focusin', (ev) => light((ev.target as Element).closest('tr[data-index]')?.getAttribute('data-index'), true));
  table.addEventListener('focusout', (ev) => light((ev.target as Element).closest('tr[data-index]')?.getAttribute('data-index'), false));
}

/**
 * Endpoint suggestions without ever loading every pod: the first pages of
 * pods and nodes, and the pods of a node once its name is typed.
 */
class Suggestions {
  private readonly seen = new Set<string>();
  private readonly nodes = new Set<string>();
  private readonly nodePods = new Set<string>();
  /** Names looked up one by one (beyond the first page of nodes), found or not. */
  private readonly asked = new Set<string>();
  private pending: ReturnType<typeof setTimeout> | undefined;
  private started = false;

  constructor(private readonly list: HTMLDataListElement, private readonly cluster: string, private readonly signal: AbortSignal) {}

  start(): void {
    if (this.started) return;
    this.started = true;
    const base = `/v1/clusters/${enc(this.cluster)}`;
    void getJson<Page<NodeView>>(url(`${base}/nodes`, { limit: SUGGEST_NODES }), this.signal).then((p) => {
      for (const n of p.items) this.addNode(n);
    }, () => {});
    void getJson<Page<PodView>>(url(`${base}/pods`, { limit: SUGGEST_PODS }), this.signal).then((p) => this.addPods(p.items), () => {});
  }

  /**
   * Typing a node's name (or node:NAME) suggests that node's pods too. A name
   * beyond the first SUGGEST_NODES nodes is looked up by itself (once per
   * name, after a pause in typing), so every node of a large cluster can be
   * found by typing it whole.
   */
  around(value: string): void {
    const name = value.startsWith('node:') ? value.slice(5) : value;
    if (this.nodes.has(name)) {
      this.podsOf(name);
      return;
    }
    if (this.nodes.size < SUGGEST_NODES || !/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/.test(name) || this.asked.has(name)) return;
    clearTimeout(this.pending);
    this.pending = setTimeout(() => {
      this.asked.add(name);
      void getJson<NodeView>(`/v1/clusters/${enc(this.cluster)}/nodes/${enc(name)}`, this.signal).then((n) => {
        this.addNode(n);
        this.podsOf(n.name);
      }, () => {});
    }, 250);
  }

  private podsOf(name: string): void {
    if (this.nodePods.has(name)) return;
    this.nodePods.add(name);
    void getJson<Page<PodView>>(url(`/v1/clusters/${enc(this.cluster)}/pods`, { node: name, limit: 200 }), this.signal).then((p) => this.addPods(p.items), () => {});
  }

  private addNode(n: NodeView): void {
    this.nodes.add(n.name);
    this.add(`node:${n.name}`, `node ${n.name} · ${n.podCidrs.join(' ')}`);
    for (const a of n.addresses) this.add(a, `node ${n.name} (${n.interface})`);
  }

  private addPods(pods: PodView[]): void {
    for (const p of pods) {
      this.add(p.ref, `pod on ${p.node} · ${p.ips.join(' ')}`);
      for (const ip of p.ips) this.add(ip, `pod ${p.ref}`);
    }
  }

  private add(value: string, label: string): void {
    if (this.seen.has(value)) return;
    this.seen.add(value);
    this.list.append(h('option', { value, label: `${label}` }));
    if (this.seen.size % 1000 === 0) this.list.dataset.count = count(this.seen.size);
  }
}
