import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { parseClusterDefinition } from '../../src/service/definition.js';
import { isUnchanged, planApply, planApplyFull } from '../../src/service/plan.js';
import type { StoredCluster } from '../../src/store/records.js';
import { AppError } from '../../src/service/errors.js';

/** What a store would hold after writing a plan (ids are synthetic). */
function store(prev: StoredCluster | null, plan: ReturnType<typeof planApply>): StoredCluster {
  let id = 1;
  const t = plan.topology;
  return {
    id: prev?.id ?? 1,
    version: (prev?.version ?? 0n) + 1n,
    settings: t,
    nodes: t.nodes.map((n, i) => ({ ...n, id: id++, ordinal: i })),
    pods: t.pods.map((p, i) => ({ ...p, id: id++, ordinal: i })),
  };
}

function def(nodes: number[], pods: [number, number][] = [], extra: Record<string, unknown> = {}) {
  return parseClusterDefinition({
    name: 'c',
    podCidrs: ['10.1.0.0/20'],
    nodes: nodes.map((i) => ({ name: `n${i}`, address: `192.168.0.${i + 1}` })),
    pods: pods.map(([node, i]) => ({ name: `p${node}-${i}`, node: `n${node}` })),
    ...extra,
  });
}

describe('planApply', () => {
  test('on an empty store, the same definition always yields the same plan', () => {
    const a = planApply(null, def([0, 1, 2], [[0, 0], [2, 1]]));
    const b = planApply(null, def([0, 1, 2], [[0, 0], [2, 1]]));
    assert.deepEqual(a.topology.nodes.map((n) => n.podCidrs.map(String)), [['10.1.0.0/24'], ['10.1.1.0/24'], ['10.1.2.0/24']]);
    assert.deepEqual(a.topology, b.topology);
  });

  test('pins are honoured before first-fit, whatever their position', () => {
    const d = parseClusterDefinition({
      name: 'c', podCidrs: ['10.1.0.0/20'],
      nodes: [{ name: 'a', address: '192.168.0.1' }, { name: 'b', address: '192.168.0.2', podCidrs: ['10.1.0.0/24'] }],
    });
    const p = planApply(null, d);
    assert.deepEqual(p.topology.nodes.map((n) => String(n.podCidrs[0])), ['10.1.1.0/24', '10.1.0.0/24']);
  });

  test('re-planning an unchanged definition is a no-op', () => {
    const d = def([0, 1], [[0, 0], [1, 0]]);
    const s = store(null, planApply(null, d));
    const again = planApply(s, d);
    assert.equal(again.noop, true);
    assert.deepEqual(again.changes.toArray(), []);
  });

  test('an existing block cannot be re-pinned elsewhere (allocations never move)', () => {
    const s = store(null, planApply(null, def([0])));
    const moved = parseClusterDefinition({ name: 'c', podCidrs: ['10.1.0.0/20'], nodes: [{ name: 'n0', address: '192.168.0.1', podCidrs: ['10.1.5.0/24'] }] });
    assert.throws(() => planApply(s, moved), (e: unknown) => e instanceof AppError && e.code === 'POD_CIDR_CONFLICT');
  });

  test('property: across any sequence of applies, surviving allocations never move and nothing overlaps', () => {
    const step = fc.record({
      nodes: fc.subarray([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]),
      podsPerNode: fc.integer({ min: 0, max: 3 }),
    });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 6 }), (steps) => {
        let stored: StoredCluster | null = null;
        for (const s of steps) {
          const pods: [number, number][] = s.nodes.flatMap((n) => Array.from({ length: s.podsPerNode }, (_, i): [number, number] => [n, i]));
          const plan = planApply(stored, def(s.nodes, pods));
          const blocks = plan.topology.nodes.flatMap((n) => n.podCidrs);
          for (let i = 0; i < blocks.length; i++) {
            for (let j = i + 1; j < blocks.length; j++) assert.ok(!blocks[i]!.overlaps(blocks[j]!));
          }
          const ips = plan.topology.pods.flatMap((p) => p.ips.map(String));
          assert.equal(new Set(ips).size, ips.length);
          if (stored) {
            for (const n of plan.topology.nodes) {
              const prev: StoredCluster["nodes"][number] | undefined = stored.nodes.find((x) => x.name === n.name);
              if (prev) assert.deepEqual(n.podCidrs.map(String), prev.podCidrs.map(String), `${n.name} kept its block`);
            }
            for (const p of plan.topology.pods) {
              const prev: StoredCluster["pods"][number] | undefined = stored.pods.find((x) => x.name === p.name && x.namespace === p.namespace);
              if (prev) assert.deepEqual(p.ips.map(String), prev.ips.map(String), `${p.name} kept its IP`);
            }
          }
          stored = store(stored, plan);
        }
      }),
      { numRuns: 150 },
    );
  });

  test('property: the plan\'s rows and changes are exactly the difference between the stored and the planned cluster', () => {
    // Pods named apart from their nodes, so a step moves some, drops some,
    // adds some, pins some; dual-stack some of the time.
    const pod = fc.record({ name: fc.integer({ min: 0, max: 11 }), node: fc.integer({ min: 0, max: 5 }), pin: fc.boolean() });
    const step = fc.record({ nodes: fc.subarray([0, 1, 2, 3, 4, 5], { minLength: 1 }), pods: fc.array(pod, { maxLength: 14 }), dual: fc.boolean() });
    const defOf = (s: { nodes: number[]; pods: { name: number; node: number; pin: boolean }[]; dual: boolean }) => {
      const seen = new Set<number>();
      const pods = s.pods.filter((p) => !seen.has(p.name) && seen.add(p.name)).map((p) => {
        const node = s.nodes[p.node % s.nodes.length]!;
        // A pin far above first-fit's reach (never a kept pod's IP): 10.1.<node>.200 + name.
        return { name: `p${p.name}`, node: `n${node}`, ...(p.pin ? { ips: [`10.1.${node}.${200 + p.name}`] } : {}) };
      });
      return parseClusterDefinition({
        name: 'c', podCidrs: s.dual ? ['10.1.0.0/20', 'fd00:1::/56'] : ['10.1.0.0/20'],
        nodes: s.nodes.map((i) => ({ name: `n${i}`, addresses: s.dual ? [`192.168.0.${i + 1}`, `fd00:ff::${i + 1}`] : [`192.168.0.${i + 1}`],
          podCidrs: [`10.1.${i}.0/24`, ...(s.dual ? [`fd00:1:0:${i}::/64`] : [])] })),
        pods,
      });
    };
    const key = (p: { namespace: string; name: string }) => `${p.namespace}/${p.name}`;
    const same = (a: { node: string; ips: { toString(): string }[] }, b: typeof a) => a.node === b.node && a.ips.map(String).join() === b.ips.map(String).join();
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 5 }), (steps) => {
        let stored: StoredCluster | null = null;
        for (const s of steps) {
          let plan: ReturnType<typeof planApply>;
          try {
            plan = planApply(stored, defOf(s));
          } catch (err) {
            // Dropping a family moves no block: refused, and the step is skipped.
            if (err instanceof AppError && err.code === 'POD_CIDR_CONFLICT') continue;
            throw err;
          }
          const before = new Map((stored?.pods ?? []).map((p) => [key(p), p]));
          const keptNodes = new Set(plan.topology.nodes.map((n) => n.name));
          const wanted = new Set(plan.topology.pods.map(key));
          const expectDeletes: number[] = [];
          const expectChanges: string[] = [];
          for (const p of stored?.pods ?? []) {
            if (wanted.has(key(p))) continue;
            if (keptNodes.has(p.node)) expectDeletes.push(p.id);
            expectChanges.push(`delete ${key(p)} ${p.ips.map(String).join(' ')}`);
          }
          const expectInserts: string[] = [];
          for (const p of plan.topology.pods) {
            const prev = before.get(key(p));
            if (prev && same(prev, p)) continue;
            expectInserts.push(key(p));
            if (prev && keptNodes.has(prev.node)) expectDeletes.push(prev.id);
            expectChanges.push(`${prev ? 'update' : 'create'} ${key(p)} ${p.ips.map(String).join(' ')}`);
          }
          assert.deepEqual(plan.podInserts.map((r) => key(r.spec)), expectInserts);
          for (const r of plan.podInserts) assert.ok(plan.topology.pods.includes(r.spec), 'an insert is its topology spec');
          assert.deepEqual([...plan.podDeletes].sort((a, b) => a - b), expectDeletes.sort((a, b) => a - b));
          const ordinals = plan.podInserts.map((r) => r.ordinal);
          const maxStored = Math.max(-1, ...(stored?.pods ?? []).map((p) => p.ordinal));
          assert.ok(ordinals.every((o, i) => o > maxStored && (i === 0 || o > ordinals[i - 1]!)), 'new ordinals ascend past the stored ones');
          const all = plan.changes.toArray();
          assert.deepEqual(all.filter((c) => c.kind === 'pod').map((c) => `${c.action} ${c.name} ${c.ips!.join(' ')}`), expectChanges);
          for (const c of all.filter((x) => x.kind === 'pod' && x.action === 'create')) assert.deepEqual(Object.keys(c), ['action', 'kind', 'name', 'ips']);
          // The lazy list reads the same whichever way it is read.
          const counted = { create: { cluster: 0, node: 0, pod: 0 }, update: { cluster: 0, node: 0, pod: 0 }, delete: { cluster: 0, node: 0, pod: 0 } };
          for (const c of all) counted[c.action][c.kind]++;
          assert.deepEqual(plan.changes.counts(), counted);
          assert.equal(plan.changes.length, all.length);
          assert.equal(JSON.stringify(plan.changes), JSON.stringify(all));
          for (const [a, b] of [[0, 1], [1, 3], [0, all.length], [2, 100]] as const) assert.deepEqual(plan.changes.slice(a, b), all.slice(a, b));
          assert.deepEqual([...plan.changes], all);
          stored = store(stored, plan);
        }
      }),
      { numRuns: 200 },
    );
  });

  test('a freed block is reused first-fit by the next new node', () => {
    const s1 = store(null, planApply(null, def([0, 1, 2])));
    const s2 = store(s1, planApply(s1, def([0, 2])));
    const p3 = planApply(s2, def([0, 2, 5]));
    assert.equal(String(p3.topology.nodes.find((n) => n.name === 'n5')!.podCidrs[0]), '10.1.1.0/24');
  });

  test('moving a pod to another node gives it an IP from the new block', () => {
    const s = store(null, planApply(null, def([0, 1], [[0, 0]])));
    const moved = parseClusterDefinition({
      name: 'c', podCidrs: ['10.1.0.0/20'],
      nodes: [0, 1].map((i) => ({ name: `n${i}`, address: `192.168.0.${i + 1}` })),
      pods: [{ name: 'p0-0', node: 'n1' }],
    });
    const p = planApply(s, moved);
    assert.equal(String(p.topology.pods[0]!.ips[0]), '10.1.1.2');
    assert.deepEqual(p.changes.toArray().map((c) => `${c.action} ${c.kind}`), ['update pod']);
    assert.equal(p.podDeletes.length, 1);
    assert.equal(p.podInserts.length, 1);
  });

  test('kept pods hold their IPs against new pods and pins on their node, wherever they stand in the definition', () => {
    const s = store(null, planApply(null, def([0], [[0, 0], [0, 1], [0, 2]])));
    assert.deepEqual(s.pods.map((p) => String(p.ips[0])), ['10.1.0.2', '10.1.0.3', '10.1.0.4']);
    const withNew = (pods: { name: string; ips?: string[] }[]) => parseClusterDefinition({
      name: 'c', podCidrs: ['10.1.0.0/20'], nodes: [{ name: 'n0', address: '192.168.0.1' }], pods: pods.map((p) => ({ ...p, node: 'n0' })),
    });
    // A new pod listed first still comes after every kept IP; its plan changes nothing else.
    const first = planApply(s, withNew([{ name: 'new' }, { name: 'p0-0' }, { name: 'p0-1' }, { name: 'p0-2' }]));
    assert.deepEqual(first.topology.pods.map((p) => `${p.name} ${String(p.ips[0])}`), ['new 10.1.0.5', 'p0-0 10.1.0.2', 'p0-1 10.1.0.3', 'p0-2 10.1.0.4']);
    assert.deepEqual(first.changes.toArray().map((c) => `${c.action} ${c.name}`), ['create default/new']);
    // A pin on a kept pod's IP is refused, before or after that pod.
    for (const order of [['pin', 'p0-1'], ['p0-1', 'pin']]) {
      const d = withNew(order.map((name) => (name === 'pin' ? { name, ips: ['10.1.0.3'] } : { name })));
      assert.throws(() => planApply(s, d), (e: unknown) => e instanceof AppError && /10\.1\.0\.3/.test(e.message), order.join(' then '));
    }
    // A removed pod's IP is free for a pin.
    const pinned = planApply(s, withNew([{ name: 'p0-0' }, { name: 'pin', ips: ['10.1.0.3'] }, { name: 'p0-2' }]));
    assert.deepEqual(pinned.topology.pods.map((p) => `${p.name} ${String(p.ips[0])}`), ['p0-0 10.1.0.2', 'pin 10.1.0.3', 'p0-2 10.1.0.4']);
  });

  test('growing the cluster to dual-stack adds IPv6 blocks and IPs without moving IPv4 ones', () => {
    const s = store(null, planApply(null, def([0, 1], [[1, 0]])));
    const ds = parseClusterDefinition({
      name: 'c', podCidrs: ['10.1.0.0/20', 'fd00:1::/56'],
      nodes: [0, 1].map((i) => ({ name: `n${i}`, addresses: [`192.168.0.${i + 1}`, `fd00:ff::${i + 1}`] })),
      pods: [{ name: 'p1-0', node: 'n1' }],
    });
    const p = planApply(s, ds);
    assert.deepEqual(p.topology.nodes.map((n) => n.podCidrs.map(String)), [['10.1.0.0/24', 'fd00:1::/64'], ['10.1.1.0/24', 'fd00:1:0:1::/64']]);
    assert.deepEqual(p.topology.pods[0]!.ips.map(String), ['10.1.1.2', 'fd00:1:0:1::2']);
  });
});

describe('the unchanged fast path', () => {
  test('property: isUnchanged(stored, def) exactly when the full planner finds nothing to do', () => {
    const step = fc.record({ nodes: fc.subarray([0, 1, 2, 3, 4, 5]), podsPerNode: fc.integer({ min: 0, max: 2 }), again: fc.boolean() });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 6 }), (steps) => {
        let stored: StoredCluster | null = null;
        let last: ReturnType<typeof def> | null = null;
        for (const s of steps) {
          const pods: [number, number][] = s.nodes.flatMap((n) => Array.from({ length: s.podsPerNode }, (_, i): [number, number] => [n, i]));
          const d: ReturnType<typeof def> = s.again && last ? last : def(s.nodes, pods);
          if (stored) assert.equal(isUnchanged(stored, d), planApplyFull(stored, d).noop);
          const plan = planApply(stored, d);
          stored = store(stored, plan);
          last = d;
        }
      }),
      { numRuns: 200 },
    );
  });

  test('a pod pinning one family of a dual-stack cluster keeps its other IP: unchanged, and never moved', () => {
    const ds = (pods: { name: string; ips?: string[] }[]) => parseClusterDefinition({
      name: 'c', podCidrs: ['10.1.0.0/20', 'fd00:1::/56'],
      nodes: [{ name: 'n', addresses: ['192.168.0.1', 'fd00:ff::1'] }],
      pods: pods.map((p) => ({ ...p, node: 'n' })),
    });
    const d = ds([{ name: 'a' }, { name: 'p', ips: ['10.1.0.9'] }]);
    const s = store(null, planApply(null, d));
    assert.deepEqual(s.pods.map((p) => p.ips.map(String)), [['10.1.0.2', 'fd00:1::2'], ['10.1.0.9', 'fd00:1::3']]);
    assert.equal(isUnchanged(s, d), true);
    assert.equal(planApplyFull(s, d).noop, true);
    // With `a` gone, fd00:1::2 is free and first-fit would take it: p keeps fd00:1::3.
    const without = planApply(s, ds([{ name: 'p', ips: ['10.1.0.9'] }]));
    assert.deepEqual(without.topology.pods.map((p) => p.ips.map(String)), [['10.1.0.9', 'fd00:1::3']]);
    assert.deepEqual(without.changes.toArray().map((c) => `${c.action} ${c.name}`), ['delete default/a']);
    assert.deepEqual(without.podInserts, []);
  });

  test('pins given in another order than stored still count as unchanged', () => {
    const d = parseClusterDefinition({
      name: 'c', podCidrs: ['10.1.0.0/20', 'fd00:1::/56'],
      nodes: [{ name: 'n', addresses: ['192.168.0.1', 'fd00:ff::1'] }],
      pods: [{ name: 'p', node: 'n', ips: ['fd00:1::9', '10.1.0.9'] }],
    });
    const s = store(null, planApply(null, d));
    assert.deepEqual(s.pods[0]!.ips.map(String), ['10.1.0.9', 'fd00:1::9']);
    assert.equal(isUnchanged(s, d), true);
    assert.equal(planApplyFull(s, d).noop, true);
  });
});
