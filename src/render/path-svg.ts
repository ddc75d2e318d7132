// The path picture (SPEC §10): one pure function from a traced Path and its
// scene to a self-contained SVG. The markup is part of the contract: every hop
// is a <g class="hop" data-index data-kind data-node data-dev>, in hop order,
// and every namespace a <g class="netns" data-netns data-node>; the root
// carries data-disposition and a <title>. No script, no external font: it
// renders the same in a browser, an <img> and a CI artifact viewer.
import type { Disposition, Endpoint, Hop, HopKind, Path } from '../net/trace.js';
import { DEV_H, DEV_W, HEADER_H, LINE, M, NAME_MAX, layoutPath, outerText, type Layout, type NsPlace, type Slot } from './path-layout.js';
import type { PathScene } from './path-scene.js';
import { MONO, SANS, clip, el, esc, fmt, textWidth, txt, type Attrs } from './svg.js';

const INK = '#1f2328';
const MUTED = '#59636e';
const PATH = '#1f4fa3';
const DISPOSITION_COLOR: Record<Disposition, string> = {
  DELIVERED: '#1a7f37', NO_ROUTE: '#cf222e', NULL_ROUTED: '#cf222e', NEIGHBOR_UNREACHABLE: '#cf222e', LOOP: '#cf222e', EXITS_NETWORK: '#9a6700',
};
const NS_STYLE: Record<NsPlace['kind'], { fill: string; stroke: string }> = {
  pod: { fill: '#eef4ff', stroke: '#6c8fd1' },
  host: { fill: '#f6f8fa', stroke: '#8c959f' },
  router: { fill: '#fff8e5', stroke: '#c69026' },
};
const DEVICE_STROKE: Record<HopKind, string> = {
  'pod-eth': '#3366cc', veth: '#3366cc', bridge: '#2b8a3e', physical: '#444c56', vxlan: '#bc4c00', ipip: '#bc4c00', router: '#9a6700',
};

/** The path picture of `path` as an SVG document (UTF-8 text, no XML declaration needed). */
export function renderPathSvg(path: Path, scene: PathScene): string {
  const L = layoutPath(path, scene);
  // As wide as the widest of the scene, the header's lines and the legend: a one-hop picture's header was cut at 560 px.
  const width = Math.ceil(Math.max(L.width, M + headerWidth(path, scene) + M, M + legendWidth(path) + M));
  const title = `Path from ${endpointText(path.from)} to ${endpointText(path.to)} in cluster ${scene.cluster}: ${path.disposition}`;
  const root: Attrs = {
    xmlns: 'http://www.w3.org/2000/svg', class: 'podnet-path', viewBox: `0 0 ${width} ${L.height}`, width, height: L.height,
    role: 'img', 'font-family': SANS, 'data-disposition': path.disposition, 'data-cluster': scene.cluster,
    'data-from': endpointRef(path.from), 'data-to': endpointRef(path.to), 'data-hops': path.hops.length,
  };
  return el('svg', root,
    txt('title', {}, title),
    txt('desc', {}, path.hops.map((h) => `${h.index} ${h.kind} ${h.node ?? 'router'} ${h.dev ?? ''}`).join('; ')),
    el('rect', { width, height: L.height, fill: '#ffffff' }),
    header(path, scene),
    el('g', { class: 'frames' }, ...L.frames.map((f) => el('g', { class: 'node', 'data-node': f.node },
      el('rect', { x: f.x, y: f.y, width: f.w, height: f.h, rx: 10, fill: 'none', stroke: '#afb8c1', 'stroke-dasharray': '6 4' }),
      txt('text', { x: f.x + 10, y: f.y + 15, 'font-size': 12, 'font-weight': 700, fill: MUTED }, `node ${clip(f.node, NAME_MAX)}`)))),
    el('g', { class: 'namespaces' }, ...L.namespaces.map((ns) => namespace(ns, L))),
    tunnels(path, L),
    el('g', { class: 'links' }, ...L.links.map((l) => link(L, l.from, l.to, l.style, l.label))),
    endingRing(path, L),
    el('g', { class: 'hops' }, ...path.hops.map((h) => hop(h, L, path))),
    el('g', { class: 'packets' }, ...L.cards.map((c) => el('g', { class: 'packet' },
      el('line', { x1: c.anchor.x, y1: c.anchor.y + 4, x2: Math.min(Math.max(c.anchor.x, c.x + 12), c.x + c.w - 12), y2: c.y, stroke: '#8c959f', 'stroke-dasharray': '2 3' }),
      el('rect', { x: c.x, y: c.y, width: c.w, height: c.h, rx: 6, fill: c.outer ? '#fff1e5' : '#ffffff', stroke: c.outer ? '#bc4c00' : '#8c959f' }),
      c.outer ? txt('text', { x: c.x + 10, y: c.y + 17, 'font-family': MONO, 'font-size': 11, fill: '#953800' }, c.outer) : '',
      c.outer ? el('rect', { x: c.x + 12, y: c.y + 28, width: c.w - 24, height: 28, rx: 4, fill: '#ffffff', stroke: '#6c8fd1' }) : '',
      txt('text', { x: c.x + (c.outer ? 22 : 10), y: c.y + (c.outer ? 46 : 19), 'font-family': MONO, 'font-size': 11, fill: INK }, c.inner)))),
    ending(path, L),
    legend(L, path),
  );
}

export function endpointText(e: Endpoint): string {
  switch (e.kind) {
    case 'pod': return `pod ${e.ref} (${e.ip})`;
    case 'node': return `node ${e.name} (${e.ip})`;
    case 'router': return `the router on ${e.subnet} (${e.ip})`;
    case 'external': return `${e.ip} (no pod or node has it)`; // 8.8.8.8, or an unused address of a pod block
  }
}

function endpointRef(e: Endpoint): string {
  return e.kind === 'pod' ? e.ref : e.kind === 'node' ? `node:${e.name}` : e.ip;
}

function where(h: Hop): string {
  if (h.kind === 'router') return 'the router';
  const ns = h.netns?.startsWith('pod:') ? `pod ${h.netns.slice(4)}` : `${h.node} (host)`;
  return `${h.dev ?? '?'} in ${ns}`;
}

/** One sentence on where and why the packet's journey ends. */
export function outcomeText(path: Path): string {
  const last = path.hops.at(-1);
  if (!last) return 'The packet never enters the modelled network: there is no hop to show.';
  const dst = last.outer?.dst ?? last.packet.dst;
  switch (path.disposition) {
    case 'DELIVERED': return `Delivered at ${where(last)}.`;
    case 'NO_ROUTE': return `Dropped at ${where(last)}: no route to ${dst}.`;
    case 'NULL_ROUTED': return `Dropped at ${where(last)}: a blackhole route covers ${dst}.`;
    case 'NEIGHBOR_UNREACHABLE': return `Dropped at ${where(last)}: no neighbour answers for the next hop towards ${dst}.`;
    case 'LOOP': return `Dropped at ${where(last)}: the TTL ran out (a routing loop).`;
    case 'EXITS_NETWORK': return `Leaves the cluster at ${where(last)} through its default route.`;
  }
}

/** The header's three lines: the endpoints, the disposition with the facts, the outcome. */
function headerLines(path: Path, scene: PathScene): { title: string; facts: string; outcome: string } {
  const facts = [
    scene.mode, `${path.hops.length} hop${path.hops.length === 1 ? '' : 's'}`, `path MTU ${path.mtu ?? '-'}`,
    path.encapsulation ? `${path.encapsulation === 'vxlan' ? 'VXLAN' : 'IP-in-IP'} tunnel` : 'no tunnel',
    path.natFree ? 'NAT-free' : 'addresses rewritten', `IPv${scene.family}`, `cluster ${clip(scene.cluster, NAME_MAX)}`,
  ];
  return {
    title: `${clip(endpointText(path.from), 80)}  →  ${clip(endpointText(path.to), 80)}`,
    facts: `  ·  ${facts.join('  ·  ')}`,
    outcome: outcomeText(path),
  };
}

/** What the header needs across (bold text is about a tenth wider than textWidth's estimate). */
function headerWidth(path: Path, scene: PathScene): number {
  const { title, facts, outcome } = headerLines(path, scene);
  return Math.max(textWidth(title, 17) * 1.1, textWidth(path.disposition, 13) * 1.1 + textWidth(facts, 13), textWidth(outcome, 13));
}

function header(path: Path, scene: PathScene): string {
  const color = DISPOSITION_COLOR[path.disposition];
  const { title, facts, outcome } = headerLines(path, scene);
  return el('g', { class: 'header' },
    txt('text', { x: M, y: M + 16, 'font-size': 17, 'font-weight': 700, fill: INK }, title),
    el('text', { x: M, y: M + 40, 'font-size': 13, fill: MUTED },
      txt('tspan', { class: 'disposition', 'font-weight': 700, fill: color }, path.disposition), esc(facts)),
    txt('text', { x: M, y: M + 60, 'font-size': 13, fill: INK }, outcome),
    el('line', { x1: M, y1: M + HEADER_H - 8, x2: M + 360, y2: M + HEADER_H - 8, stroke: '#d0d7de' }));
}

function namespace(ns: NsPlace, L: Layout): string {
  const st = NS_STYLE[ns.kind];
  const idle = L.slots.filter((s) => s.ns === ns && s.idle);
  return el('g', { class: 'netns', 'data-netns': ns.netns, 'data-node': ns.node },
    el('rect', { x: ns.x, y: ns.y, width: ns.w, height: ns.h, rx: 8, fill: st.fill, stroke: st.stroke, 'stroke-width': 1.5 }),
    txt('text', { x: ns.label.x, y: ns.label.y, 'font-size': 13, 'font-weight': 700, fill: INK }, ns.title),
    ...ns.lines.map((line, k) => txt('text', { x: ns.label.x, y: ns.label.y + 17 + k * LINE, 'font-size': 11, fill: MUTED }, line)),
    ns.table ? el('g', { class: 'route-table' },
      el('rect', { x: ns.table.x, y: ns.table.y, width: ns.table.w, height: ns.table.h, rx: 4, fill: '#ffffff', stroke: '#d0d7de' }),
      txt('text', { x: ns.table.x + 10, y: ns.table.y + 15, 'font-size': 10, 'font-weight': 700, fill: MUTED, 'letter-spacing': 0.5 },
        ns.lookups.length ? 'ROUTING TABLE · matched' : 'ROUTING TABLE · no lookup on this path')) : '',
    ...idle.map((s) => el('g', { class: 'device', 'data-dev': s.dev, 'data-kind': s.kind }, device(s, true))),
  );
}

function device(s: Slot, idle: boolean): string {
  return el('g', {},
    el('rect', {
      x: s.x, y: s.y, width: DEV_W, height: DEV_H, rx: 5, fill: '#ffffff',
      stroke: idle ? '#c4cbd3' : DEVICE_STROKE[s.kind], 'stroke-width': idle ? 1 : 1.6, 'stroke-dasharray': idle ? '4 3' : null,
    }),
    txt('text', { x: s.x + 10, y: s.y + 15, 'font-family': MONO, 'font-size': 12, 'font-weight': 700, fill: idle ? '#8c959f' : INK }, clip(s.dev, 22)),
    txt('text', { x: s.x + 10, y: s.y + 29, 'font-size': 10, fill: idle ? '#8c959f' : MUTED }, clip(s.sub, 32)),
  );
}

const centre = (s: Slot) => ({ x: s.x + DEV_W / 2, y: s.y + DEV_H / 2 });

/**
 * The points a link runs through: straight when the devices share a row or a
 * column, else vertical, along the gap between the two rows, vertical again,
 * so that it never crosses another device or a namespace's text.
 */
export function linkPoints(a: Slot, b: Slot): { x: number; y: number }[] {
  const p = centre(a);
  const q = centre(b);
  if (Math.abs(p.x - q.x) < 1 || Math.abs(p.y - q.y) < 1) return [p, q];
  const upper = a.y < b.y ? a : b;
  const lower = upper === a ? b : a;
  const gapY = (upper.y + DEV_H + lower.y) / 2;
  return [p, { x: p.x, y: gapY }, { x: q.x, y: gapY }, q];
}

const pathData = (pts: { x: number; y: number }[]) => pts.map((p, k) => `${k ? 'L' : 'M'}${fmt(p.x)},${fmt(p.y)}`).join(' ');

/** An arrowhead in the middle of the longest segment, pointing the way the packet goes. */
function arrow(pts: { x: number; y: number }[]): string {
  let best = 0;
  let len = -1;
  for (let k = 0; k + 1 < pts.length; k++) {
    const l = Math.hypot(pts[k + 1]!.x - pts[k]!.x, pts[k + 1]!.y - pts[k]!.y);
    if (l > len) [best, len] = [k, l];
  }
  const a = pts[best]!;
  const b = pts[best + 1]!;
  const deg = (Math.atan2(b.y - a.y, b.x - a.x) * 180) / Math.PI;
  return el('path', { d: 'M-6,-5 L6,0 L-6,5 z', fill: PATH, transform: `translate(${fmt((a.x + b.x) / 2)},${fmt((a.y + b.y) / 2)}) rotate(${fmt(deg)})` });
}

function link(L: Layout, from: number, to: number, style: 'veth' | 'wire' | 'inside', label: string | null): string {
  const pts = linkPoints(L.hopSlot[from]!, L.hopSlot[to]!);
  const d = pathData(pts);
  const a = pts[0]!;
  const b = pts.at(-1)!;
  const mid = { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
  const under = style === 'wire'
    ? el('path', { d, stroke: '#444c56', 'stroke-width': 5, fill: 'none', 'stroke-linecap': 'round' })
    : style === 'veth' ? el('path', { d, stroke: '#b6cdf5', 'stroke-width': 9, fill: 'none' }) : '';
  const note = style === 'veth'
    ? txt('text', { x: mid.x + 10, y: mid.y + 4, 'font-size': 10, fill: '#3366cc' }, 'veth pair')
    : label ? txt('text', { x: mid.x, y: mid.y - 9, 'font-size': 10, fill: MUTED, 'text-anchor': 'middle' }, label) : '';
  return el('g', { class: `link ${style}`, 'data-from': from, 'data-to': to },
    under, el('path', { d, stroke: PATH, 'stroke-width': 1.8, fill: 'none', 'stroke-linejoin': 'round' }), arrow(pts), note);
}

/** The tunnel: a band around every stretch of hops that carries an outer header, labelled with it. */
function tunnels(path: Path, L: Layout): string {
  const out: string[] = [];
  for (let i = 0; i < path.hops.length; i++) {
    if (!path.hops[i]!.outer) continue;
    let j = i;
    while (j + 1 < path.hops.length && path.hops[j + 1]!.outer) j++;
    const slots = path.hops.slice(i, j + 1).map((h) => L.hopSlot[h.index]!);
    const pts = slots.flatMap((s, k) => (k === 0 ? [centre(s)] : linkPoints(slots[k - 1]!, s).slice(1)));
    out.push(el('g', { class: 'tunnel', 'data-from': i, 'data-to': j },
      el('path', { d: pathData(pts), stroke: '#fb8f44', 'stroke-opacity': 0.28, 'stroke-width': 30, fill: 'none', 'stroke-linecap': 'round', 'stroke-linejoin': 'round' })));
    i = j;
  }
  return el('g', { class: 'tunnels' }, ...out);
}

/** A badge's radius and the distance between two badges' centres. */
const BADGE_R = 9;
const BADGE_STEP = 22;

/** The disposition tag's width and left edge on the last hop's device (see `ending`). */
function tagBox(path: Path, s: Slot): { x: number; w: number } {
  const label = `${path.disposition === 'DELIVERED' ? '✓' : path.disposition === 'EXITS_NETWORK' ? '↗' : '✕'} ${path.disposition}`;
  // 9 px bold capitals run ~6.3 px each in the common sans fonts: the tag holds its text with room to
  // spare and, right-aligned, clears the hop's number badge at the device's left corner.
  const w = label.length * 6.6 + 14;
  return { x: s.x + DEV_W - w + 8, w };
}

/**
 * Where visit `visit` of device `s` puts its number badge: the first on the
 * device's top-left corner; later ones (a loop) along the top edge after the
 * device's name, never over it nor over the disposition tag. When they do not
 * all fit, the last place that fits shows "+N" for the rest (their badges stay
 * in the DOM, hidden).
 */
export function badgePlace(s: Slot, visit: number, tagLeft: number | null): { x: number; more: number } | null {
  if (visit === 0) return { x: s.x + 2, more: 0 };
  const first = s.x + 10 + textWidth(clip(s.dev, 22), 12, true) + 6 + BADGE_R;
  const last = (tagLeft ?? s.x + DEV_W + 4) - 4 - BADGE_R;
  const room = last < first ? 0 : Math.floor((last - first) / BADGE_STEP) + 1;
  const extra = s.visits.length - 1;
  const x = first + (visit - 1) * BADGE_STEP;
  if (extra <= room) return { x, more: 0 };
  if (visit < room) return { x, more: 0 };
  return visit === room ? { x, more: extra - room + 1 } : null;
}

function hop(h: Hop, L: Layout, path: Path): string {
  const s = L.hopSlot[h.index]!;
  const visit = s.visits.indexOf(h.index);
  const tip = [`#${h.index} ${h.kind} ${h.dev ?? ''} at ${where(h)}: ${h.action}`, `packet ${h.packet.src} → ${h.packet.dst} ttl ${h.packet.ttl}`];
  if (h.outer) tip.push(outerText(h)!);
  if (h.route !== undefined) tip.push(`route ${h.route}`);
  const at = L.routeAt.get(h.index);
  const last = path.hops.at(-1);
  const place = badgePlace(s, visit, last && L.hopSlot[last.index] === s ? tagBox(path, s).x : null);
  const shown = place !== null && place.more === 0;
  const bx = place?.x ?? s.x + 2;
  const more = place !== null && place.more > 0
    ? el('g', { class: 'badge-more', 'data-hidden-visits': place.more },
      el('rect', { x: bx - BADGE_R - 2, y: s.y + 2 - BADGE_R, width: 2 * BADGE_R + 4 + (String(place.more).length - 1) * 6, height: 2 * BADGE_R, rx: BADGE_R, fill: PATH }),
      txt('text', { x: bx + (String(place.more).length - 1) * 3, y: s.y + 5.5, 'font-size': 10, 'font-weight': 700, fill: '#ffffff', 'text-anchor': 'middle' }, `+${place.more}`))
    : '';
  return el('g', {
    class: 'hop', 'data-index': h.index, 'data-kind': h.kind, 'data-node': h.node, 'data-dev': h.dev,
    'data-netns': h.netns ?? 'router', 'data-action': h.action, 'data-route': h.route,
  },
  txt('title', {}, tip.join('\n')),
  visit === 0 ? device(s, false) : '',
  el('g', { class: 'badge', visibility: shown ? null : 'hidden' },
    el('circle', { cx: bx, cy: s.y + 2, r: BADGE_R, fill: PATH }),
    txt('text', { x: bx, y: s.y + 5.5, 'font-size': 10, 'font-weight': 700, fill: '#ffffff', 'text-anchor': 'middle' }, String(h.index))),
  more,
  at ? txt('text', { class: 'route', x: at.x, y: at.y, 'font-family': MONO, 'font-size': 11, fill: INK, visibility: at.repeat ? 'hidden' : null }, at.text) : '');
}

/** Where the packet ends: the last device ringed in the disposition's colour, with a tag. */
/**
 * Where the packet ends: a ring around the last hop's device, drawn before
 * the hops so that their number badges stay on top of it, and a tag with
 * the disposition, drawn after them (`ending`).
 */
function endingRing(path: Path, L: Layout): string {
  const last = path.hops.at(-1);
  if (!last) return '';
  const s = L.hopSlot[last.index]!;
  return el('rect', { class: 'disposition-ring', x: s.x - 3, y: s.y - 3, width: DEV_W + 6, height: DEV_H + 6, rx: 7, fill: 'none', stroke: DISPOSITION_COLOR[path.disposition], 'stroke-width': 2.5 });
}

function ending(path: Path, L: Layout): string {
  const last = path.hops.at(-1);
  if (!last) return '';
  const s = L.hopSlot[last.index]!;
  const color = DISPOSITION_COLOR[path.disposition];
  const label = `${path.disposition === 'DELIVERED' ? '✓' : path.disposition === 'EXITS_NETWORK' ? '↗' : '✕'} ${path.disposition}`;
  const { x, w } = tagBox(path, s);
  return el('g', { class: 'disposition', 'data-disposition': path.disposition, 'data-index': last.index },
    el('rect', { x, y: s.y - 11, width: w, height: 16, rx: 8, fill: color }),
    txt('text', { x: x + w / 2, y: s.y + 0.5, 'font-size': 9, 'font-weight': 700, fill: '#ffffff', 'text-anchor': 'middle' }, label));
}

/** The legend's entries, at y, from x = M; `end` is where the last one ends. */
function legendItems(path: Path, y: number): { items: string[]; end: number } {
  const items: string[] = [];
  let x = M;
  let end = M;
  const item = (mark: (x: number) => string, label: string) => {
    items.push(mark(x), txt('text', { x: x + 34, y: y + 4, 'font-size': 11, fill: MUTED }, label));
    end = x + 34 + textWidth(label, 11);
    x += 34 + label.length * 6.2 + 22;
  };
  const bar = (stroke: string, width: number, opacity?: number) => (x0: number) =>
    el('line', { x1: x0, y1: y, x2: x0 + 26, y2: y, stroke, 'stroke-width': width, 'stroke-opacity': opacity });
  item(bar(PATH, 2), 'packet, hop by hop');
  item(bar('#b6cdf5', 9), 'veth pair');
  item(bar('#444c56', 5), 'wire (underlay)');
  if (path.encapsulation) item(bar('#fb8f44', 14, 0.4), 'tunnel (outer header)');
  item((x0) => el('rect', { x: x0, y: y - 7, width: 26, height: 14, rx: 3, fill: '#ffffff', stroke: '#c4cbd3', 'stroke-dasharray': '4 3' }), 'device not on this path');
  return { items, end };
}

const legendWidth = (path: Path): number => legendItems(path, 0).end - M;

function legend(L: Layout, path: Path): string {
  return el('g', { class: 'legend' }, ...legendItems(path, L.legendY).items);
}
