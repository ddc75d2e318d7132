// The namespaces of the kernel-cluster tests: one podnet Topology built for
// real out of Linux network namespaces, with podnet's own scripts.
//
// How the namespaces map to podnet's model (names `pn<pid % 1000>-<mode>-…`,
// so concurrent runs do not clash; interface names are podnet's):
//   - `…-node-a`, `…-node-b`, `…-node-c`: each node's host namespace. Its NIC
//     is named after NodeSpec.interface (node-c uses `ens5`, to exercise the
//     override) and holds the node's underlay addresses; `cni0`, a bridge,
//     holds the gateway (first address) of each of the node's blocks; one veth
//     per pod, its host end named by podnet's vethName() and enslaved to
//     cni0; in the overlay modes flannel.1 and flannel-v6.1 as flannel makes
//     them (VNI 1, local = the node's address, dev = its NIC, dstport 8472,
//     nolearning, MAC = the node's VTEP MAC (pinned, else podnet's
//     vtepMac()), the block's network address as /32 or /128). Forwarding
//     on, loose rp_filter (2, systemd's default on most distributions):
//     with strict rp_filter a node drops a pod's packet for its own NIC
//     address that arrives natively on the NIC while
//     its route back to that pod's block goes through the VXLAN device, which
//     podnet (SPEC §1: DELIVERED) does not model.
//   - `…-p0` … `…-p5`: one per pod, `eth0` = the pod end of its veth, with the
//     pod's IPs / block length; a small Node agent in it answers echoes and
//     sends the test's probes.
//   - `…-sw`: the underlay switch: one bridge per rack (L2 segment) whose
//     ports are the NICs of the rack's nodes and the router's interfaces to
//     the rack's subnets (IPv4 `rack1` and IPv6 `rack1-v6` share a segment).
//   - `…-rt`: podnet's router (all subnet gateways as one router): one
//     interface per subnet, named after the subnet as in podnet's router
//     table, with the gateway address, and `uplink`. Forwarding on.
//   - `…-out`: podnet's outside world, the far end of `uplink`: an empty
//     namespace (no address, no route, no forwarding). What the router sends
//     there dies unanswered after ARP/ND, as podnet's NO_ROUTE says.
// The nodes, pods and router then get exactly podnet's tables
// (dp.nodeRoutes(), dp.podRoutes(), dp.routerRoutes()); no route is written by
// hand.
//
// A closed world: every link is created inside these namespaces (a veth is
// created in one of them with its peer placed directly in another); nothing
// is created, addressed or routed in the machine's own (root) namespace, and
// no namespace has a link to it, so no route leads out; the only default
// route of the router ends in `…-out`. The only packets sent go to pod IPs of
// this cluster and to unused addresses of its node blocks. Everything with
// this run's prefix is deleted in after(), and leftovers of an earlier run
// with the same prefix at the start; the agents exit when the test process
// closes their stdin (or dies), and after 5 minutes in any case.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BlockAllocator, IpAllocator } from '../../../src/net/allocator.js';
import { buildDatapath, type Datapath } from '../../../src/net/datapath.js';
import { podDeviceMtu, tunnelMtu, vxlanDevice } from '../../../src/net/devices.js';
import { Addr, type Family, Prefix } from '../../../src/net/ip.js';
import { DEFAULT_NETWORK, type Mode, type NodeSpec, type PodSpec, type SubnetSpec, type Topology } from '../../../src/net/model.js';
import { formatFdbScript, formatRoutesScript, type RouteTable } from '../../../src/net/routes.js';
import type { Hop } from '../../../src/net/trace.js';

export const PREFIX = `pn${process.pid % 1000}`;
export const CMD_TIMEOUT = 5_000;
export const PORT = 7007;
export const FAMILIES: Family[] = [4, 6];
/** The modes under test: the two overlay modes, and the two routed ones (cheap, and host-gw adds NO_ROUTE pairs). */
export const MODES: Mode[] = ['cross-subnet', 'vxlan', 'host-gw', 'bgp'];
const MODE_TAG: Record<Mode, string> = { 'cross-subnet': 'x', vxlan: 'v', 'host-gw': 'h', bgp: 'b', ipip: 'i' };

// Child processes: arrays only, always with a timeout.
export function run(cmd: string, args: string[], timeout = CMD_TIMEOUT): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout });
}
const ipn = (ns: string, ...args: string[]): string => run('ip', ['-n', ns, ...args]);

export function runAsync(cmd: string, args: string[], timeout: number): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { encoding: 'utf8', timeout }, (err, stdout, stderr) => resolve({ ok: !err, stdout, stderr }));
  });
}

/** `run`, without blocking the event loop: stdout, or throws with the command and its stderr. */
export async function sh(cmd: string, ...args: string[]): Promise<string> {
  const r = await runAsync(cmd, args, CMD_TIMEOUT);
  if (!r.ok) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr.trim() || 'failed'}`);
  return r.stdout;
}

/** Runs `jobs` with at most `limit` at a time. */
export async function pool<T>(limit: number, jobs: (() => Promise<T>)[]): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const i = next++;
      out[i] = await jobs[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  return out;
}

export const errText = (e: unknown): string => {
  const x = e as { stderr?: string; message?: string };
  return (x.stderr || x.message || String(e)).trim().split('\n')[0]!;
};

function listNetns(): string[] {
  return run('ip', ['netns', 'list']).split('\n').map((l) => l.split(' ')[0]!).filter(Boolean);
}

/** Deletes every namespace of this run's prefix (the links inside go with them), with one `ip -force -batch`. */
export function removeAll(tag = ''): void {
  let names: string[];
  try {
    names = listNetns().filter((ns) => ns.startsWith(`${PREFIX}-${tag}`));
  } catch {
    return;
  }
  if (names.length === 0) return;
  try {
    execFileSync('ip', ['-force', '-batch', '-'], { input: names.map((ns) => `netns del ${ns}\n`).join(''), stdio: ['pipe', 'ignore', 'ignore'], timeout: 4 * CMD_TIMEOUT });
  } catch {
    // some were already gone; the rest are deleted all the same (-force)
  }
}

/** Why this file cannot run here, or null. */
function environmentProblem(): string | null {
  if (process.platform !== 'linux') return 'kernel-cluster: needs Linux network namespaces';
  if (process.getuid?.() !== 0) return 'kernel-cluster: needs root to create network namespaces';
  const ns = `${PREFIX}-probe`;
  try {
    removeAll();
    run('ip', ['netns', 'add', ns]);
  } catch (e) {
    return `kernel-cluster: cannot create a network namespace (ip netns add: ${errText(e)})`;
  }
  try {
    ipn(ns, 'link', 'add', 'pva', 'type', 'veth', 'peer', 'name', 'pvb');
    ipn(ns, 'link', 'add', 'pbr', 'type', 'bridge');
    ipn(ns, 'link', 'add', 'pvx', 'type', 'vxlan', 'id', '1', 'dstport', '8472', 'nolearning');
    run('ip', ['netns', 'exec', ns, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
    return null;
  } catch (e) {
    return `kernel-cluster: the kernel or tools lack veth/bridge/vxlan/sysctl (${errText(e)})`;
  } finally {
    try {
      run('ip', ['netns', 'del', ns]);
    } catch {
      // nothing to clean
    }
  }
}

export const SKIP = environmentProblem();

/**
 * Why IP-in-IP cannot be built here, or null: the kernel needs its `ipip`
 * (tunl0) and `ip6_tunnel` (ip6tnl0) modules, and a kernel built without them
 * (as this VM's: no /lib/modules, no modprobe) answers `ip link add … type
 * ipip` with "Unknown device type".
 */
function ipipProblem(): string | null {
  if (SKIP !== null) return SKIP;
  const ns = `${PREFIX}-ipip`;
  try {
    run('ip', ['netns', 'add', ns]);
    for (const type of ['ipip', 'ip6tnl']) {
      try {
        ipn(ns, 'link', 'add', `pt-${type}`, 'type', type);
      } catch (e) {
        let modprobe: string;
        try {
          modprobe = run('modprobe', ['-n', '-v', type === 'ipip' ? 'ipip' : 'ip6_tunnel']).trim() || 'modprobe finds the module but it does not load';
        } catch (m) {
          modprobe = `modprobe: ${errText(m)}`;
        }
        return `kernel-cluster: this kernel has no ${type === 'ipip' ? 'ipip (tunl0)' : 'ip6_tunnel (ip6tnl0)'} support, so IPIP mode cannot be built for real here (ip link add … type ${type}: ${errText(e)}; ${modprobe})`;
      }
    }
    return null;
  } catch (e) {
    return `kernel-cluster: cannot probe for IP-in-IP (${errText(e)})`;
  } finally {
    try {
      run('ip', ['netns', 'del', ns]);
    } catch {
      // nothing to clean
    }
  }
}

/** Null when the kernel can build IPIP mode (tunl0 and ip6tnl0), else why not. */
export const IPIP_SKIP = ipipProblem();
export const HAS_PING = SKIP === null && (() => {
  try {
    run('ping', ['-V']);
    return true;
  } catch {
    return false;
  }
})();

// The cluster.
interface NodeDef { name: string; addr4: string; addr6: string; iface: string }
const NODE_DEFS: NodeDef[] = [
  { name: 'node-a', addr4: '192.168.10.11', addr6: 'fd00:192:168:10::11', iface: 'eth0' },
  { name: 'node-b', addr4: '192.168.10.12', addr6: 'fd00:192:168:10::12', iface: 'eth0' },
  { name: 'node-c', addr4: '192.168.20.13', addr6: 'fd00:192:168:20::13', iface: 'ens5' },
];
export const SUBNETS: { name: string; rack: string; cidr: string; gateway: string }[] = [
  { name: 'rack1', rack: 'rack1', cidr: '192.168.10.0/24', gateway: '192.168.10.1' },
  { name: 'rack2', rack: 'rack2', cidr: '192.168.20.0/24', gateway: '192.168.20.1' },
  { name: 'rack1-v6', rack: 'rack1', cidr: 'fd00:192:168:10::/64', gateway: 'fd00:192:168:10::1' },
  { name: 'rack2-v6', rack: 'rack2', cidr: 'fd00:192:168:20::/64', gateway: 'fd00:192:168:20::1' },
];
const POD_DEFS: { namespace: string; name: string; node: string }[] = [
  { namespace: 'default', name: 'web-a', node: 'node-a' },
  { namespace: 'shop', name: 'db-a', node: 'node-a' },
  { namespace: 'default', name: 'web-b', node: 'node-b' },
  { namespace: 'shop', name: 'db-b', node: 'node-b' },
  { namespace: 'default', name: 'web-c', node: 'node-c' },
  { namespace: 'shop', name: 'db-c', node: 'node-c' },
];

/** Dual-stack cluster, blocks and pod IPs allocated first-fit by podnet's allocators. */
export function clusterTopology(mode: Mode): Topology {
  const podCidrs = [Prefix.parse('10.244.0.0/16'), Prefix.parse('fd00:10:244::/56')];
  const nodeMaskSize = { ipv4: 24, ipv6: 64 };
  const blocks4 = new BlockAllocator(podCidrs[0]!, nodeMaskSize.ipv4);
  const blocks6 = new BlockAllocator(podCidrs[1]!, nodeMaskSize.ipv6);
  const subnets: SubnetSpec[] = SUBNETS.map((s) => ({ name: s.name, cidr: Prefix.parse(s.cidr), gateway: Addr.parse(s.gateway) }));
  const nodes: NodeSpec[] = NODE_DEFS.map((n) => {
    const addresses = [Addr.parse(n.addr4), Addr.parse(n.addr6)];
    const subnet = subnets.find((s) => s.cidr.contains(addresses[0]!))!.name;
    return { name: n.name, addresses, interface: n.iface, subnet, podCidrs: [blocks4.allocateNext(), blocks6.allocateNext()] };
  });
  const ipAlloc = new Map(nodes.map((n) => [n.name, n.podCidrs.map((b) => new IpAllocator(b))]));
  const pods: PodSpec[] = POD_DEFS.map((p) => ({ ...p, ips: ipAlloc.get(p.node)!.map((a) => a.allocateNext()) }));
  return {
    name: `kernel-${mode}`,
    podCidrs,
    serviceCidr: null,
    nodeMaskSize,
    network: { ...DEFAULT_NETWORK, mode },
    subnets,
    reserved: [],
    nodes,
    pods,
  };
}


// The world: namespaces materialising one Topology.
export interface PodInfo { ref: string; node: string; ns: string; ips: Addr[] }
export interface EchoResult { ref: string | null; from: string | null; replies: number; refs: string[] }
export interface EchoJob { dsts: string[]; count: number; gap: number; wait: number; all: boolean; collect?: boolean }

/** The agent program (one per pod), run inside the pod's namespace. */
const AGENT = fileURLToPath(new URL('./agent.mjs', import.meta.url));

/** The test's handle on one pod's agent. */
export class Agent {
  private buf = '';
  private nextId = 1;
  private readonly waiting = new Map<number, (res: Record<string, EchoResult>) => void>();
  readonly ready: Promise<void>;

  constructor(readonly pod: { ref: string; ns: string }, readonly child: ChildProcess) {
    let log = '';
    this.ready = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`agent in ${pod.ns} not ready after ${3 * CMD_TIMEOUT} ms: ${log}`)), 3 * CMD_TIMEOUT);
      child.stdout!.on('data', (b: Buffer) => {
        this.buf += b.toString();
        let i: number;
        while ((i = this.buf.indexOf('\n')) >= 0) {
          const line = this.buf.slice(0, i);
          this.buf = this.buf.slice(i + 1);
          if (line === 'ready') {
            clearTimeout(timer);
            resolve();
          } else if (line.startsWith('{')) {
            const { id, res } = JSON.parse(line) as { id: number; res: Record<string, EchoResult> };
            this.waiting.get(id)?.(res);
            this.waiting.delete(id);
          }
        }
      });
      child.stderr!.on('data', (b: Buffer) => (log += b.toString()));
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`agent in ${pod.ns} exited (${code}): ${log}`));
      });
    });
    this.ready.catch(() => {}); // reported by whoever awaits it
  }

  /** Runs one echo job from this pod; rejects if the agent does not answer in time. */
  echo(job: EchoJob): Promise<Record<string, EchoResult>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`echo job ${id} in ${this.pod.ns} timed out`));
      }, job.wait + CMD_TIMEOUT);
      this.waiting.set(id, (res) => {
        clearTimeout(timer);
        resolve(res);
      });
      this.child.stdin!.write(JSON.stringify({ id, ...job }) + '\n');
    });
  }

  stop(): void {
    this.child.stdin?.end();
    if (this.child.exitCode === null && this.child.pid !== undefined) {
      try {
        process.kill(this.child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
  }
}

export class World {
  readonly tag: string;
  readonly dp: Datapath;
  readonly topo: Topology;
  readonly sw: string;
  readonly rt: string;
  readonly out: string;
  readonly nodeNs = new Map<string, string>();
  readonly pods: PodInfo[] = [];
  readonly agents = new Map<PodInfo, Agent>();
  /** An agent in each node's host namespace too (ref `node:NAME`): it answers what the host receives. */
  readonly nodeAgents = new Map<string, Agent>();
  /** Device MTUs as the kernel set them, `ns/dev` → mtu. */
  readonly mtus = new Map<string, number>();
  /** The `mtu` metric of each pod's default route, `ns/family` → mtu, where it has one. */
  readonly routeMtus = new Map<string, number>();
  private readonly dir: string;
  private files = 0;

  constructor(readonly mode: Mode) {
    this.tag = MODE_TAG[mode];
    this.topo = clusterTopology(mode);
    this.dp = buildDatapath(this.topo);
    const p = `${PREFIX}-${this.tag}`;
    this.sw = `${p}-sw`;
    this.rt = `${p}-rt`;
    this.out = `${p}-out`;
    this.dir = mkdtempSync(join(tmpdir(), `podnet-kc-${this.tag}-`));
    for (const n of this.dp.nodes) this.nodeNs.set(n.name, `${p}-${n.name}`);
    this.dp.pods.forEach((q, i) => this.pods.push({ ref: q.ref, node: q.node.name, ns: `${p}-p${i}`, ips: q.spec.ips }));
  }

  private file(text: string): string {
    const path = join(this.dir, `f${++this.files}`);
    writeFileSync(path, text);
    return path;
  }

  /** `ip [-n NS] -batch` (or `bridge`) of `lines`; throws with the failing line. */
  private async batch(ns: string | null, lines: string[] | string, tool: 'ip' | 'bridge' = 'ip'): Promise<void> {
    const text = typeof lines === 'string' ? lines : lines.map((l) => l + '\n').join('');
    if (!text) return;
    await sh(tool, ...(ns ? ['-n', ns] : []), '-batch', this.file(text));
  }

  /**
   * Builds the namespaces in a few rounds of one `ip -batch` per namespace
   * (creating links in one namespace can place their peers in another, which
   * must exist; enslaving a peer must wait for it), then installs podnet's
   * tables. The pod agents start meanwhile.
   */
  async build(): Promise<void> {
    removeAll(`${this.tag}-`);
    const net = this.topo.network;
    const overlay = this.mode === 'vxlan' || this.mode === 'cross-subnet';
    const pmtu = String(podDeviceMtu(net, this.topo.podCidrs.map((c) => c.family)));
    const all = [this.sw, this.out, this.rt, ...this.nodeNs.values(), ...this.pods.map((p) => p.ns)];
    await this.batch(null, all.map((ns) => `netns add ${ns}`));
    // The pod agents start now (a Node start is slow), and must be up by the end.
    const agent = (ref: string, ns: string): Agent =>
      new Agent({ ref, ns }, spawn('ip', ['netns', 'exec', ns, process.execPath, AGENT, ref, String(PORT)], { stdio: ['pipe', 'pipe', 'pipe'] }));
    for (const p of this.pods) this.agents.set(p, agent(p.ref, p.ns));
    for (const [name, ns] of this.nodeNs) this.nodeAgents.set(name, agent(`node:${name}`, ns));
    const routers = [this.rt, ...this.nodeNs.values()];
    // Before any link exists, so that the `default` values apply to them all.
    await Promise.all(routers.map((ns) => sh('ip', 'netns', 'exec', ns, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1', 'net.ipv4.conf.all.rp_filter=2',
      // No IPv6 DAD: while its link-local address is tentative (1-2 s after
      // the link comes up) a host cannot send a neighbor solicitation for a
      // packet it forwards, so the first seconds of IPv6 forwarding would be
      // lost. A closed world has no duplicate to detect.
      'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0',
      // The router has two interfaces on each rack's segment (IPv4 and IPv6 subnet): answer ARP only on the one holding the address.
      ...(ns === this.rt ? ['net.ipv4.conf.all.arp_ignore=1'] : []))));

    // Round 1: every namespace creates its own links (veth peers land in the switch, the pods, the outside).
    const round1 = new Map<string, string[]>(all.map((ns) => [ns, ['link set lo up']]));
    const add = (ns: string, ...lines: string[]): void => void round1.get(ns)!.push(...lines);
    const nodad = (a: Addr): string => (a.family === 6 ? ' nodad' : '');
    for (const rack of new Set(SUBNETS.map((s) => s.rack))) add(this.sw, `link add ${rack} type bridge`, `link set ${rack} up`);
    SUBNETS.forEach((s, j) => {
      const gw = Addr.parse(s.gateway);
      add(this.rt, `link add ${s.name} type veth peer name r${j} netns ${this.sw}`, `link set ${s.name} up`, `addr add ${s.gateway}/${Prefix.parse(s.cidr).bits} dev ${s.name}${nodad(gw)}`);
    });
    add(this.rt, `link add uplink type veth peer name eth0 netns ${this.out}`, 'link set uplink up');
    this.dp.nodes.forEach((n, i) => {
      const ns = this.nodeNs.get(n.name)!;
      add(ns, `link add ${n.iface} type veth peer name n${i} netns ${this.sw}`, `link set ${n.iface} up`);
      for (const f of FAMILIES) add(ns, `addr add ${n.fam[f].addr!.toString()}/${n.fam[f].subnet!.cidr.bits} dev ${n.iface}${nodad(n.fam[f].addr!)}`);
      add(ns, `link add ${net.bridge} mtu ${pmtu} type bridge`);
      for (const f of FAMILIES) add(ns, `addr add ${n.fam[f].gateway!.toString()}/${n.fam[f].block!.bits} dev ${net.bridge}${nodad(n.fam[f].gateway!)}`);
      add(ns, `link set ${net.bridge} up`);
      if (overlay) {
        for (const f of FAMILIES) {
          const x = n.fam[f];
          const dev = vxlanDevice(net, f);
          // As flannel creates it; the MTU asked for is podnet's (the kernel caps it at what the underlay carries: see the MTU test).
          add(ns,
            `link add ${dev} address ${f === 6 ? n.vtepMac6 : n.vtepMac} mtu ${tunnelMtu(net, 'vxlan', f)} type vxlan id ${net.vxlan.vni} local ${x.addr!.toString()} dev ${n.iface} dstport ${net.vxlan.port} nolearning`,
            `addr add ${x.block!.addr.toString()}/${x.block!.addr.bitLen} dev ${dev}${nodad(x.block!.addr)}`,
            `link set ${dev} up`);
        }
      }
    });
    this.dp.pods.forEach((q, i) => {
      const ns = this.nodeNs.get(q.node.name)!;
      const veth = this.dp.vethOf(q); // = vethName(namespace, name)
      add(ns, `link add ${veth} mtu ${pmtu} type veth peer name eth0 mtu ${pmtu} netns ${this.pods[i]!.ns}`, `link set ${veth} master ${net.bridge} up`);
    });
    await Promise.all([...round1].map(([ns, lines]) => this.batch(ns, lines)));

    // Round 2: the far ends: switch ports into their rack's bridge, pod eth0 addressed and up.
    const sw: string[] = [];
    SUBNETS.forEach((s, j) => sw.push(`link set r${j} master ${s.rack} up`));
    this.dp.nodes.forEach((n, i) => sw.push(`link set n${i} master ${SUBNETS.find((s) => s.name === n.spec.subnet)!.rack} up`));
    const round2: Promise<void>[] = [this.batch(this.sw, sw), this.batch(this.out, ['link set eth0 up'])];
    this.dp.pods.forEach((q, i) => {
      const lines = q.spec.ips.map((ip) => `addr add ${ip.toString()}/${q.node.fam[ip.family].block!.bits} dev eth0${nodad(ip)}`);
      round2.push(this.batch(this.pods[i]!.ns, [...lines, 'link set eth0 up']));
    });
    await Promise.all(round2);

    // podnet's tables, verbatim: every node, every pod, the router.
    const tables: Promise<void>[] = [];
    for (const [name, ns] of this.nodeNs) {
      const t: RouteTable = this.dp.nodeRoutes(name)!;
      tables.push(this.batch(ns, formatRoutesScript(t)), this.batch(ns, formatFdbScript(t), 'bridge'));
    }
    tables.push(this.batch(this.rt, formatRoutesScript(this.dp.routerRoutes())));
    this.dp.pods.forEach((q, i) => tables.push(this.batch(this.pods[i]!.ns, formatRoutesScript(this.dp.podRoutes(q.spec.namespace, q.spec.name)!))));
    await Promise.all(tables);

    await Promise.all([...this.nodeNs.values(), ...this.pods.map((p) => p.ns)].map(async (ns) => {
      for (const l of JSON.parse(await sh('ip', '-n', ns, '-j', 'link', 'show')) as { ifname: string; mtu: number }[]) this.mtus.set(`${ns}/${l.ifname}`, l.mtu);
    }));
    await Promise.all(this.pods.map(async (p) => {
      for (const f of FAMILIES) {
        for (const r of JSON.parse(await sh('ip', '-n', p.ns, '-j', `-${f}`, 'route', 'show', 'default')) as { metrics?: { mtu?: number }[] }[]) {
          const mtu = r.metrics?.find((m) => m.mtu !== undefined)?.mtu;
          if (mtu !== undefined) this.routeMtus.set(`${p.ns}/${f}`, mtu);
        }
      }
    }));

    await Promise.all([...this.agents.values(), ...this.nodeAgents.values()].map((a) => a.ready));
  }

  destroy(): void {
    for (const a of [...this.agents.values(), ...this.nodeAgents.values()]) a.stop();
    removeAll(`${this.tag}-`);
    rmSync(this.dir, { recursive: true, force: true });
  }

  echo(src: PodInfo, job: EchoJob): Promise<Record<string, EchoResult>> {
    return this.agents.get(src)!.echo(job);
  }

  /**
   * Runs `lines` (ip commands printing JSON, e.g. `route get …`) in `ns` with
   * one `ip -j -force -batch`: per line, its JSON, or the error it gave.
   */
  async ipJson(ns: string, lines: string[]): Promise<unknown[]> {
    const path = this.file(lines.map((l) => l + '\n').join(''));
    const r = await runAsync('ip', ['-n', ns, '-j', '-force', '-batch', path], CMD_TIMEOUT);
    const failed = new Map<number, string>();
    let last = '';
    for (const l of r.stderr.split('\n')) {
      const m = /^Command failed .*:(\d+)$/.exec(l);
      if (m) failed.set(Number(m[1]), last);
      else if (l.trim()) last = l.trim();
    }
    const out = r.stdout.split('\n').filter((l) => l.trim());
    return lines.map((l, i) => {
      const err = failed.get(i + 1);
      if (err !== undefined) return new Error(`ip -n ${ns} ${l}: ${err}`);
      const json = out.shift();
      return json === undefined ? new Error(`ip -n ${ns} ${l}: no output (${r.stderr.trim()})`) : (JSON.parse(json) as unknown);
    });
  }

  /** The namespace a hop happens in. */
  nsOfHop(h: Hop): string {
    if (h.netns === null) return this.rt;
    if (h.netns.startsWith('pod:')) return this.pods.find((p) => `pod:${p.ref}` === h.netns)!.ns;
    return this.nodeNs.get(h.node!)!;
  }
}

/**
 * Sends one UDP datagram whose IP packet is `size` bytes, with DF (IPv4
 * IP_MTU_DISCOVER = IP_PMTUDISC_DO; IPv6 IPV6_DONTFRAG), from namespace `ns`
 * to the agent at `dst`, three tries: 'answered' (the echo came back),
 * 'refused: …' (the sending kernel refused it, EMSGSIZE: larger than its
 * route to `dst` carries), or 'lost'. Perl, because Node's dgram cannot set
 * DF; Debian's perl-base (essential) has the Socket module.
 */
export async function dfProbe(ns: string, dst: string, size: number): Promise<string> {
  const script = String.raw`
use strict; use Socket qw(AF_INET AF_INET6 SOCK_DGRAM IPPROTO_IP IPPROTO_IPV6 inet_pton pack_sockaddr_in pack_sockaddr_in6);
my ($dst, $port, $size) = @ARGV; my $v6 = index($dst, ':') >= 0;
socket(my $s, $v6 ? AF_INET6 : AF_INET, SOCK_DGRAM, 0) or die "socket: $!";
if ($v6) { setsockopt($s, IPPROTO_IPV6, 62, pack('i', 1)) or die "IPV6_DONTFRAG: $!" } else { setsockopt($s, IPPROTO_IP, 10, pack('i', 2)) or die "IP_MTU_DISCOVER: $!" }
my $to = $v6 ? pack_sockaddr_in6($port, inet_pton(AF_INET6, $dst)) : pack_sockaddr_in($port, inet_pton(AF_INET, $dst));
my $payload = 'x' x ($size - ($v6 ? 48 : 28));
for my $try (1 .. 3) {
  if (!defined send($s, $payload, 0, $to)) { print "refused: $!\n"; exit 0 }
  my $rin = ''; vec($rin, fileno($s), 1) = 1;
  if (select(my $rout = $rin, undef, undef, 0.7)) { recv($s, my $buf, 65535, 0); print "answered\n"; exit 0 }
}
print "lost\n";`;
  return (await sh('ip', 'netns', 'exec', ns, 'perl', '-e', script, dst, String(PORT), String(size))).trim();
}

/**
 * What `ip route show table local` then `ip -6 route show table local` print
 * in `ns` for devices `devs`, one trimmed line per entry; the kernel's own
 * link-local (fe80::) and multicast entries, which podnet does not model, left out.
 */
export async function kernelLocalTable(ns: string, devs: ReadonlySet<string>): Promise<string[]> {
  const [v4, v6] = await Promise.all([sh('ip', '-n', ns, 'route', 'show', 'table', 'local'), sh('ip', '-n', ns, '-6', 'route', 'show', 'table', 'local')]);
  return (v4 + v6).split('\n').map((l) => l.trimEnd()).filter((l) => {
    const dev = / dev (\S+)/.exec(l)?.[1];
    return l !== '' && dev !== undefined && devs.has(dev) && !/^(local|anycast) fe80:|^multicast /.test(l);
  });
}
