// The GraphQL path figure: autocannon, 10 connections, `path` between random
// pods (a pool of 20,000 pairs, fixed seed), next to `{ __typename }` on the
// same server with the same connections and duration.
import autocannon from 'autocannon';
import { cpuMs } from './child.js';
import type { RunContext } from './phases.js';
import { rng } from './random.js';
import { expectStatus, http, withTimeout } from './util.js';
import { podName, podNamespace } from './workload.js';

const GQL_PATH = `query Path($c: String!, $f: String!, $t: String!) {
  path(cluster: $c, from: $f, to: $t) {
    disposition sameNode encapsulation natFree mtu
    hops { index node netns dev kind action route packet { src dst ttl } outer { src dst protocol port vni } }
  }
}`;
const GQL_FLOOR = '{ __typename }';

export async function pathLoad(ctx: RunContext): Promise<void> {
  const base = ctx.server.url;
  const { nodes, loadSeconds: seconds } = ctx;
  const headers = { 'content-type': 'application/json' };
  const probe = await http(base, 'POST', '/graphql', JSON.stringify({ query: GQL_FLOOR }), 10_000);
  expectStatus(probe, [200], 'POST /graphql { __typename }');
  const pick = rng(42);
  const randomPod = () => {
    const i = Math.floor(pick() * nodes);
    const j = Math.floor(pick() * 30);
    return `${podNamespace(j)}/${podName(i, j)}`;
  };
  const pool: string[] = [];
  for (let k = 0; k < 20_000; k++) pool.push(JSON.stringify({ query: GQL_PATH, variables: { c: ctx.def.name, f: randomPod(), t: randomPod() } }));
  // Does it answer path correctly? 20 answers checked before the load.
  const dispositions: Record<string, number> = {};
  let bytes = 0;
  let hops = 0;
  for (let k = 0; k < 20; k++) {
    const r = await http(base, 'POST', '/graphql', pool[k]!, 30_000);
    bytes += r.bytes;
    expectStatus(r, [200], 'POST /graphql path');
    const j = JSON.parse(r.text) as { data?: { path?: { disposition: string; hops: unknown[] } }; errors?: { message: string }[] };
    if (j.errors?.length || !j.data?.path) throw new Error(`GraphQL path answered errors: ${JSON.stringify(j.errors ?? j).slice(0, 300)}`);
    dispositions[j.data.path.disposition] = (dispositions[j.data.path.disposition] ?? 0) + 1;
    hops += j.data.path.hops.length;
  }
  ctx.result.details.pathSample = { dispositions, meanResponseBytes: bytes / 20, meanHops: hops / 20 };

  let next = 0;
  let gqlErrors = 0;
  const cannon = (query: 'path' | 'floor', duration: number) =>
    withTimeout(`autocannon ${query}`, (duration + 60) * 1000, async () =>
      await autocannon({
        url: base,
        connections: 10,
        duration,
        timeout: 10,
        requests: [
          query === 'floor'
            ? { method: 'POST', path: '/graphql', headers, body: JSON.stringify({ query: GQL_FLOOR }) }
            : {
                method: 'POST',
                path: '/graphql',
                headers,
                setupRequest: (req) => ({ ...req, body: pool[next++ % pool.length]! }),
                onResponse: (_status, b) => {
                  if (b.startsWith('{"errors"') || b.includes('"errors":[')) gqlErrors++;
                },
              },
        ],
      }),
    );
  // Warm-up (JIT, connections), not counted.
  await cannon('path', 2);
  await cannon('floor', 1);
  gqlErrors = 0;
  const client = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  const pid = ctx.server.pid;
  const statements = async () => (await ctx.server.call<{ count: number }>('queries')).count;
  const cpu0 = cpuMs(pid);
  const cl0 = client();
  const db0 = await ctx.dbs.pgCpuMs();
  const floor = await ctx.profiled('graphql-floor', () => cannon('floor', seconds));
  const cpu1 = cpuMs(pid);
  const cl1 = client();
  const db1 = await ctx.dbs.pgCpuMs();
  const q1 = await statements();
  const load = await ctx.profiled('graphql-path', () => cannon('path', seconds));
  const cpu2 = cpuMs(pid);
  const cl2 = client();
  const db2 = await ctx.dbs.pgCpuMs();
  // Version probes per request: coalesced, so under load one serves several requests.
  const probesPer = (await statements() - q1) / Math.max(1, load.requests.total);
  // PostgreSQL's CPU per request: the version probe every read makes (path); the floor touches no table.
  const dbPer = (a: number | null, b: number | null, n: number) => (a === null || b === null ? null : (b - a) / Math.max(1, n));
  // Server CPU per request: robust to other work on the machine, unlike req/s.
  const floorCpu = (cpu1 - cpu0) / Math.max(1, floor.requests.total);
  const pathCpu = (cpu2 - cpu1) / Math.max(1, load.requests.total);
  const summary = (r: autocannon.Result) => ({
    reqPerSec: r.requests.average, total: r.requests.total, p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max,
    errors: r.errors, timeouts: r.timeouts, non2xx: r.non2xx,
  });
  ctx.result.details.pathLoad = {
    seconds, connections: 10,
    path: { ...summary(load), serverCpuMsPerRequest: pathCpu, probesPerRequest: probesPer, dbCpuMsPerRequest: dbPer(db1, db2, load.requests.total), clientCpuMs: cl2 - cl1 },
    floor: { ...summary(floor), serverCpuMsPerRequest: floorCpu, dbCpuMsPerRequest: dbPer(db0, db1, floor.requests.total), clientCpuMs: cl1 - cl0 },
    graphqlErrors: gqlErrors,
  };
  const bad = load.errors + load.timeouts + load.non2xx + gqlErrors;
  const ratio = load.requests.average / floor.requests.average;
  const share = ctx.targets.pathShare;
  ctx.metric({
    key: 'pathThroughput', what: `GraphQL path, 10 conns, ${seconds} s: throughput`, value: load.requests.average, unit: 'req/s',
    floor: floor.requests.average, ratio, ratioKind: '%', target: `≥ ${share * 100} % of { __typename }`,
    verdict: bad > 0 ? 'FAIL' : ratio >= share ? 'PASS' : 'FAIL',
    note: `${bad > 0 ? `${bad} FAILED requests (${gqlErrors} GraphQL errors)` : `${load.requests.total} requests`}; server CPU/req ${pathCpu.toFixed(2)} vs ${floorCpu.toFixed(2)} ms (ratio ${((100 * floorCpu) / pathCpu).toFixed(0)} %), db CPU/req ${dbPer(db1, db2, load.requests.total)?.toFixed(2) ?? '?'} ms, ${probesPer.toFixed(2)} probes/req; the client used ${((cl2 - cl1) / 10 / seconds).toFixed(0)} % of a core`,
  });
  const p99 = ctx.targets.pathP99Ms;
  ctx.metric({
    key: 'pathP99', what: 'GraphQL path: p99 latency', value: load.latency.p99, unit: 'ms', floor: floor.latency.p99, ratio: null,
    target: `≤ ${p99} ms`, verdict: load.latency.p99 <= p99 ? 'PASS' : 'FAIL', note: `p50 ${load.latency.p50} ms, max ${load.latency.max} ms`,
  });
}
