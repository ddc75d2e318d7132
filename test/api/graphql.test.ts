import { test } from 'node:test';
import request from 'supertest';
import { startTestApp } from '../helpers/app.js';

test('smoke', async () => {
  const t = await startTestApp({ LOG_LEVEL: 'debug' });
  try {
    const r = await request(t.server).post('/graphql').send({ query: 'mutation { applyCluster(definition: {name: "Bad", podCidrs: ["10.1.0.1/16"]}) { created } }' });
    console.log(r.status, JSON.stringify(r.body));
  } finally { await t.close(); }
});
