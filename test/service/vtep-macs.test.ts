import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { nodeVtepMac, vtepMac } from '../../src/net/devices.js';
import { pinField, type MacPins } from '../../src/service/definition/nodes.js';
import { VtepMacIndex } from '../../src/service/vtep-macs.js';

/** The slow reference, easy to check by eye: the first stored node that a scan in order finds holding the MAC. */
function ownerByScan(stored: readonly MacPins[], n: MacPins, f: 4 | 6): MacPins | undefined {
  const mac = nodeVtepMac(n, f);
  return stored.find((s) => (pinField(n, f) || pinField(s, f)) && nodeVtepMac(s, f) === mac);
}

// A few MACs, so that pins meet each other and the derived MACs of a few names.
const NAMES = ['a', 'b', 'c', 'd', 'e', 'f'];
const MACS = ['5e:00:00:00:00:01', '5e:00:00:00:00:02', vtepMac('a'), vtepMac('b')];
const pin = fc.option(fc.constantFrom(...MACS), { nil: undefined });
const node = (name: string) => fc.record({ vtepMac: pin, vtepMac6: pin }).map((p): MacPins => ({
  name, ...(p.vtepMac ? { vtepMac: p.vtepMac } : {}), ...(p.vtepMac6 ? { vtepMac6: p.vtepMac6 } : {}),
}));
const nodes = fc.uniqueArray(fc.constantFrom(...NAMES), { maxLength: NAMES.length }).chain((names) => fc.tuple(...names.map(node)));
const step = fc.oneof(fc.record({ add: node('g') }), fc.record({ remove: fc.nat() }), fc.record({ ask: node('h') }));

describe('VtepMacIndex', () => {
  test('names the owner a scan of the stored nodes names, through adds and removes', () => {
    fc.assert(fc.property(nodes, fc.array(step, { maxLength: 8 }), (start, steps) => {
      let stored: MacPins[] = [...start];
      let idx: VtepMacIndex<MacPins> = VtepMacIndex.of(stored);
      let added = 0;
      for (const s of steps) {
        if ('add' in s) {
          const n = { ...s.add, name: `g${added++}` };
          stored = [...stored, n];
          idx.add(n);
        } else if ('remove' in s) {
          const gone = stored[s.remove % Math.max(stored.length, 1)];
          if (!gone) continue;
          stored = stored.filter((x) => x !== gone);
          if (!idx.remove(gone)) idx = VtepMacIndex.of(stored);
        }
        const asked = 'ask' in s ? s.ask : { name: 'h' };
        for (const f of [4, 6] as const) {
          const want = ownerByScan(stored, asked, f);
          const got = idx.owner(asked, f, () => stored);
          // Either may name another holder when two stored nodes hold one MAC; both must agree that there is one.
          assert.equal(got === undefined, want === undefined, `IPv${f} ${JSON.stringify(asked)} among ${JSON.stringify(stored)}`);
          if (got) assert.equal(nodeVtepMac(got, f), nodeVtepMac(asked, f));
        }
      }
    }), { numRuns: 500 });
  });

  const cases: { what: string; stored: MacPins[]; asked: MacPins; f: 4 | 6; owner: string | null }[] = [
    { what: 'a derived MAC meets a pin', stored: [{ name: 'x', vtepMac: vtepMac('d') }], asked: { name: 'd' }, f: 4, owner: 'x' },
    { what: 'a pin meets a derived MAC', stored: [{ name: 'a' }], asked: { name: 'd', vtepMac: vtepMac('a') }, f: 4, owner: 'a' },
    { what: 'two derived MACs never collide (different names)', stored: [{ name: 'a' }], asked: { name: 'd' }, f: 4, owner: null },
    { what: 'IPv6 falls back to vtepMac', stored: [{ name: 'x', vtepMac: MACS[0]! }], asked: { name: 'd', vtepMac6: MACS[0]! }, f: 6, owner: 'x' },
    { what: "an IPv6 pin does not take a node's IPv4 MAC", stored: [{ name: 'x', vtepMac: MACS[0]!, vtepMac6: MACS[1]! }], asked: { name: 'd', vtepMac6: MACS[0]! }, f: 6, owner: null },
    { what: "a node pinned for IPv6 only keeps its derived IPv4 MAC", stored: [{ name: 'a', vtepMac6: MACS[1]! }], asked: { name: 'd', vtepMac: vtepMac('a') }, f: 4, owner: 'a' },
  ];
  for (const c of cases) {
    test(c.what, () => {
      const got = VtepMacIndex.of(c.stored).owner(c.asked, c.f, () => c.stored);
      assert.equal(got?.name ?? null, c.owner);
      assert.equal(ownerByScan(c.stored, c.asked, c.f)?.name ?? null, c.owner, 'the reference agrees');
    });
  }
});
