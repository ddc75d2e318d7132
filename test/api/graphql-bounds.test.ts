// The checks a GraphQL request passes before graphql-js sees it (src/api/graphql/bounds.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'graphql';
import { MAX_NESTING, checkNesting, checkVariables, refuseJsonDocument } from '../../src/api/graphql/bounds.js';

const code = (fn: () => void): string => {
  try {
    fn();
    return 'ok';
  } catch (e) {
    return String((e as { extensions?: { code?: string }; code?: string }).extensions?.code ?? (e as { code?: string }).code);
  }
};

test('checkNesting: a document that passed passes again, a deep one is refused every time, however many passed between', () => {
  const deep = `{ a ${'{ a '.repeat(MAX_NESTING)}}`;
  const ok = `{ a ${'{ a '.repeat(MAX_NESTING - 2)}${'} '.repeat(MAX_NESTING - 1)}`;
  assert.equal(code(() => checkNesting(ok)), 'ok');
  assert.equal(code(() => checkNesting(ok)), 'ok');
  assert.equal(code(() => checkNesting(deep)), 'QUERY_TOO_DEEP');
  for (let i = 0; i < 2000; i++) checkNesting(`{ f${i} }`); // past the memo's bound: it is cleared, not grown
  assert.equal(code(() => checkNesting(deep)), 'QUERY_TOO_DEEP');
  assert.equal(code(() => checkNesting(`"${'{'.repeat(200)}" ${deep}`)), 'QUERY_TOO_DEEP', 'brackets in a string do not count, the rest does');
  assert.equal(code(() => checkNesting(`# ${'{'.repeat(200)}\n{ a }`)), 'ok', 'brackets in a comment do not count');
});

test('checkVariables: a NUL in any own key or string value, at any depth, is BAD_REQUEST; inherited properties are not variables', () => {
  assert.equal(code(() => checkVariables({ c: 'k8s', f: 'ns/a', t: 'ns/b' })), 'ok');
  assert.equal(code(() => checkVariables({ a: [{ b: 'x\u0000' }] })), 'BAD_REQUEST');
  assert.equal(code(() => checkVariables({ a: { 'k\u0000': 1 } })), 'BAD_REQUEST');
  assert.equal(code(() => checkVariables(['ok', ['no\u0000']])), 'BAD_REQUEST');
  assert.equal(code(() => checkVariables(Object.create({ inherited: '\u0000' }) as object)), 'ok');
  assert.equal(code(() => checkVariables(null)), 'ok');
});

test('refuseJsonDocument: any JSON value is refused, a syntax tree included; GraphQL text, valid or not, is left to the parser', () => {
  const tree = JSON.stringify(parse('{ __typename }', { noLocation: true }));
  for (const json of ['5', '-1', 'null', 'true', ' false ', '"x"', '[]', '{}', ' {"kind":"Document","definitions":[]}', tree, `\n\t${tree}`]) {
    assert.equal(code(() => refuseJsonDocument(json)), 'GRAPHQL_PARSE_FAILED', json);
  }
  for (const text of ['{ __typename }', '{__typename}', 'query Q { a }', '"""d""" type A { a: Int }', '{ "a" }', '[ not json', '5 { a }', 'nullable { a }', '', '  ']) {
    assert.equal(code(() => refuseJsonDocument(text)), 'ok', text);
  }
});
