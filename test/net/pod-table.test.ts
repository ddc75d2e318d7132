// The snapshot's columnar pod table against the plain array of pods it holds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { Addr } from '../../src/net/ip.js';
import { PodRow, PodTable, PodTableBuilder, podIp } from '../../src/net/pod-table.js';
import type { PodRecord } from '../../src/net/pod-table.js';

const v4 = fc.integer({ min: 0, max: 0xffffffff }).map((u) => Addr.fromUint32(u));
const v6 = fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }).map((v) => Addr.fromCanonical(6, v));
// IPv4-only, IPv6-only, dual-stack either way round, and no IP at all.
const ips = fc.oneof(
  fc.tuple(v4).map((x) => [...x]),
  fc.tuple(v6).map((x) => [...x]),
  fc.tuple(v4, v6).map((x) => [...x]),
  fc.tuple(v6, v4).map((x) => [...x]),
  fc.constant([] as Addr[]),
);
// Few namespaces and nodes, so that interning is exercised; names repeat across namespaces.
const pod = fc.record({
  namespace: fc.constantFrom('default', 'kube-system', 'a', ''),
  name: fc.oneof(fc.constantFrom('web', 'db'), fc.string({ maxLength: 8 })),
  node: fc.oneof(fc.constantFrom('n1', 'n2', 'n3'), fc.string({ maxLength: 4 })),
  ips,
  id: fc.integer({ min: 0, max: 0x7fffffff }),
  ordinal: fc.integer({ min: 0, max: 0x7fffffff }),
});

const plain = (p: PodRecord): PodRecord => ({ namespace: p.namespace, name: p.name, node: p.node, ips: [...p.ips], id: p.id, ordinal: p.ordinal });
const ipText = (p: PodRecord) => p.ips.map((a) => `${a.family}:${a.toString()}`);
const same = (got: PodRecord, want: PodRecord) => {
  assert.deepEqual({ ...plain(got), ips: ipText(got) }, { ...plain(want), ips: ipText(want) });
  for (const a of got.ips) assert.ok(a.equals(want.ips.find((b) => b.family === a.family)!));
  for (const f of [4, 6] as const) {
    const w = want.ips.find((a) => a.family === f) ?? null;
    const g = podIp(got, f);
    assert.equal(g === null ? null : g.toString(), w === null ? null : w.toString());
    if (g && w) assert.equal(g.int32, w.int32);
  }
};

test('PodTable round-trips any pods: rows, columns and copies answer what the array does', () => {
  fc.assert(
    fc.property(fc.array(pod, { maxLength: 60 }), fc.array(pod, { maxLength: 5 }), fc.func(fc.boolean()), (pods, more, keepFn) => {
      const t = PodTable.of(pods);
      assert.equal(t.length, pods.length);
      const rows = t.rows();
      assert.equal(PodTable.of(rows), t, 'its own rows give the table back, not a copy');
      assert.equal(PodTable.behind(rows), t);
      assert.equal(PodTable.behind([...rows]), null);
      pods.forEach((p, i) => {
        same(rows[i]!, p);
        same(t.row(i), p);
        assert.equal(t.ipCount(i), p.ips.length);
        assert.equal(t.ip4Int(i), p.ips.find((a) => a.family === 4)?.int32);
      });
      assert.equal(t.nextOrdinal(), pods.reduce((m, p) => Math.max(m, p.ordinal + 1), 0));
      // A table of rows of two tables (a copy through the builder) and the edits a single-row write makes.
      const mixed = PodTable.of([...rows, ...PodTable.of(more).rows()]);
      [...pods, ...more].forEach((p, i) => same(mixed.row(i), p));
      const appended = t.concat(more);
      [...pods, ...more].forEach((p, i) => same(appended.row(i), p));
      const keep = pods.map((_, i) => keepFn(i));
      const kept = t.filter((i) => keep[i]!);
      const want = pods.filter((_, i) => keep[i]);
      assert.equal(kept.length, want.length);
      want.forEach((p, i) => same(kept.row(i), p));
      // Interned: one string per distinct namespace and node.
      assert.equal(t.namespaces.length, new Set(pods.map((p) => p.namespace)).size);
      assert.equal(t.nodeNames.length, new Set(pods.map((p) => p.node)).size);
    }),
    { numRuns: 300 },
  );
});

test('PodTableBuilder.addRaw takes the columns the store reads (IPv4 as int32, IPv6 as its value)', () => {
  fc.assert(
    fc.property(fc.array(pod, { maxLength: 40 }), fc.boolean(), (pods, sixFirst) => {
      const b = new PodTableBuilder(1);
      for (const p of pods) {
        const a4 = p.ips.find((a) => a.family === 4);
        const a6 = p.ips.find((a) => a.family === 6);
        b.addRaw(p.namespace, p.name, p.node, a4 ? a4.int32 : null, a6 ? a6.value : null, sixFirst, p.id, p.ordinal);
      }
      const t = b.finish();
      pods.forEach((p, i) => {
        const order = [...p.ips].sort((x, y) => (sixFirst ? y.family - x.family : x.family - y.family));
        same(t.row(i), { ...p, ips: order });
      });
    }),
  );
});

test('a PodRow reads through its table; podIp reads a plain spec too', () => {
  const t = PodTable.of([{ namespace: 'ns', name: 'p', node: 'n', ips: [Addr.parse('10.0.0.1'), Addr.parse('fd00::1')], id: 7, ordinal: 3 }]);
  const r = t.row(0);
  assert.ok(r instanceof PodRow);
  assert.equal(r.ip(4)!.toString(), '10.0.0.1');
  assert.equal(r.ip(6)!.toString(), 'fd00::1');
  assert.equal(podIp({ namespace: 'a', name: 'b', node: 'c', ips: [Addr.parse('fd00::2')] }, 4), null);
  assert.equal(podIp({ namespace: 'a', name: 'b', node: 'c', ips: [Addr.parse('fd00::2')] }, 6)!.toString(), 'fd00::2');
});

// The point of the table: its memory grows with the pods by their columns and
// name strings, not by objects per pod. Measured in a child with --expose-gc
// (a full collection before and after), with a bound ~2x what it costs and
// well under the ~300 B a pod the plain objects cost.
test('the table holds 200,000 pods in under 120 B each of live heap', () => {
  const script = `
    import { Addr } from './src/net/ip.js';
    import { PodTableBuilder } from './src/net/pod-table.js';
    const n = 200000;
    gc(); gc();
    const before = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
    const b = new PodTableBuilder();
    for (let i = 0; i < n; i++) {
      const node = 'node-' + String(i / 30 | 0).padStart(5, '0');
      b.addRaw(i % 7 === 0 ? 'kube-system' : 'default', 'pod-' + String(i).padStart(7, '0'), node, (0x0a000000 + i) | 0, null, false, i + 1, i);
    }
    const t = b.finish();
    gc(); gc();
    const after = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
    if (t.length !== n || t.ip(n - 1, 4).toString() !== Addr.fromUint32(0x0a000000 + n - 1).toString()) throw new Error('wrong table');
    console.log(JSON.stringify({ perPod: (after - before) / n }));
  `;
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', cwd: process.cwd() });
  assert.equal(r.status, 0, r.stderr);
  const { perPod } = JSON.parse(r.stdout.trim().split('\n').pop()!) as { perPod: number };
  assert.ok(perPod > 20, `${perPod} B a pod: the measurement saw the table`);
  assert.ok(perPod < 120, `${perPod.toFixed(1)} B of live heap a pod`);
  console.log(`# ${perPod.toFixed(1)} B of live heap a pod`);
});
