// Where everything of a path picture goes. One column per node (its pods'
// namespaces on top, its host namespace below) and one for the router, in
// the order the packet reaches them; inside a host namespace one row per kind
// of device (veth ends, bridge, tunnel, NIC), so the NICs of every column sit
// on one line: the wire.
import type { Hop, HopKind, Path } from '../net/trace.js';
import type { PathScene, SceneNode } from './path-scene.js';
import { clip, textWidth } from './svg.js';

export interface Box { x: number; y: number; w: number; h: number }

export type NsKind = 'pod' | 'host' | 'router';

export interface NsPlace extends Box {
  kind: NsKind;
  /** The value of data-netns: `pod:ns/name`, `host` or `router`. */
  netns: string;
  node: string | null;
  title: string;
  lines: string[];
  /** Baseline of the title; the lines follow it. */
  label: { x: number; y: number };
  /** The routing-table frame (host, router). */
  table: Box | null;
  /** The lookups made here, one line per distinct matched route, with the hops that matched it. */
  lookups: { route: string; hops: number[] }[];
}

export interface Slot extends Box {
  ns: NsPlace;
  dev: string;
  kind: HopKind;
  /** A device the path never uses, drawn for context (a host's bridge and NIC). */
  idle: boolean;
  sub: string;
  visits: number[];
}

export interface NodeFrame extends Box { node: string }

export interface PacketCard extends Box {
  /** Centre of the wire segment it describes. */
  anchor: { x: number; y: number };
  outer: string | null;
  inner: string;
}

export interface Link {
  from: number;
  to: number;
  style: 'veth' | 'wire' | 'inside';
  label: string | null;
}

export interface Layout {
  width: number;
  height: number;
  namespaces: NsPlace[];
  frames: NodeFrame[];
  slots: Slot[];
  /** The slot of every hop, by hop index. */
  hopSlot: Slot[];
  /** Where the route line of a hop is written (hops with a route only). */
  routeAt: Map<number, { x: number; y: number; text: string; repeat: boolean }>;
  links: Link[];
  cards: PacketCard[];
  legendY: number;
}

export const M = 24;
export const HEADER_H = 78;
export const DEV_W = 184;
export const DEV_H = 36;
const PAD = 14;
const ROW = 58;
export const LINE = 15;
const COL_GAP = 72;
const FRAME_LABEL = 22;
/** Longest name shown whole in a label; the full name stays in the tooltip and data attributes. */
export const NAME_MAX = 40;

/** `#3  10.1.2.0/24 via …`; a route matched again and again (a loop) is written once, with its hops. */
const routeLine = (l: { route: string; hops: number[] }): string =>
  `#${l.hops.slice(0, 4).join(' #')}${l.hops.length > 4 ? ` … (${l.hops.length} times)` : ''}  ${l.route}`;
const widest = (lines: string[], size: number, mono = false): number => Math.max(0, ...lines.map((s) => textWidth(s, size, mono)));

interface Column {
  key: string;
  node: string | null;
  pods: NsPlace[];
  host: NsPlace | null;
  router: NsPlace | null;
  x: number;
  w: number;
}

function nsTitle(kind: NsKind, h: Hop): string {
  if (kind === 'pod') return `pod ${clip(h.netns!.slice(4), NAME_MAX)}`;
  return kind === 'host' ? `${clip(h.node ?? '', NAME_MAX)} · host netns` : 'router';
}

function hostLines(n: SceneNode | undefined): string[] {
  if (!n) return [];
  const addr = `${n.address ?? 'no address of this family'} on ${clip(n.iface, 16)}${n.subnet ? ` · subnet ${clip(n.subnet, 24)}` : ''}`;
  return [addr, n.block ? `pods ${n.block} · gateway ${n.gateway ?? '-'}` : 'no pod block of this family'];
}

export function deviceSub(kind: HopKind, dev: string, scene: PathScene, node: SceneNode | undefined, ip: string | null): string {
  const mtu = `mtu ${scene.mtu[kind]}`;
  switch (kind) {
    case 'pod-eth': return `${ip ?? 'pod'} · ${mtu}`;
    case 'veth': return `veth, host end · ${mtu}`;
    case 'bridge': return `bridge ${node?.gateway ?? ''} · ${mtu}`;
    case 'physical': return `NIC ${node?.address ?? ''} · ${mtu}`;
    case 'vxlan': return `VXLAN device · ${mtu}`;
    case 'ipip': return `IP-in-IP device · ${mtu}`;
    case 'router': {
      const s = scene.subnets.find((x) => x.name === dev);
      return s ? `gateway ${s.gateway ?? '-'} · ${mtu}` : dev === 'uplink' ? 'to the outside world' : 'the router itself';
    }
  }
}

export function layoutPath(path: Path, scene: PathScene): Layout {
  const hops = path.hops;
  const nodeOf = (name: string | null) => (name === null ? undefined : scene.nodes.find((n) => n.name === name));
  const podIp = (netns: string) => scene.pods.find((p) => `pod:${p.ref}` === netns)?.ip ?? null;
  const columns = new Map<string, Column>();
  const spaces = new Map<string, NsPlace>();
  const slotsByKey = new Map<string, Slot>();
  const slots: Slot[] = [];
  const hopSlot: Slot[] = [];
  const tunnelled = hops.some((h) => h.kind === 'vxlan' || h.kind === 'ipip');

  const newSlot = (ns: NsPlace, dev: string, kind: HopKind, idle: boolean): Slot => {
    const node = nodeOf(ns.node);
    const s: Slot = { x: 0, y: 0, w: DEV_W, h: DEV_H, ns, dev, kind, idle, sub: deviceSub(kind, dev, scene, node, podIp(ns.netns)), visits: [] };
    slots.push(s);
    return s;
  };

  for (const h of hops) {
    const kind: NsKind = h.netns === null ? 'router' : h.netns.startsWith('pod:') ? 'pod' : 'host';
    const colKey = kind === 'router' ? '\u0000router' : h.node ?? '';
    let col = columns.get(colKey);
    if (!col) columns.set(colKey, (col = { key: colKey, node: kind === 'router' ? null : h.node, pods: [], host: null, router: null, x: 0, w: 0 }));
    const nsKey = `${colKey}\u0000${h.netns ?? 'router'}`;
    let ns = spaces.get(nsKey);
    if (!ns) {
      const netns = h.netns ?? 'router';
      const lines = kind === 'pod' ? [podIp(netns) ?? ''] : kind === 'host' ? hostLines(nodeOf(h.node)) : routerLines(scene);
      ns = { x: 0, y: 0, w: 0, h: 0, label: { x: 0, y: 0 }, kind, netns, node: kind === 'router' ? null : h.node, title: nsTitle(kind, h), lines, table: null, lookups: [] };
      spaces.set(nsKey, ns);
      if (kind === 'pod') col.pods.push(ns);
      else if (kind === 'host') col.host = ns;
      else col.router = ns;
    }
    const dev = h.dev ?? (kind === 'router' ? 'router' : '?');
    const slotKey = `${nsKey}\u0000${h.kind}\u0000${dev}`;
    let slot = slotsByKey.get(slotKey);
    if (!slot) slotsByKey.set(slotKey, (slot = newSlot(ns, dev, h.kind, false)));
    slot.visits.push(h.index);
    hopSlot.push(slot);
    if (h.route !== undefined) {
      const same = ns.lookups.find((l) => l.route === h.route);
      if (same) same.hops.push(h.index);
      else ns.lookups.push({ route: h.route, hops: [h.index] });
    }
  }
  // Every host namespace shows its bridge and NIC, used or not.
  for (const col of columns.values()) {
    const host = col.host;
    if (!host) continue;
    const mine = slots.filter((s) => s.ns === host);
    if (!mine.some((s) => s.kind === 'bridge')) newSlot(host, scene.bridge, 'bridge', true);
    if (!mine.some((s) => s.kind === 'physical')) newSlot(host, nodeOf(host.node)?.iface ?? 'eth0', 'physical', true);
  }

  const cols = [...columns.values()];
  const anyPods = cols.some((c) => c.pods.length > 0);
  const podLookups = Math.max(0, ...cols.flatMap((c) => c.pods.map((p) => p.lookups.length)));
  const podTop = M + HEADER_H + FRAME_LABEL;
  // A pod: title, IP, its route lines, then eth0 at the bottom, over its veth end.
  const podSlotDy = 46 + podLookups * LINE + (podLookups ? 6 : 0);
  const podH = anyPods ? podSlotDy + DEV_H + 12 : 0;
  const hostTop = anyPods ? podTop + podH + 40 : podTop;
  // A host's veth ends sit right under their pods; its title, lines and
  // routing table to the right of the bridge, where no link runs.
  const vethY = hostTop + 14;
  const bridgeY = vethY + ROW;
  const tunnelY = bridgeY + ROW;
  const hostTableY = bridgeY + 20 + 2 * LINE + 12;
  let nicY = (tunnelled ? tunnelY : bridgeY) + ROW;
  const routeText = (ns: NsPlace) => ns.lookups.map(routeLine);
  // The frame holds its label too: "ROUTING TABLE · no lookup on this path" (10 px, letter-spaced) ran past 220.
  const tableW = (ns: NsPlace) => Math.max(ns.lookups.length ? 220 : 280, widest(routeText(ns), 11, true) + 2 * PAD);
  const tableH = (ns: NsPlace) => FRAME_LABEL + Math.max(1, ns.lookups.length) * LINE + 8;

  // Widths, left to right; then the NIC row low enough for every routing table.
  let x = M;
  for (const c of cols) {
    c.x = x;
    let w = 0;
    let px = x;
    for (const p of c.pods) {
      p.w = Math.max(DEV_W + 2 * PAD, textWidth(p.title, 13) + 2 * PAD, widest(p.lines, 11) + 2 * PAD, widest(routeText(p), 11, true) + 2 * PAD);
      p.x = px;
      p.y = podTop;
      p.h = podH;
      px += p.w + 16;
    }
    w = Math.max(w, px - 16 - x);
    if (c.host) w = Math.max(w, PAD + DEV_W + 24 + Math.max(tableW(c.host), textWidth(c.host.title, 13), widest(c.host.lines, 11)) + PAD);
    if (c.router) {
      const r = c.router;
      const n = slots.filter((s) => s.ns === r).length;
      w = Math.max(w, 200, n * (DEV_W + 12) - 12 + 2 * PAD, widest(r.lines, 11) + 2 * PAD, tableW(r) + 2 * PAD);
      nicY = Math.max(nicY, hostTop + 52 + r.lines.length * LINE + 10 + tableH(r) + 16);
    }
    if (c.host) nicY = Math.max(nicY, hostTableY + tableH(c.host) + 14);
    c.w = w;
    x += w + COL_GAP;
  }
  const hostBottom = nicY + DEV_H + 16;
  const frames: NodeFrame[] = [];

  for (const c of cols) {
    for (const p of c.pods) {
      const s = slots.find((q) => q.ns === p)!;
      Object.assign(s, { x: p.x + PAD, y: p.y + podSlotDy });
      p.label = { x: p.x + PAD, y: p.y + 20 };
    }
    if (c.host) {
      const host = c.host;
      Object.assign(host, { x: c.x, y: hostTop, w: c.w, h: hostBottom - hostTop });
      const mine = slots.filter((s) => s.ns === host);
      const rowOf = (k: HopKind) => (k === 'veth' ? vethY : k === 'bridge' ? bridgeY : k === 'physical' ? nicY : tunnelY);
      let vethX = c.x + PAD;
      const used = new Map<number, number>();
      for (const s of mine) {
        s.y = rowOf(s.kind);
        if (s.kind === 'veth') {
          const pod = podOfVeth(hops, s, c.pods);
          const want = pod ? pod.x + PAD : vethX;
          s.x = Math.max(want, vethX);
          vethX = s.x + DEV_W + 12;
        } else {
          const k = used.get(s.y) ?? 0;
          used.set(s.y, k + 1);
          s.x = c.x + PAD + k * (DEV_W + 12);
        }
      }
      host.label = { x: c.x + PAD + DEV_W + 24, y: bridgeY + 12 };
      host.table = { x: host.label.x, y: hostTableY, w: c.w - (2 * PAD + DEV_W + 24), h: tableH(host) };
      frames.push({ node: c.node ?? '', x: c.x - 8, y: (c.pods.length ? podTop : hostTop) - FRAME_LABEL - 4, w: c.w + 16, h: hostBottom + 8 - ((c.pods.length ? podTop : hostTop) - FRAME_LABEL - 4) });
    } else if (c.pods.length) {
      frames.push({ node: c.node ?? '', x: c.x - 8, y: podTop - FRAME_LABEL - 4, w: c.w + 16, h: podH + FRAME_LABEL + 12 });
    }
    if (c.router) {
      const r = c.router;
      Object.assign(r, { x: c.x, y: hostTop, w: c.w, h: hostBottom - hostTop, label: { x: c.x + PAD, y: hostTop + 20 } });
      r.table = { x: c.x + PAD, y: hostTop + 52 + r.lines.length * LINE + 4, w: c.w - 2 * PAD, h: tableH(r) };
      slots.filter((s) => s.ns === r).forEach((s, k) => Object.assign(s, { x: c.x + PAD + k * (DEV_W + 12), y: nicY }));
    }
  }

  const routeAt: Layout['routeAt'] = new Map();
  for (const ns of spaces.values()) {
    ns.lookups.forEach((l, k) => {
      const at = ns.table ? { x: ns.table.x + 10, y: ns.table.y + FRAME_LABEL + 10 + k * LINE } : { x: ns.x + PAD, y: ns.y + 56 + k * LINE };
      const text = routeLine(l);
      l.hops.forEach((i, n) => routeAt.set(i, { ...at, text, repeat: n > 0 }));
    });
  }

  const links = linksOf(hops, hopSlot, scene);
  const cards = cardsOf(hops, hopSlot, links, hostBottom + 34);
  let width = Math.max(x - COL_GAP + M, 560, ...cards.map((c) => c.x + c.w + M));
  const bandH = Math.max(0, ...cards.map((c) => c.h));
  const legendY = (cards.length ? hostBottom + 34 + bandH : hops.length ? hostBottom : M + HEADER_H) + 28;
  width = Math.ceil(width);
  return {
    width, height: Math.ceil(legendY + 16 + M), namespaces: [...spaces.values()], frames, slots, hopSlot, routeAt, links, cards, legendY,
  };
}

function routerLines(scene: PathScene): string[] {
  const lines = scene.subnets.map((s) => `${clip(s.name, 24)}: ${s.gateway ?? 'no gateway'} in ${s.cidr}`);
  const others = scene.routerSubnets - scene.subnets.length;
  const plural = others === 1 ? '' : 's';
  // "and 1 more" only after a subnet listed; a path that crosses none says how many the router connects.
  if (others > 0) lines.push(lines.length ? `and ${others} more subnet${plural}` : `connects ${others} subnet${plural}`);
  return lines;
}

/** The pod a host-side veth belongs to: the pod hop next to it on the path. */
function podOfVeth(hops: Hop[], slot: Slot, pods: NsPlace[]): NsPlace | null {
  for (const i of slot.visits) {
    for (const j of [i - 1, i + 1]) {
      const h = hops[j];
      if (h?.kind === 'pod-eth') {
        const p = pods.find((x) => x.netns === h.netns);
        if (p) return p;
      }
    }
  }
  return null;
}

function linksOf(hops: Hop[], hopSlot: Slot[], scene: PathScene): Link[] {
  const links: Link[] = [];
  const labelled = new Set<string>();
  for (let i = 0; i + 1 < hops.length; i++) {
    const a = hopSlot[i]!;
    const b = hopSlot[i + 1]!;
    if (a === b) continue;
    const pair = (a.kind === 'pod-eth' && b.kind === 'veth') || (a.kind === 'veth' && b.kind === 'pod-eth');
    const across = a.ns.kind !== 'pod' && b.ns.kind !== 'pod' && (a.ns.node !== b.ns.node || a.ns.kind !== b.ns.kind);
    let label: string | null = null;
    const key = `${slotId(hopSlot, a)} ${slotId(hopSlot, b)}`;
    if (across && !labelled.has(key)) {
      labelled.add(key);
      const n = scene.nodes.find((x) => x.name === (a.ns.node ?? b.ns.node));
      const s = n?.subnet ? scene.subnets.find((x) => x.name === n.subnet) : undefined;
      label = s ? `wire: ${clip(s.name, 24)} ${s.cidr}` : n?.subnet === null && !scene.subnets.length ? 'wire: one flat L2 underlay' : 'wire';
      if (hops[i]!.outer) label += hops[i]!.outer!.protocol === 'udp' ? ' · inside the VXLAN tunnel' : ' · inside the IP-in-IP tunnel';
    }
    links.push({ from: i, to: i + 1, style: pair ? 'veth' : across ? 'wire' : 'inside', label });
  }
  return links;
}

export function outerText(h: Hop): string | null {
  const o = h.outer;
  if (!o) return null;
  const what = o.protocol === 'udp' ? `VXLAN vni ${o.vni ?? '?'} · UDP ${o.port ?? '?'}` : o.protocol === 'ipip' ? 'IP-in-IP · proto 4' : 'IPv6-in-IPv6 · proto 41';
  return `outer ${o.src} → ${o.dst} · ${what}`;
}

const slotId = (hopSlot: Slot[], s: Slot): number => hopSlot.indexOf(s);

function cardsOf(hops: Hop[], hopSlot: Slot[], links: Link[], top: number): PacketCard[] {
  const cards: PacketCard[] = [];
  const seen = new Set<string>();
  let right = -Infinity;
  for (const l of links) {
    if (l.style !== 'wire') continue;
    // The packet on the wire is what its far end receives: past a router, with the TTL the router left it.
    const h = hops[l.to]!;
    const a = hopSlot[l.from]!;
    const b = hopSlot[l.to]!;
    // A loop crosses the same wire many times: one card for each way.
    const key = `${slotId(hopSlot, a)} ${slotId(hopSlot, b)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const anchor = { x: (a.x + a.w / 2 + b.x + b.w / 2) / 2, y: (a.y + b.y) / 2 + DEV_H / 2 };
    const outer = outerText(h);
    const inner = `${outer ? 'inner ' : ''}${h.packet.src} → ${h.packet.dst} · ttl ${h.packet.ttl}`;
    const w = Math.max(textWidth(inner, 11, true) + (outer ? 44 : 20), outer ? textWidth(outer, 11, true) + 20 : 0);
    const cx = Math.max(M, anchor.x - w / 2, right + 12);
    cards.push({ x: cx, y: top, w, h: outer ? 66 : 30, anchor, outer, inner });
    right = cx + w;
  }
  return cards;
}
