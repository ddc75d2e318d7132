// podnet against a real Linux kernel, whole cluster. A dual-stack cluster of
// three nodes in two subnets with two pods each is built out of network
// namespaces, once per mode (cross-subnet and vxlan, and host-gw and bgp as
// well); podnet's generated tables are installed in them verbatim (`ip -batch`
// of formatRoutesScript, `bridge -batch` of formatFdbScript), and the kernel's
// behaviour is compared with what podnet's tracer (tracePath) predicts:
//   1. for every ordered pair of pods and both families (60 per mode), podnet
//      says DELIVERED exactly when a UDP echo sent from the source pod's
//      namespace is answered by the destination pod itself (its reply names
//      it) from the destination IP; where `ping` is installed, exactly when
//      `ping -c 1 -W 1` succeeds as well;
//   2. at every hop of every delivered path where podnet matched a route, the
//      kernel of that namespace (`ip -j route get DST`, or `… from SRC iif
//      DEV` for a packet the hop forwards) picks the same gateway and device,
//      and its table holds podnet's route (same prefix, gateway and device);
//   3. an unused address in each node's block: podnet says
//      NEIGHBOR_UNREACHABLE (NO_ROUTE across subnets in host-gw) and nothing
//      answers;
//   4. interface counters: the kernel sends the packets through exactly the
//      NICs, VXLAN devices and router that podnet's paths (there and back)
//      name (one pair per kind of path and family);
//   5. the smallest MTU the kernel gave the devices on a path (the VXLAN
//      devices are created asking for podnet's tunnelMtu) is podnet's path MTU.
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
//     nolearning, MAC = podnet's vtepMac(), the block's network address as
//     /32 or /128). Forwarding on, strict rp_filter.
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
//
// Skipped (t.skip, with the reason) where network namespaces cannot be made:
// not Linux, not root, `ip netns add` fails, or the kernel lacks veth, bridge
// or vxlan. No ipip mode: this VM's kernel has no ipip module. The echo is the
// test's own UDP agent, since the machine image has no `ping`; the ping test
// runs where `ping` is installed and is skipped otherwise.
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BlockAllocator, IpAllocator } from '../../src/net/allocator.js';
import { buildDatapath, type Datapath } from '../../src/net/datapath.js';
import { podMtu, tunnelMtu, vtepMac, vxlanDevice } from '../../src/net/devices.js';
import { Addr, type Family, Prefix } from '../../src/net/ip.js';
import { DEFAULT_NETWORK, type Mode, type NodeSpec, type PodSpec, type SubnetSpec, type Topology } from '../../src/net/model.js';
import { formatFdbScript, formatRoutesScript, type RouteTable } from '../../src/net/routes.js';
import { type Hop, type Path, tracePath } from '../../src/net/trace.js';

const PREFIX = `pn${process.pid % 1000}`;
const CMD_TIMEOUT = 5_000;
const PORT = 7007;
const FAMILIES: Family[] = [4, 6];
/** The modes under test: the two overlay modes, and the two routed ones (cheap, and host-gw adds NO_ROUTE pairs). */
const MODES: Mode[] = ['cross-subnet', 'vxlan', 'host-gw', 'bgp'];
const MODE_TAG: Record<Mode, string> = { 'cross-subnet': 'x', vxlan: 'v', 'host-gw': 'h', bgp: 'b', ipip: 'i' };

// ---- child processes: arrays only, always with a timeout -----------------------------

function run(cmd: string, args: string[], timeout = CMD_TIMEOUT): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout });
}
const ipn = (ns: string, ...args: string[]): string => run('ip', ['-n', ns, ...args]);

function runAsync(cmd: string, args: string[], timeout: number): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { encoding: 'utf8', timeout }, (err, stdout, stderr) => resolve({ ok: !err, stdout, stderr }));
  });
}

/** `run`, without blocking the event loop: stdout, or throws with the command and its stderr. */
async function sh(cmd: string, ...args: string[]): Promise<string> {
  const r = await runAsync(cmd, args, CMD_TIMEOUT);
  if (!r.ok) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr.trim() || 'failed'}`);
  return r.stdout;
}

/** Runs `jobs` with at most `limit` at a time. */
async function pool<T>(limit: number, jobs: (() => Promise<T>)[]): Promise<T[]> {
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

const errText = (e: unknown): string => {
  const x = e as { stderr?: string; message?: string };
  return (x.stderr || x.message || String(e)).trim().split('\n')[0]!;
};

function listNetns(): string[] {
  return run('ip', ['netns', 'list']).split('\n').map((l) => l.split(' ')[0]!).filter(Boolean);
}

/** Deletes every namespace of this run's prefix (the links inside go with them), with one `ip -force -batch`. */
function removeAll(tag = ''): void {
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

const SKIP = environmentProblem();
const HAS_PING = SKIP === null && (() => {
  try {
    run('ping', ['-V']);
    return true;
  } catch {
    return false;
  }
})();

// ---- the cluster ---------------------------------------------------------------------------

interface NodeDef { name: string; addr4: string; addr6: string; iface: string }
const NODE_DEFS: NodeDef[] = [
  { name: 'node-a', addr4: '192.168.10.11', addr6: 'fd00:192:168:10::11', iface: 'eth0' },
  { name: 'node-b', addr4: '192.168.10.12', addr6: 'fd00:192:168:10::12', iface: 'eth0' },
  { name: 'node-c', addr4: '192.168.20.13', addr6: 'fd00:192:168:20::13', iface: 'ens5' },
];
const SUBNETS: { name: string; rack: string; cidr: string; gateway: string }[] = [
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
function clusterTopology(mode: Mode): Topology {
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


// ---- the world: namespaces materialising one Topology -----------------------------------------

interface PodInfo { ref: string; node: string; ns: string; ips: Addr[] }
interface EchoResult { ref: string | null; from: string | null; replies: number; refs: string[] }
interface EchoJob { dsts: string[]; count: number; gap: number; wait: number; all: boolean; collect?: boolean }

/** The agent program (one per pod), run inside the pod's namespace. */
const AGENT = fileURLToPath(new URL('./kernel/agent.mjs', import.meta.url));

/** The test's handle on one pod's agent. */
class Agent {
  private buf = '';
  private nextId = 1;
  private readonly waiting = new Map<number, (res: Record<string, EchoResult>) => void>();
  readonly ready: Promise<void>;

  constructor(readonly pod: PodInfo, readonly child: ChildProcess) {
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

class World {
  readonly tag: string;
  readonly dp: Datapath;
  readonly topo: Topology;
  readonly sw: string;
  readonly rt: string;
  readonly out: string;
  readonly nodeNs = new Map<string, string>();
  readonly pods: PodInfo[] = [];
  readonly agents = new Map<PodInfo, Agent>();
  /** Device MTUs as the kernel set them, `ns/dev` → mtu. */
  readonly mtus = new Map<string, number>();
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
    const pmtu = String(podMtu(net));
    const all = [this.sw, this.out, this.rt, ...this.nodeNs.values(), ...this.pods.map((p) => p.ns)];
    await this.batch(null, all.map((ns) => `netns add ${ns}`));
    // The pod agents start now (a Node start is slow), and must be up by the end.
    for (const p of this.pods) {
      const child = spawn('ip', ['netns', 'exec', p.ns, process.execPath, AGENT, p.ref, String(PORT)], { stdio: ['pipe', 'pipe', 'pipe'] });
      this.agents.set(p, new Agent(p, child));
    }
    const routers = [this.rt, ...this.nodeNs.values()];
    // Before any link exists, so that the `default` values apply to them all.
    await Promise.all(routers.map((ns) => sh('ip', 'netns', 'exec', ns, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1', 'net.ipv4.conf.all.rp_filter=1',
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
            `link add ${dev} address ${vtepMac(n.name)} mtu ${tunnelMtu(net, 'vxlan', f)} type vxlan id ${net.vxlan.vni} local ${x.addr!.toString()} dev ${n.iface} dstport ${net.vxlan.port} nolearning`,
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

    await Promise.all([...this.agents.values()].map((a) => a.ready));
  }

  destroy(): void {
    for (const a of this.agents.values()) a.stop();
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

// ---- comparing routes --------------------------------------------------------------------------

interface RouteFacts { dst: string; via: string | null; dev: string | null; type: string }

/** podnet's `ip route` text of a matched route, parsed. */
function parseRouteText(s: string): RouteFacts {
  const words = s.split(' ');
  const type = ['blackhole', 'local', 'unreachable'].includes(words[0]!) ? words.shift()! : 'unicast';
  const at = (k: string): string | null => {
    const i = words.indexOf(k);
    return i >= 0 ? words[i + 1]! : null;
  };
  return { dst: words[0]!, via: at('via'), dev: at('dev'), type };
}

/** A route as `ip -j route get` / `ip -j route show` print it. */
interface KernelRoute { dst?: string; gateway?: string; dev?: string; type?: string; flags?: string[] }

const viaDev = (r: { gateway?: string; dev?: string; type?: string }): string => `${r.type ?? 'unicast'} via ${r.gateway ?? '-'} dev ${r.dev ?? '-'}`;

// ---- the echo campaign: every pod pair and the negative cases, once per mode ---------------------

interface Probe { src: PodInfo; dst: string; owner: PodInfo | null; path: Path; got: EchoResult }

/**
 * From every pod, UDP echoes to every other pod's IPs (both families), all
 * pods at once; from the first pod also to an unused address (block + 200)
 * of every node block. Each probe carries podnet's path for it.
 */
async function campaign(w: World): Promise<Probe[]> {
  const src0 = w.pods[0]!;
  const negatives = w.dp.nodes.flatMap((n) => FAMILIES.map((f) => n.fam[f].block!.addr.add(200n).toString()));
  const perSrc = await Promise.all(w.pods.map(async (src) => {
    const dsts = w.pods.filter((d) => d !== src).flatMap((d) => d.ips.map(String));
    if (src === src0) dsts.push(...negatives);
    const got = await w.echo(src, { dsts, count: 8, gap: 150, wait: 1500, all: false });
    return dsts.map((dst): Probe => ({
      src,
      dst,
      owner: w.pods.find((p) => p.ips.some((x) => x.toString() === dst)) ?? null,
      path: tracePath(w.dp, src.ref, dst),
      got: got[dst]!,
    }));
  }));
  return perSrc.flat();
}

const deliveredPaths = (w: World): Path[] => {
  const out: Path[] = [];
  for (const src of w.pods) {
    for (const dst of w.pods) {
      if (src === dst) continue;
      for (const ip of dst.ips) {
        const path = tracePath(w.dp, src.ref, ip.toString());
        if (path.disposition === 'DELIVERED') out.push(path);
      }
    }
  }
  return out;
};

const skipped = (t: TestContext): boolean => {
  if (SKIP === null) return false;
  t.skip(SKIP);
  return true;
};

// ---- the tests ---------------------------------------------------------------------------------

after(() => {
  if (SKIP === null) removeAll();
});

for (const mode of MODES) {
  describe(`kernel cluster, ${mode}, dual-stack: 3 nodes in 2 subnets, 6 pods`, () => {
    let w: World | null = null;
    let probes: Probe[] = [];
    const world = (): World => {
      assert.ok(w, 'the namespaces were not built');
      return w;
    };

    before(async () => {
      if (SKIP !== null) return;
      w = new World(mode);
      try {
        await w.build();
        probes = await campaign(w);
      } catch (e) {
        w.destroy();
        w = null;
        throw e;
      }
    });
    after(() => {
      w?.destroy();
    });

    test('every ordered pair of pods, both families: podnet says DELIVERED exactly when the kernel delivers the echo to that pod', (t) => {
      if (skipped(t)) return;
      world();
      const pairs = probes.filter((p) => p.owner !== null);
      assert.equal(pairs.length, 60);
      const rows: string[] = [];
      for (const { src, dst, owner, path, got } of pairs) {
        const want = path.disposition === 'DELIVERED';
        // Delivered means: answered by the destination pod itself, from the destination IP (no NAT on the way back either).
        const ok = want ? got.replies > 0 && got.ref === owner!.ref && got.from === dst : got.replies === 0;
        if (!ok) rows.push(`${src.ref} → ${dst} (${owner!.ref}): podnet ${path.disposition}, kernel ${got.replies > 0 ? `answered by ${got.ref} from ${got.from}` : 'no answer'}`);
      }
      assert.deepEqual(rows, [], `podnet and the kernel disagree:\n${rows.join('\n')}`);
      const delivered = pairs.filter((p) => p.path.disposition === 'DELIVERED').length;
      t.diagnostic(`${mode}: podnet says ${delivered} of ${pairs.length} pod pairs are DELIVERED; the kernel agrees on all ${pairs.length}`);
      if (mode !== 'host-gw') assert.equal(delivered, pairs.length, `${mode} reaches every pod`);
    });

    test('an address in a node block that no pod holds: podnet says NEIGHBOR_UNREACHABLE (NO_ROUTE across subnets in host-gw) and nothing answers', (t) => {
      if (skipped(t)) return;
      const w = world();
      const negatives = probes.filter((p) => p.owner === null);
      assert.equal(negatives.length, 6);
      const subnetA = w.dp.node('node-a')!.spec.subnet;
      const rows: string[] = [];
      for (const { src, dst, path, got } of negatives) {
        const node = w.dp.nodes.find((n) => FAMILIES.some((f) => n.fam[f].block!.contains(Addr.parse(dst))))!;
        // host-gw installs no route across subnets: the packet dies at the router before it nears the block.
        const want = mode === 'host-gw' && node.spec.subnet !== subnetA ? 'NO_ROUTE' : 'NEIGHBOR_UNREACHABLE';
        if (path.disposition !== want) rows.push(`${src.ref} → ${dst} (${node.name}'s block): podnet ${path.disposition}, expected ${want}`);
        if (got.replies > 0) rows.push(`${src.ref} → ${dst} (${node.name}'s block): answered by ${got.ref} from ${got.from}`);
      }
      assert.deepEqual(rows, [], rows.join('\n'));
    });

    test('ping -c 1 -W 1 agrees with podnet for every ordered pair (where ping is installed)', async (t) => {
      if (skipped(t)) return;
      if (!HAS_PING) {
        t.skip('no ping binary on this machine (the UDP echo test covers delivery)');
        return;
      }
      const w = world();
      const jobs = probes.map((p) => async (): Promise<string | null> => {
        const r = await runAsync('ip', ['netns', 'exec', p.src.ns, 'ping', '-n', '-c', '1', '-W', '1', p.dst], CMD_TIMEOUT);
        return r.ok === (p.path.disposition === 'DELIVERED') ? null : `${p.src.ref} → ${p.dst}: podnet ${p.path.disposition}, ping ${r.ok ? 'answered' : 'failed'}`;
      });
      const rows = (await pool(12, jobs)).filter((x): x is string => x !== null);
      assert.deepEqual(rows, [], rows.join('\n'));
      assert.ok(w);
    });

    test('at every hop where podnet matched a route, the kernel of that namespace picks the same gateway and device, from the same prefix', async (t) => {
      if (skipped(t)) return;
      const w = world();
      // Per namespace: the distinct lookups podnet made there.
      const lookups = new Map<string, Map<string, { want: RouteFacts; where: string }>>();
      for (const path of deliveredPaths(w)) {
        for (const h of path.hops) {
          if (h.route === undefined) continue;
          const ns = w.nsOfHop(h);
          // The lookup is of the packet as this namespace routes it: the
          // outer header while encapsulated, the inner one once decapsulated
          // (podnet keeps `outer` on the decapsulating hop, whose route is
          // the inner packet's).
          const inner = !h.outer || h.action === 'decapsulate';
          const dst = inner ? h.packet.dst : h.outer!.dst;
          const src = inner ? h.packet.src : h.outer!.src;
          // A lookup on arrival is a forwarding decision: ask the kernel for
          // one (`from SRC iif DEV`, which also applies strict rp_filter).
          const forwarded = h.action === 'route' || h.action === 'decapsulate';
          const line = `route get ${dst}${forwarded ? ` from ${src} iif ${h.dev}` : ''}`;
          let m = lookups.get(ns);
          if (!m) lookups.set(ns, (m = new Map()));
          if (!m.has(line)) m.set(line, { want: parseRouteText(h.route), where: `${path.from.ip} → ${path.to.ip}, hop ${h.index} (${h.kind} ${h.dev} ${h.action})` });
        }
      }
      const rows: string[] = [];
      let compared = 0;
      await Promise.all([...lookups].map(async ([ns, m]) => {
        const lines = [...m.keys()];
        const [got, v4, v6] = await Promise.all([
          w.ipJson(ns, lines),
          runAsync('ip', ['-n', ns, '-j', '-4', 'route', 'show'], CMD_TIMEOUT),
          runAsync('ip', ['-n', ns, '-j', '-6', 'route', 'show'], CMD_TIMEOUT),
        ]);
        assert.ok(v4.ok && v6.ok, `ip route show in ${ns}: ${v4.stderr}${v6.stderr}`);
        const table = [...(JSON.parse(v4.stdout) as KernelRoute[]), ...(JSON.parse(v6.stdout) as KernelRoute[])];
        lines.forEach((line, i) => {
          compared++;
          const { want, where } = m.get(line)!;
          const head = `${where} in ${ns}: \`${line}\`: podnet "${viaDev({ gateway: want.via ?? undefined, dev: want.dev ?? undefined, type: want.type })}" (${want.dst})`;
          const k = got[i];
          if (k instanceof Error) return void rows.push(`${head}; kernel: ${k.message}`);
          const r = (k as KernelRoute[])[0] ?? {};
          if ((r.gateway ?? null) !== want.via || (r.dev ?? null) !== want.dev || (r.type ?? 'unicast') !== want.type) {
            return void rows.push(`${head}; kernel: ${viaDev(r)}`);
          }
          if (!table.some((x) => x.dst === want.dst && (x.gateway ?? null) === want.via && (x.dev ?? null) === want.dev)) {
            rows.push(`${head}; the kernel's table has no route ${want.dst} via ${want.via ?? '-'} dev ${want.dev}`);
          }
        });
      }));
      assert.deepEqual(rows, [], `route lookups differ:\n${rows.join('\n')}`);
      assert.ok(compared > 0);
      t.diagnostic(`${mode}: ${compared} distinct route lookups in ${lookups.size} namespaces agree`);
    });

    test('interface counters: the kernel carries the packets through the NICs, VXLAN devices and router that podnet\'s paths name, and no others', async (t) => {
      if (skipped(t)) return;
      const w = world();
      const K = 30;
      const overlay = mode === 'vxlan' || mode === 'cross-subnet';
      // From node-a's first pod, one pair per kind of path and family: same node, same subnet, across subnets.
      const src = w.pods[0]!;
      const samples = FAMILIES.flatMap((family) => ['node-a', 'node-b', 'node-c'].map((node) => ({ family, dst: w.pods.find((p) => p.node === node && p !== src)! })));
      const devices: { ns: string; node: string | null; dev: string; kind: 'physical' | 'vxlan' | 'router' }[] = [];
      for (const n of w.dp.nodes) {
        const ns = w.nodeNs.get(n.name)!;
        devices.push({ ns, node: n.name, dev: n.iface, kind: 'physical' });
        if (overlay) for (const f of FAMILIES) devices.push({ ns, node: n.name, dev: vxlanDevice(w.topo.network, f), kind: 'vxlan' });
      }
      for (const s of SUBNETS) devices.push({ ns: w.rt, node: null, dev: s.name, kind: 'router' });
      const namespaces = [...new Set(devices.map((d) => d.ns))];
      // Transmitted packets only: received counts include the floods of the
      // underlay switch (ARP, IPv6 ND/MLD) that every port of a rack sees.
      const counters = async (): Promise<number[]> => {
        const links = new Map<string, number>();
        await Promise.all(namespaces.map(async (ns) => {
          const r = await runAsync('ip', ['-n', ns, '-s', '-j', 'link', 'show'], CMD_TIMEOUT);
          assert.ok(r.ok, r.stderr);
          for (const l of JSON.parse(r.stdout) as { ifname: string; stats64: { tx: { packets: number } } }[]) links.set(`${ns}/${l.ifname}`, l.stats64.tx.packets);
        }));
        return devices.map((d) => links.get(`${d.ns}/${d.dev}`)!);
      };
      const rows: string[] = [];
      for (const { family, dst } of samples) {
        const dstIp = dst.ips.find((x) => x.family === family)!.toString();
        const srcIp = src.ips.find((x) => x.family === family)!.toString();
        const fwd = tracePath(w.dp, src.ref, dstIp);
        const back = tracePath(w.dp, dst.ref, srcIp);
        if (fwd.disposition !== 'DELIVERED' || back.disposition !== 'DELIVERED') continue;
        const hops = [...fwd.hops, ...back.hops];
        const before = await counters();
        const res = await w.echo(src, { dsts: [dstIp], count: K, gap: 3, wait: 3000, all: true });
        const deltas = (await counters()).map((c, i) => c - before[i]!);
        assert.ok(res[dstIp]!.replies >= K, `${src.ref} → ${dstIp}: ${res[dstIp]!.replies} of ${K} echoes answered`);
        const pair = `${src.ref} → ${dst.ref} (IPv${family})`;
        const routerUsed = hops.some((h) => h.kind === 'router');
        const routerSent = devices.reduce((sum, d, i) => sum + (d.kind === 'router' ? deltas[i]! : 0), 0);
        if (routerUsed !== routerSent >= K) rows.push(`${pair}: podnet ${routerUsed ? 'goes' : 'does not go'} through the router; its interfaces sent ${routerSent} packets for ${K} echoes`);
        devices.forEach((d, i) => {
          if (d.kind === 'router') return;
          const used = hops.some((h) => h.node === d.node && h.kind === d.kind && h.dev === d.dev);
          // These paths are symmetric: a device on the way there or back sends the echoes or the replies.
          if (used ? deltas[i]! < K : deltas[i]! >= K / 2) {
            rows.push(`${pair}: podnet ${used ? 'uses' : 'does not use'} ${d.node}/${d.dev}; the kernel sent ${deltas[i]} packets through it for ${K} echoes and replies`);
          }
        });
      }
      assert.deepEqual(rows, [], rows.join('\n'));
    });

    test('device MTUs: the smallest MTU the kernel gave the devices on each path is the path MTU podnet reports', (t) => {
      if (skipped(t)) return;
      const w = world();
      const rows: string[] = [];
      for (const path of deliveredPaths(w)) {
        let kernelMin = Infinity;
        for (const h of path.hops) {
          if (h.kind === 'router') continue; // the router's interfaces are plain 1500-byte veths
          const m = w.mtus.get(`${w.nsOfHop(h)}/${h.dev}`);
          if (m !== undefined) kernelMin = Math.min(kernelMin, m);
        }
        if (path.mtu !== kernelMin) rows.push(`${path.from.ip} → ${path.to.ip}: podnet mtu ${path.mtu}, the kernel's devices ${kernelMin} (${path.hops.map((h) => h.dev).join(' ')})`);
      }
      assert.equal(rows.length, 0, `${rows.length} paths disagree, e.g.:\n${rows.slice(0, 4).join('\n')}`);
    });
  });
}
