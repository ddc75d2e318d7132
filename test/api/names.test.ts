// The URL patterns of src/api/names.ts accept exactly the names the
// definition reader accepts (src/net/names.ts): a stored object can always be
// addressed, and nothing else reaches a handler.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { labelParam, subdomainParam } from '../../src/api/names.js';
import { isDnsLabel, isDnsSubdomain } from '../../src/net/names.js';

const accepts = (schema: { pattern: string; maxLength: number }) => {
  const re = new RegExp(schema.pattern, 'u');
  return (s: string) => s.length <= schema.maxLength && re.test(s);
};

const nameLike = fc.string({ unit: fc.constantFrom('a', 'z', '0', '9', '-', '.', 'A', '_', ' ', '\u0000', '/'), maxLength: 300 });
const longish = fc.array(fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/), { minLength: 1, maxLength: 6 }).map((labels) => labels.join('.'));

describe('URL name patterns', () => {
  test('property: the label pattern is isDnsLabel', () => {
    fc.assert(fc.property(fc.oneof(nameLike, longish), (s) => assert.equal(accepts(labelParam)(s), isDnsLabel(s), JSON.stringify(s))), { numRuns: 3000 });
  });

  test('property: the subdomain pattern is isDnsSubdomain', () => {
    fc.assert(fc.property(fc.oneof(nameLike, longish), (s) => assert.equal(accepts(subdomainParam)(s), isDnsSubdomain(s), JSON.stringify(s))), { numRuns: 3000 });
  });

  test('edge cases', () => {
    const sub = accepts(subdomainParam);
    for (const s of ['a', 'a.b', 'a-b.c', '0', 'a'.repeat(253), ['a'.repeat(63), 'b'.repeat(63), 'c'.repeat(63), 'd'.repeat(61)].join('.')]) assert.ok(sub(s), s);
    for (const s of ['', 'a..b', 'a.-b', 'a-.b', '-a', 'a-', '.a', 'a.', 'A', 'a'.repeat(254), 'a\u0000']) assert.ok(!sub(s), s);
  });
});
