import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import fc from 'fast-check';
import { Addr, NetError, Prefix, type Family } from '../../src/net/ip.js';

// A slow reference: addresses as strings of bits.
const bitsOf = (a: Addr): string => a.value.toString(2).padStart(a.bitLen, '0');
const fromBits = (f: Family, bits: string): Addr => Addr.from(f, BigInt('0b' + bits));
const netBits = (p: Prefix): string => bitsOf(p.addr).slice(0, p.bits);

const refContains = (p: Prefix, a: Addr): boolean => p.family === a.family && bitsOf(a).startsWith(netBits(p));
const refOverlaps = (p: Prefix, q: Prefix): boolean =>
  p.family === q.family && (netBits(p).startsWith(netBits(q)) || netBits(q).startsWith(netBits(p)));
const refMask = (a: Addr, bits: number): Addr => fromBits(a.family, bitsOf(a).slice(0, bits).padEnd(a.bitLen, '0'));
const refSubnet = (p: Prefix, newBits: number, index: bigint): string => {
  const idx = newBits === p.bits ? '' : index.toString(2).padStart(newBits - p.bits, '0');
  return `${fromBits(p.family, (netBits(p) + idx).padEnd(p.addr.bitLen, '0')).toString()}/${newBits}`;
};
const sign = (n: number): number => (n < 0 ? -1 : n > 0 ? 1 : 0);
const refCompare = (p: Prefix, q: Prefix): number => {
  if (p.family !== q.family) return p.family === 4 ? -1 : 1;
  const a = bitsOf(p.addr);
  const b = bitsOf(q.addr);
  if (a !== b) return a < b ? -1 : 1;
  return sign(p.bits - q.bits);
};

const v4Value = fc.bigInt(0n, (1n << 32n) - 1n);
// IPv6 values rich in zero groups, so that '::' placement is exercised.
const group = fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 0xffff }));
const v6Value = fc.oneof(
  fc.array(group, { minLength: 8, maxLength: 8 }).map((gs) => gs.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n)),
  fc.bigInt(0n, (1n << 128n) - 1n),
);
const arbAddr: fc.Arbitrary<Addr> = fc.oneof(
  v4Value.map((v) => Addr.from(4, v)),
  v6Value.map((v) => Addr.from(6, v)),
);
const arbPrefix: fc.Arbitrary<Prefix> = arbAddr.chain((a) => fc.integer({ min: 0, max: a.bitLen }).map((b) => Prefix.from(a, b)));
/** An address near `p` (inside it or just beside it), or an unrelated one. */
const arbNear = (p: Prefix): fc.Arbitrary<Addr> =>
  fc.oneof(
    fc.bigInt(0n, p.size - 1n).map((off) => p.first.add(off)),
    fc.bigInt(-4n, 4n).map((d) => {
      const v = p.last.value + d;
      return v >= 0n && v < 1n << BigInt(p.addr.bitLen) ? Addr.from(p.family, v) : p.first;
    }),
    arbAddr,
  );

interface AddrCase {
  desc: string;
  input: string;
  want?: string; // canonical text
  family?: Family;
  err?: string; // message substring
}

const addrCases: AddrCase[] = [
  { desc: 'IPv4 dotted quad', input: '10.1.2.3', want: '10.1.2.3', family: 4 },
  { desc: 'IPv4 zero address', input: '0.0.0.0', want: '0.0.0.0', family: 4 },
  { desc: 'IPv4 all ones', input: '255.255.255.255', want: '255.255.255.255', family: 4 },
  { desc: 'IPv4 field over 255', input: '300.1.1.1', err: 'IPv4 field has value >255' },
  { desc: 'IPv4 256 is over 255 too', input: '1.1.1.256', err: 'IPv4 field has value >255' },
  { desc: 'IPv4 leading zero (octal to some parsers)', input: '010.1.1.1', err: 'leading zero' },
  { desc: 'IPv4 leading zero in last field', input: '1.2.3.04', err: 'leading zero' },
  { desc: 'IPv4 three fields', input: '1.2.3', err: 'too short' },
  { desc: 'IPv4 five fields', input: '1.2.3.4.5', err: 'too long' },
  { desc: 'IPv4 empty field', input: '1..2.3', err: 'at least one digit' },
  { desc: 'IPv4 trailing dot', input: '1.2.3.4.', err: 'too long' },
  { desc: 'IPv4 with a sign', input: '1.2.3.+4', err: 'unexpected character' },
  { desc: 'IPv4 with whitespace', input: ' 1.2.3.4', err: 'unexpected character' },
  { desc: 'IPv4 with a prefix length is not an address', input: '1.2.3.4/32', err: 'unexpected character' },
  { desc: 'empty string', input: '', err: 'empty string' },
  { desc: 'a word', input: 'localhost', err: 'unable to parse IP' },
  { desc: 'IPv6 unspecified', input: '::', want: '::', family: 6 },
  { desc: 'IPv6 loopback', input: '::1', want: '::1', family: 6 },
  { desc: 'IPv6 documentation prefix, trailing ::', input: '2001:db8::', want: '2001:db8::', family: 6 },
  { desc: 'RFC 5952: leading zeros dropped, longest zero run compressed', input: '2001:0db8:0:0:1:0:0:1', want: '2001:db8::1:0:0:1' },
  { desc: 'RFC 5952: longer run wins over an earlier shorter one', input: '1:0:0:1:0:0:0:1', want: '1:0:0:1::1' },
  { desc: 'RFC 5952: a single zero group is not compressed', input: '2001:db8:0:1:1:1:1:1', want: '2001:db8:0:1:1:1:1:1' },
  { desc: 'RFC 5952: trailing single zero group stays', input: '1:2:3:4:5:6:7::', want: '1:2:3:4:5:6:7:0' },
  { desc: 'RFC 5952: lowercase hex', input: 'FD00:ABCD::1', want: 'fd00:abcd::1' },
  { desc: 'fully written IPv6', input: 'fd00:0000:0000:0000:0000:0000:0000:0001', want: 'fd00::1' },
  { desc: 'IPv4-mapped IPv6 keeps mixed notation', input: '::ffff:1.2.3.4', want: '::ffff:1.2.3.4', family: 6 },
  { desc: 'IPv4-mapped written in hex', input: '::ffff:102:304', want: '::ffff:1.2.3.4', family: 6 },
  { desc: 'embedded IPv4 in the last two groups', input: '64:ff9b::192.0.2.33', want: '64:ff9b::c000:221', family: 6 },
  { desc: 'embedded IPv4 after six groups', input: '1:2:3:4:5:6:1.2.3.4', want: '1:2:3:4:5:6:102:304' },
  { desc: 'embedded IPv4 too early', input: '1:2:3:4:5:1.2.3.4', err: 'final 2 fields' },
  { desc: 'embedded IPv4 invalid', input: '::ffff:1.2.3.400', err: 'IPv4 field has value >255' },
  { desc: 'IPv6 zone is not supported', input: 'fe80::1%eth0', err: 'zones are not supported' },
  { desc: 'IPv6 two ::', input: '1::2::3', err: 'multiple ::' },
  { desc: 'IPv6 triple colon', input: '1:::2', err: 'at least one digit' },
  { desc: 'IPv6 five hex digits', input: '00000::1', err: 'at most 4 hex digits' },
  { desc: 'IPv6 too few groups', input: '1:2:3:4:5:6:7', err: 'too short' },
  { desc: 'IPv6 nine groups', input: '1:2:3:4:5:6:7:8:9', err: 'trailing garbage' },
  { desc: 'IPv6 :: standing for no group', input: '1:2:3:4:5:6:7:8::', err: 'at least one field of zeros' },
  { desc: 'IPv6 :: in the middle of eight groups', input: '1:2:3:4::5:6:7:8', err: 'at least one field of zeros' },
  { desc: 'IPv6 leading single colon', input: ':1::', err: 'at least one digit' },
  { desc: 'IPv6 trailing single colon', input: '1::2:', err: 'trailing colon' },
  { desc: 'IPv6 non-hex', input: '1::g', err: 'at least one digit' },
];

describe('Addr.parse', () => {
  for (const c of addrCases) {
    it(`${c.desc}: ${JSON.stringify(c.input)}`, () => {
      if (c.err !== undefined) {
        assert.throws(
          () => Addr.parse(c.input),
          (e: unknown) =>
            e instanceof NetError &&
            e.code === 'INVALID_ADDRESS' &&
            e.input === c.input &&
            e.message.startsWith(`ParseAddr(${JSON.stringify(c.input)}): `) &&
            e.message.includes(c.err as string),
        );
        assert.equal(Addr.tryParse(c.input), null);
      } else {
        const a = Addr.parse(c.input);
        assert.equal(a.toString(), c.want);
        if (c.family !== undefined) assert.equal(a.family, c.family);
        assert.ok(Addr.tryParse(c.input)?.equals(a));
      }
    });
  }

  it('agrees with node:net isIP on which strings are addresses (no zones)', () => {
    const token = fc.constantFrom('0', '1', '00', '255', '256', '01', 'ffff', 'db8', 'F', '12345', 'g', ':', '::', '.', '1.2.3.4');
    fc.assert(
      fc.property(fc.array(token, { maxLength: 12 }).map((ts) => ts.join('')), (s) => {
        assert.equal(Addr.tryParse(s) !== null, net.isIP(s) !== 0, `input ${JSON.stringify(s)}`);
      }),
      { numRuns: 5000 },
    );
  });
});

interface PrefixCase {
  desc: string;
  input: string;
  want?: string;
  code?: string;
  message?: string; // exact
  err?: string; // substring
}

const prefixCases: PrefixCase[] = [
  { desc: 'IPv4 /16', input: '10.1.0.0/16', want: '10.1.0.0/16' },
  { desc: 'IPv4 /0 default', input: '0.0.0.0/0', want: '0.0.0.0/0' },
  { desc: 'IPv4 /32 host', input: '10.1.2.3/32', want: '10.1.2.3/32' },
  { desc: 'IPv6 /48', input: 'fd00:10:1::/48', want: 'fd00:10:1::/48' },
  { desc: 'IPv6 /0 default', input: '::/0', want: '::/0' },
  { desc: 'IPv6 canonicalised text', input: 'FD00:0010:0001:0000::/64', want: 'fd00:10:1::/64' },
  { desc: 'length out of range', input: '10.0.0.0/33', code: 'INVALID_PREFIX', message: 'ParsePrefix("10.0.0.0/33"): prefix length out of range' },
  { desc: 'IPv6 length out of range', input: '::/129', code: 'INVALID_PREFIX', err: 'prefix length out of range' },
  { desc: 'bad address', input: '300.1.1.0/24', code: 'INVALID_PREFIX', message: 'ParsePrefix("300.1.1.0/24"): ParseAddr("300.1.1.0"): IPv4 field has value >255' },
  {
    desc: 'host bits set names the canonical form',
    input: '10.1.0.1/16',
    code: 'PREFIX_HOST_BITS_SET',
    message: '10.1.0.1/16 has host bits set; did you mean 10.1.0.0/16?',
  },
  { desc: 'IPv6 host bits set', input: 'fd00:10:1::1/48', code: 'PREFIX_HOST_BITS_SET', err: 'did you mean fd00:10:1::/48?' },
  { desc: 'a bare address is not a prefix', input: '10.0.0.0', code: 'INVALID_PREFIX', err: "no '/'" },
  { desc: 'empty length', input: '10.0.0.0/', code: 'INVALID_PREFIX', err: 'bad bits' },
  { desc: 'leading zero in length', input: '10.0.0.0/08', code: 'INVALID_PREFIX', err: 'bad bits' },
  { desc: 'signed length', input: '10.0.0.0/+8', code: 'INVALID_PREFIX', err: 'bad bits' },
  { desc: 'two slashes', input: '10.0.0.0/8/8', code: 'INVALID_PREFIX', err: 'ParseAddr' },
  { desc: 'zone in a prefix', input: 'fe80::%eth0/64', code: 'INVALID_PREFIX', err: 'zones' },
  { desc: 'leading zero in address', input: '10.01.0.0/16', code: 'INVALID_PREFIX', err: 'leading zero' },
];

describe('Prefix.parse', () => {
  for (const c of prefixCases) {
    it(`${c.desc}: ${JSON.stringify(c.input)}`, () => {
      if (c.want !== undefined) {
        assert.equal(Prefix.parse(c.input).toString(), c.want);
        assert.equal(Prefix.tryParse(c.input)?.toString(), c.want);
        return;
      }
      assert.throws(
        () => Prefix.parse(c.input),
        (e: unknown) => {
          assert.ok(e instanceof NetError);
          assert.equal(e.code, c.code);
          assert.equal(e.input, c.input);
          if (c.message !== undefined) assert.equal(e.message, c.message);
          if (c.err !== undefined) assert.ok(e.message.includes(c.err), e.message);
          return true;
        },
      );
      assert.equal(Prefix.tryParse(c.input), null);
    });
  }
});

describe('Addr and Prefix values', () => {
  it('from rejects values outside the family range', () => {
    assert.throws(() => Addr.from(4, 1n << 32n), NetError);
    assert.throws(() => Addr.from(6, -1n), NetError);
    assert.equal(Addr.from(6, (1n << 128n) - 1n).toString(), 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff');
  });

  it('add moves within the family and throws past its ends', () => {
    assert.equal(Addr.parse('10.0.0.255').add(1n).toString(), '10.0.1.0');
    assert.equal(Addr.parse('10.0.1.0').add(-1n).toString(), '10.0.0.255');
    assert.throws(() => Addr.parse('255.255.255.255').add(1n), (e: unknown) => e instanceof NetError && e.code === 'INVALID_ADDRESS');
    assert.throws(() => Addr.parse('::').add(-1n), NetError);
  });

  it('IPv4 sorts before IPv6, even ::', () => {
    assert.equal(Addr.parse('255.255.255.255').compare(Addr.parse('::')), -1);
    assert.equal(Addr.parse('::').compare(Addr.parse('0.0.0.0')), 1);
  });

  it('an IPv4 address is never equal to its IPv4-mapped IPv6 form', () => {
    assert.equal(Addr.parse('1.2.3.4').equals(Addr.parse('::ffff:1.2.3.4')), false);
  });

  it('an IPv4 address never matches an IPv6 prefix, not even ::/0 or ::ffff:0:0/96', () => {
    const v4 = Addr.parse('1.2.3.4');
    assert.equal(Prefix.parse('::/0').contains(v4), false);
    assert.equal(Prefix.parse('::ffff:0:0/96').contains(v4), false);
    assert.equal(Prefix.parse('0.0.0.0/0').contains(Addr.parse('::1')), false);
    assert.equal(Prefix.parse('0.0.0.0/0').overlaps(Prefix.parse('::/0')), false);
  });

  it('/0 contains every address of its family', () => {
    assert.equal(Prefix.parse('0.0.0.0/0').contains(Addr.parse('255.255.255.255')), true);
    assert.equal(Prefix.parse('::/0').contains(Addr.parse('ffff::1')), true);
    assert.equal(Prefix.parse('::/0').containsPrefix(Prefix.parse('fd00::/8')), true);
  });

  it('first, last and size', () => {
    const p = Prefix.parse('10.1.1.0/24');
    assert.equal(p.first.toString(), '10.1.1.0');
    assert.equal(p.last.toString(), '10.1.1.255');
    assert.equal(p.size, 256n);
    assert.equal(Prefix.parse('::/0').size, 1n << 128n);
    assert.equal(Prefix.parse('fd00::/64').last.toString(), 'fd00::ffff:ffff:ffff:ffff');
  });

  it('from masks host bits and rejects bad lengths', () => {
    assert.equal(Prefix.from(Addr.parse('10.1.2.3'), 16).toString(), '10.1.0.0/16');
    assert.throws(() => Prefix.from(Addr.parse('10.1.2.3'), 33), (e: unknown) => e instanceof NetError && e.code === 'INVALID_PREFIX');
    assert.throws(() => Prefix.from(Addr.parse('::'), -1), NetError);
    assert.throws(() => Prefix.from(Addr.parse('::'), 1.5), NetError);
  });

  it('subnet picks the index-th subnet and rejects what is out of range', () => {
    const p = Prefix.parse('10.0.0.0/11');
    assert.equal(p.subnet(24, 0n).toString(), '10.0.0.0/24');
    assert.equal(p.subnet(24, 4999n).toString(), '10.19.135.0/24');
    assert.equal(p.subnet(11, 0n).toString(), '10.0.0.0/11');
    assert.throws(() => p.subnet(24, 8192n), (e: unknown) => e instanceof NetError && e.message.includes('index out of range'));
    assert.throws(() => p.subnet(24, -1n), NetError);
    assert.throws(() => p.subnet(10, 0n), (e: unknown) => e instanceof NetError && e.message.includes('length out of range'));
    assert.throws(() => p.subnet(33, 0n), NetError);
    assert.equal(Prefix.parse('2001:db8::/32').subnet(64, (1n << 32n) - 1n).toString(), '2001:db8:ffff:ffff::/64');
  });

  it('serializes to JSON as canonical text', () => {
    assert.equal(JSON.stringify({ a: Addr.parse('2001:0db8::1'), p: Prefix.parse('10.0.0.0/8') }), '{"a":"2001:db8::1","p":"10.0.0.0/8"}');
  });
});

describe('properties against the bit-string reference', () => {
  it('Addr: parse(toString(a)) equals a', () => {
    fc.assert(
      fc.property(arbAddr, (a) => {
        assert.ok(Addr.parse(a.toString()).equals(a), a.toString());
      }),
      { numRuns: 3000 },
    );
  });

  it('IPv4 text is the four bytes in decimal', () => {
    fc.assert(
      fc.property(v4Value, (v) => {
        const bytes = [24n, 16n, 8n, 0n].map((s) => ((v >> s) & 255n).toString());
        assert.equal(Addr.from(4, v).toString(), bytes.join('.'));
      }),
    );
  });

  it('IPv6 text matches the WHATWG URL serializer (RFC 5952 compression) outside ::ffff:0:0/96', () => {
    fc.assert(
      fc.property(v6Value, (v) => {
        fc.pre(v >> 32n !== 0xffffn);
        const a = Addr.from(6, v);
        assert.equal(`[${a.toString()}]`, new URL(`http://[${a.toString()}]/`).hostname);
        assert.equal(new URL(`http://[${v.toString(16).padStart(32, '0').replace(/(....)(?!$)/g, '$1:')}]/`).hostname, `[${a.toString()}]`);
      }),
      { numRuns: 3000 },
    );
  });

  it('int32 is the IPv4 value as a signed 32-bit number on every way an Addr is made (0 for IPv6), so equal values are deep-equal', () => {
    const int32Of = (a: Addr): number => (a.family === 4 ? Number(BigInt.asIntN(32, a.value)) : 0);
    fc.assert(
      fc.property(arbAddr, fc.integer({ min: 0, max: 128 }), (a, bits) => {
        const p = Prefix.from(a, Math.min(bits, a.bitLen));
        const made = [
          a,
          Addr.parse(a.toString()),
          Addr.from(a.family, a.value),
          Addr.fromCanonical(a.family, a.value),
          p.addr,
          p.last,
          Prefix.parse(p.toString()).addr,
          ...(a.value > 0n ? [a.add(-1n)] : []),
          ...(a.family === 4 ? [Addr.fromUint32(Number(a.value)), Prefix.fromUint32(Number(p.addr.value), p.bits).addr] : []),
        ];
        for (const m of made) assert.equal(m.int32, int32Of(m), m.toString());
        assert.deepStrictEqual(Addr.parse(a.toString()), Addr.from(a.family, a.value));
      }),
      { numRuns: 2000 },
    );
  });

  it('Prefix: parse(toString(p)) equals p', () => {
    fc.assert(
      fc.property(arbPrefix, (p) => {
        assert.ok(Prefix.parse(p.toString()).equals(p), p.toString());
      }),
      { numRuns: 3000 },
    );
  });

  it('Prefix.from masks like the reference; parse rejects host bits naming that form', () => {
    fc.assert(
      fc.property(arbAddr, fc.nat(128), (a, n) => {
        const bits = n % (a.bitLen + 1);
        const p = Prefix.from(a, bits);
        assert.ok(p.addr.equals(refMask(a, bits)));
        const text = `${a.toString()}/${bits}`;
        if (p.addr.equals(a)) {
          assert.ok(Prefix.parse(text).equals(p));
        } else {
          assert.throws(
            () => Prefix.parse(text),
            (e: unknown) => e instanceof NetError && e.code === 'PREFIX_HOST_BITS_SET' && e.message.includes(`did you mean ${p.toString()}?`),
          );
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('contains agrees with the reference', () => {
    fc.assert(
      fc.property(
        arbPrefix.chain((p) => fc.tuple(fc.constant(p), arbNear(p))),
        ([p, a]) => {
          assert.equal(p.contains(a), refContains(p, a), `${p.toString()} ∋ ${a.toString()}`);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('overlaps, containsPrefix and compare agree with the reference', () => {
    const related = arbPrefix.chain((p) =>
      fc.tuple(
        fc.constant(p),
        fc.oneof(
          arbPrefix,
          arbNear(p).chain((a) => fc.integer({ min: 0, max: a.bitLen }).map((b) => Prefix.from(a, b))),
        ),
      ),
    );
    fc.assert(
      fc.property(related, ([p, q]) => {
        const what = `${p.toString()} vs ${q.toString()}`;
        assert.equal(p.overlaps(q), refOverlaps(p, q), what);
        assert.equal(q.overlaps(p), p.overlaps(q), what);
        assert.equal(p.containsPrefix(q), p.family === q.family && q.bits >= p.bits && netBits(q).startsWith(netBits(p)), what);
        assert.equal(sign(p.compare(q)), refCompare(p, q), what);
        assert.equal(sign(q.compare(p)), sign(-refCompare(p, q)), what);
        assert.equal(p.equals(q), refCompare(p, q) === 0, what);
      }),
      { numRuns: 3000 },
    );
  });

  it('subnet agrees with the reference and stays inside its parent', () => {
    const arb = arbPrefix.chain((p) =>
      fc.integer({ min: p.bits, max: Math.min(p.addr.bitLen, p.bits + 70) }).chain((nb) =>
        fc.tuple(fc.constant(p), fc.constant(nb), fc.bigInt(0n, (1n << BigInt(nb - p.bits)) - 1n)),
      ),
    );
    fc.assert(
      fc.property(arb, ([p, nb, i]) => {
        const s = p.subnet(nb, i);
        assert.equal(s.toString(), refSubnet(p, nb, i));
        assert.ok(p.containsPrefix(s));
      }),
      { numRuns: 3000 },
    );
  });
});

describe('bulk parsing', () => {
  it('parses 150,000 IPv4 addresses (a 5k-node cluster\'s pods) to the value of their octets, and prints each back as its input', () => {
    const texts = Array.from({ length: 150_000 }, (_, i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
    const wrong: string[] = [];
    texts.forEach((t, i) => {
      const a = Addr.parse(t);
      const want = (10n << 24n) | BigInt(i);
      if (a.family !== 4 || a.value !== want || a.toString() !== t) wrong.push(`${t} -> family ${a.family}, value ${a.value}, text ${a.toString()}`);
    });
    assert.deepEqual(wrong.slice(0, 5), []);
  });
});
