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
    assert.deepEqual(again.changes, []);
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
    assert.deepEqual(p.changes.map((c) => `${c.action} ${c.kind}`), ['update pod']);
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
    assert.deepEqual(first.changes.map((c) => `${c.action} ${c.name}`), ['create default/new']);
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
