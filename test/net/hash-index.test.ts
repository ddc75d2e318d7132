// The compact datapath indexes against a Map, the obviously-correct reference.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Int32Map, StringKeyIndex, hashString } from '../../src/net/hash-index.js';

test('hashString is FNV-1a (32-bit) over code units', () => {
  // Published FNV-1a test vectors.
  assert.equal(hashString(''), 0x811c9dc5);
  assert.equal(hashString('a'), 0xe40c292c);
  assert.equal(hashString('foobar'), 0xbf9cf968);
});

test('StringKeyIndex answers what a Map of key → items in insertion order answers', () => {
  fc.assert(
    fc.property(
      // Few distinct keys, so that many items share one and probe chains collide.
      fc.array(fc.oneof(fc.constantFrom('pod-1', 'pod-2', 'a', ''), fc.string({ maxLength: 6 })), { maxLength: 300 }),
      fc.array(fc.string({ maxLength: 6 }), { maxLength: 20 }),
      fc.nat(64),
      (keys, probes, expected) => {
        const index = new StringKeyIndex((i) => keys[i]!, expected);
        const ref = new Map<string, number[]>();
        keys.forEach((k, i) => {
          index.add(i);
          ref.set(k, [...(ref.get(k) ?? []), i]);
        });
        assert.equal(index.size, keys.length);
        const built = StringKeyIndex.of(keys.length, (i) => keys[i]!);
        for (const k of probes) assert.deepEqual(built.all(k), ref.get(k) ?? []);
        for (const k of [...keys, ...probes]) {
          assert.deepEqual(index.all(k), ref.get(k) ?? [], JSON.stringify(k));
          assert.equal(index.find(k, () => true), ref.get(k)?.[0] ?? -1);
          assert.equal(index.find(k, (i) => i % 2 === 1), ref.get(k)?.find((i) => i % 2 === 1) ?? -1);
          const items = ref.get(k) ?? [];
          assert.equal(index.only(k), items.length === 1 ? items[0] : -1, `only ${JSON.stringify(k)}`);
        }
      },
    ),
  );
});

test('Int32Map answers what a Map answers, first claim winning', () => {
  const key = fc.oneof(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.integer({ min: 0, max: 40 }), fc.constantFrom(0, -1, 2 ** 31 - 1, -(2 ** 31)));
  fc.assert(
    fc.property(fc.array(key, { maxLength: 400 }), fc.array(key, { maxLength: 20 }), fc.nat(100), (keys, probes, expected) => {
      const m = new Int32Map(expected);
      const ref = new Map<number, number>();
      keys.forEach((k, i) => {
        assert.equal(m.setIfAbsent(k, i), !ref.has(k));
        if (!ref.has(k)) ref.set(k, i);
      });
      assert.equal(m.size, ref.size);
      for (const k of [...keys, ...probes]) assert.equal(m.get(k), ref.get(k) ?? -1, String(k));
    }),
  );
});

test('Int32Map holds 150,000 consecutive IPv4 addresses (a k8s-5k cluster)', () => {
  const base = (10 << 24) | 0;
  const m = new Int32Map(150_000);
  for (let i = 0; i < 150_000; i++) assert.ok(m.setIfAbsent(base + i, i));
  for (let i = 0; i < 150_000; i += 997) assert.equal(m.get(base + i), i);
  assert.equal(m.get(base - 1), -1);
  assert.equal(m.get(base + 150_000), -1);
});

test('StringKeyIndex at pod scale: every name found, its hash bits in the slot never hide it', () => {
  // 40,000 names (a 2^17-slot table: 14 bits of each slot are the key's hash), a few shared by two items.
  const keys = Array.from({ length: 40_000 }, (_, i) => `pod-${i % 39_990}-${i % 30}`);
  const index = StringKeyIndex.of(keys.length, (i) => keys[i]!);
  const grown = new StringKeyIndex((i) => keys[i]!);
  for (let i = 0; i < keys.length; i++) grown.add(i);
  const ref = new Map<string, number[]>();
  keys.forEach((k, i) => ref.set(k, [...(ref.get(k) ?? []), i]));
  for (const t of [index, grown]) {
    for (const [k, items] of ref) {
      assert.deepEqual(t.all(k), items);
      assert.equal(t.only(k), items.length === 1 ? items[0] : -1);
      assert.equal(t.find(k, () => true), items[0]);
    }
    for (const k of ['pod-39990-0', 'pod-1-2', 'x', '']) assert.deepEqual(t.all(k), ref.get(k) ?? []);
  }
});
