// The definitions in examples/ (the README's tour uses them) apply as they
// are, and each one verifies.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import request from 'supertest';
import { startTestApp, type TestApp } from './helpers/app.js';

const dir = fileURLToPath(new URL('../examples/', import.meta.url));
const examples = fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();

describe('examples/', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(async () => t?.close());

  test('holds the demo, a vxlan and a two-rack cluster', () => {
    assert.deepEqual(examples, ['demo.yaml', 'two-rack.yaml', 'vxlan.yaml']);
  });

  for (const file of examples) {
    test(`${file} applies as YAML and verifies`, async () => {
      const body = fs.readFileSync(path.join(dir, file), 'utf8');
      const created = await request(t.server).post('/v1/clusters').set('content-type', 'application/yaml').send(body);
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const verify = await request(t.server).get(`/v1/clusters/${created.body.name}/verify`).expect(200);
      assert.equal(verify.body.ok, true, JSON.stringify(verify.body.checks.filter((c: { ok: boolean }) => !c.ok)));
    });
  }
});
