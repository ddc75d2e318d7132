import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../src/config.js';

describe('loadConfig', () => {
  test('an empty environment gives the documented defaults', () => {
    assert.deepEqual(loadConfig({}), {
      port: 3000,
      host: '127.0.0.1',
      databaseUrl: null,
      logLevel: 'info',
      logFormat: 'auto',
      dataDir: path.resolve('.podnet'),
      embeddedPgPort: 54329,
      auth: true,
      metricsAuth: true,
      adminToken: null,
      url: 'http://127.0.0.1:3000',
      token: null,
      limits: { bodyLimit: 256 * 1024 * 1024, requestTimeoutMs: 8000, headersTimeoutMs: 5000, idleTimeoutMs: 5000, dbTimeoutMs: 4000 },
      heapGrowthPercent: 50,
      graphqlFastPath: true,
      soloReads: true,
    });
  });

  test('empty strings count as unset', () => {
    assert.deepEqual(loadConfig({ PORT: '', HOST: '', DATABASE_URL: '', PODNET_ADMIN_TOKEN: '', PODNET_TOKEN: '' }), loadConfig({}));
  });

  const accepted: { description: string; env: Record<string, string>; expect: Partial<ReturnType<typeof loadConfig>> }[] = [
    { description: 'PORT in range', env: { PORT: '8080' }, expect: { port: 8080 } },
    { description: 'PORT=0 picks any free port', env: { PORT: '0' }, expect: { port: 0 } },
    { description: 'HOST', env: { HOST: '0.0.0.0' }, expect: { host: '0.0.0.0' } },
    { description: 'a postgresql:// URL', env: { DATABASE_URL: 'postgresql://u:p@db:5432/podnet' }, expect: { databaseUrl: 'postgresql://u:p@db:5432/podnet' } },
    { description: 'a postgres:// URL', env: { DATABASE_URL: 'postgres://db/podnet' }, expect: { databaseUrl: 'postgres://db/podnet' } },
    ...['postgresql://me@/db?host=/var/run/postgresql', 'postgresql:///db?host=/var/run/postgresql', 'postgres://', 'postgresql://u:p%40ss@h/db'].map((url) => (
      { description: `libpq's ${url}`, env: { DATABASE_URL: url }, expect: { databaseUrl: url } })),
    { description: 'every pino level', env: { LOG_LEVEL: 'silent' }, expect: { logLevel: 'silent' } },
    { description: 'LOG_FORMAT=pretty', env: { LOG_FORMAT: 'pretty' }, expect: { logFormat: 'pretty' } },
    { description: 'LOG_FORMAT is case-insensitive', env: { LOG_FORMAT: 'JSON' }, expect: { logFormat: 'json' } },
    { description: 'PODNET_AUTH=off', env: { PODNET_AUTH: 'off' }, expect: { auth: false } },
    { description: 'PODNET_AUTH is case-insensitive', env: { PODNET_AUTH: 'OFF' }, expect: { auth: false } },
    { description: 'PODNET_METRICS_AUTH=off', env: { PODNET_METRICS_AUTH: 'off' }, expect: { metricsAuth: false } },
    { description: 'PODNET_GRAPHQL_FAST_PATH=off', env: { PODNET_GRAPHQL_FAST_PATH: 'off' }, expect: { graphqlFastPath: false } },
    { description: 'a 32-character admin token', env: { PODNET_ADMIN_TOKEN: 'x'.repeat(32) }, expect: { adminToken: 'x'.repeat(32) } },
    { description: 'PODNET_DATA_DIR is made absolute', env: { PODNET_DATA_DIR: 'var/state' }, expect: { dataDir: path.resolve('var/state') } },
    { description: 'PODNET_PG_PORT', env: { PODNET_PG_PORT: '6543' }, expect: { embeddedPgPort: 6543 } },
    { description: 'PODNET_URL loses trailing slashes', env: { PODNET_URL: 'https://podnet.example/' }, expect: { url: 'https://podnet.example' } },
    { description: 'PODNET_TOKEN', env: { PODNET_TOKEN: 'tok' }, expect: { token: 'tok' } },
    { description: 'PODNET_BODY_LIMIT in bytes', env: { PODNET_BODY_LIMIT: '1048576' }, expect: { limits: { ...loadConfig({}).limits, bodyLimit: 1048576 } } },
    { description: 'PODNET_BODY_LIMIT with a unit', env: { PODNET_BODY_LIMIT: '150m' }, expect: { limits: { ...loadConfig({}).limits, bodyLimit: 150 * 1024 * 1024 } } },
    { description: 'PODNET_BODY_LIMIT of 1g', env: { PODNET_BODY_LIMIT: '1GiB' }, expect: { limits: { ...loadConfig({}).limits, bodyLimit: 1024 ** 3 } } },
    { description: 'the timeouts', env: { PODNET_REQUEST_TIMEOUT_MS: '30000', PODNET_HEADERS_TIMEOUT_MS: '2000', PODNET_IDLE_TIMEOUT_MS: '1000', PODNET_DB_TIMEOUT_MS: '3000' },
      expect: { limits: { ...loadConfig({}).limits, requestTimeoutMs: 30000, headersTimeoutMs: 2000, idleTimeoutMs: 1000, dbTimeoutMs: 3000 } } },
    { description: 'PODNET_HEAP_GROWTH', env: { PODNET_HEAP_GROWTH: '100' }, expect: { heapGrowthPercent: 100 } },
    { description: "PODNET_HEAP_GROWTH=0 (V8's own factor)", env: { PODNET_HEAP_GROWTH: '0' }, expect: { heapGrowthPercent: 0 } },
  ];
  for (const c of accepted) {
    test(`accepts ${c.description}`, () => {
      const config = loadConfig(c.env);
      for (const [key, value] of Object.entries(c.expect)) {
        assert.deepEqual(config[key as keyof typeof config], value, key);
      }
    });
  }

  const rejected: { description: string; env: Record<string, string>; variable: string }[] = [
    { description: 'a PORT that is not a number', env: { PORT: 'abc' }, variable: 'PORT' },
    { description: 'a PORT above 65535', env: { PORT: '70000' }, variable: 'PORT' },
    { description: 'a negative PORT', env: { PORT: '-1' }, variable: 'PORT' },
    { description: 'a fractional PORT', env: { PORT: '80.5' }, variable: 'PORT' },
    { description: 'an unknown LOG_LEVEL', env: { LOG_LEVEL: 'loud' }, variable: 'LOG_LEVEL' },
    { description: 'an unknown LOG_FORMAT', env: { LOG_FORMAT: 'xml' }, variable: 'LOG_FORMAT' },
    { description: 'a DATABASE_URL for another database', env: { DATABASE_URL: 'mysql://x' }, variable: 'DATABASE_URL' },
    { description: 'a DATABASE_URL that is not a URL', env: { DATABASE_URL: 'localhost:5432' }, variable: 'DATABASE_URL' },
    { description: 'a DATABASE_URL whose port is not a number', env: { DATABASE_URL: 'postgresql://localhost:notaport/db' }, variable: 'DATABASE_URL' },
    { description: 'a DATABASE_URL with a bad %-escape', env: { DATABASE_URL: 'postgresql://%zz@localhost/db' }, variable: 'DATABASE_URL' },
    { description: 'PODNET_AUTH other than on/off', env: { PODNET_AUTH: 'maybe' }, variable: 'PODNET_AUTH' },
    { description: 'PODNET_METRICS_AUTH other than on/off', env: { PODNET_METRICS_AUTH: 'read' }, variable: 'PODNET_METRICS_AUTH' },
    { description: 'PODNET_GRAPHQL_FAST_PATH other than on/off', env: { PODNET_GRAPHQL_FAST_PATH: 'yes' }, variable: 'PODNET_GRAPHQL_FAST_PATH' },
    { description: 'a PODNET_ADMIN_TOKEN shorter than 32 characters', env: { PODNET_ADMIN_TOKEN: 'short' }, variable: 'PODNET_ADMIN_TOKEN' },
    { description: 'a PODNET_ADMIN_TOKEN of 31 characters', env: { PODNET_ADMIN_TOKEN: 'x'.repeat(31) }, variable: 'PODNET_ADMIN_TOKEN' },
    { description: 'a PODNET_PG_PORT out of range', env: { PODNET_PG_PORT: '99999' }, variable: 'PODNET_PG_PORT' },
    { description: 'a PODNET_URL without http(s)', env: { PODNET_URL: 'ftp://x' }, variable: 'PODNET_URL' },
    { description: 'a PODNET_BODY_LIMIT that is not a size', env: { PODNET_BODY_LIMIT: 'lots' }, variable: 'PODNET_BODY_LIMIT' },
    { description: 'a PODNET_BODY_LIMIT above 1 GiB', env: { PODNET_BODY_LIMIT: '2g' }, variable: 'PODNET_BODY_LIMIT' },
    { description: 'a PODNET_REQUEST_TIMEOUT_MS of 0', env: { PODNET_REQUEST_TIMEOUT_MS: '0' }, variable: 'PODNET_REQUEST_TIMEOUT_MS' },
    { description: 'a PODNET_DB_TIMEOUT_MS that is not a number', env: { PODNET_DB_TIMEOUT_MS: '5s' }, variable: 'PODNET_DB_TIMEOUT_MS' },
    { description: 'a PODNET_HEAP_GROWTH above 1000', env: { PODNET_HEAP_GROWTH: '5000' }, variable: 'PODNET_HEAP_GROWTH' },
  ];
  for (const c of rejected) {
    test(`rejects ${c.description}, naming ${c.variable}`, () => {
      assert.throws(
        () => loadConfig(c.env),
        (err: unknown) => {
          assert.ok(err instanceof ConfigError, `a ConfigError, got ${String(err)}`);
          assert.match(err.message, new RegExp(`^${c.variable}\\b`));
          return true;
        },
      );
    });
  }

  test('a valid variable does not hide a bad one', () => {
    assert.throws(() => loadConfig({ PORT: '8080', LOG_LEVEL: 'loud' }), (err: unknown) => err instanceof ConfigError && /^LOG_LEVEL\b/.test(err.message));
  });
});
