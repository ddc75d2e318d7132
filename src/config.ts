// The only reader of process.env. Every value is validated once, at start;
// a bad value stops the process with a message that names the variable.
import path from 'node:path';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export type LogFormat = 'json' | 'pretty' | 'auto';
const LOG_FORMATS: readonly LogFormat[] = ['json', 'pretty', 'auto'];

export interface Config {
  port: number;
  host: string;
  /** null: run an embedded PostgreSQL under dataDir. */
  databaseUrl: string | null;
  logLevel: LogLevel;
  /** `auto`: human-readable lines on a terminal, JSON otherwise. */
  logFormat: LogFormat;
  /** Where the embedded database and other local state live. */
  dataDir: string;
  /** Port for the embedded PostgreSQL; 0 = pick a free one. */
  embeddedPgPort: number;
  auth: boolean;
  /**
   * /metrics needs a read token (SPEC §8 lists the public routes; it is not
   * one of them): its labels name every cluster. PODNET_METRICS_AUTH=off
   * makes it public, for a Prometheus that scrapes without credentials.
   */
  metricsAuth: boolean;
  adminToken: string | null;
  /** Client side (CLI). */
  url: string;
  token: string | null;
  limits: Limits;
  /**
   * PODNET_HEAP_GROWTH: how far (percent) V8 lets the heap grow past what
   * the last full collection kept before it collects again; 0 leaves V8's own
   * factor (up to 300 %). See src/memory.ts.
   */
  heapGrowthPercent: number;
  /**
   * PODNET_GRAPHQL_FAST_PATH=off: every GraphQL request through mercurius,
   * `path` queries included (src/api/graphql/fast-path.ts). On by default.
   */
  graphqlFastPath: boolean;
  /**
   * PODNET_SOLO_READS=off: every read asks PostgreSQL for the cluster's
   * version, even on an instance that is the only one attached to its
   * database (src/store/solo-lease.ts). On by default.
   */
  soloReads: boolean;
}

/** What one request may cost the service (see README, "Limits"). */
export interface Limits {
  /** Largest request body in bytes (PODNET_BODY_LIMIT). */
  bodyLimit: number;
  /** Time to receive a whole request, headers and body (PODNET_REQUEST_TIMEOUT_MS). */
  requestTimeoutMs: number;
  /** Time to receive the request headers (PODNET_HEADERS_TIMEOUT_MS). */
  headersTimeoutMs: number;
  /** How long an idle keep-alive connection stays open (PODNET_IDLE_TIMEOUT_MS). */
  idleTimeoutMs: number;
  /** Longest wait for the database before a request answers 503 (PODNET_DB_TIMEOUT_MS). */
  dbTimeoutMs: number;
}

const MIB = 1024 * 1024;
const SIZE_UNITS: Record<string, number> = { '': 1, k: 1024, m: MIB, g: 1024 * MIB };

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function intVar(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name}=${JSON.stringify(raw)}: expected an integer`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(`${name}=${raw}: expected ${min}..${max}`);
  return n;
}

/** `1048576`, `512k`, `256m`, `1g` (binary units). */
function sizeVar(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const m = /^(\d+)\s*([kmg]?)(i?b)?$/i.exec(raw.trim());
  if (!m) throw new ConfigError(`${name}=${JSON.stringify(raw)}: expected a size such as 268435456, 512k or 256m`);
  const n = Number(m[1]) * SIZE_UNITS[m[2]!.toLowerCase()]!;
  if (n < min || n > max) throw new ConfigError(`${name}=${raw}: expected ${min} bytes .. ${max / MIB} MiB`);
  return n;
}

function loadLimits(env: Env): Limits {
  return {
    // A 65,000-node, 1.95M-pod definition is about 150 MB of JSON.
    bodyLimit: sizeVar(env, 'PODNET_BODY_LIMIT', 256 * MIB, 1024, 1024 * MIB),
    requestTimeoutMs: intVar(env, 'PODNET_REQUEST_TIMEOUT_MS', 8_000, 100, 3_600_000),
    headersTimeoutMs: intVar(env, 'PODNET_HEADERS_TIMEOUT_MS', 5_000, 100, 600_000),
    idleTimeoutMs: intVar(env, 'PODNET_IDLE_TIMEOUT_MS', 5_000, 100, 600_000),
    dbTimeoutMs: intVar(env, 'PODNET_DB_TIMEOUT_MS', 4_000, 100, 600_000),
  };
}

/** Why DATABASE_URL cannot be a connection URL (the password never shown), or null. */
function databaseUrlProblem(url: string): string | null {
  let u: URL;
  try {
    // libpq allows an empty host after a user (user@/db?host=/socket/dir); WHATWG URLs do not.
    u = new URL(url.replace(/^(postgres(?:ql)?:\/\/[^/?#]*@)(?=[/?#]|$)/, '$1localhost'));
  } catch {
    return 'not a valid URL (a port that is not a number, or a space?)';
  }
  for (const [part, text] of [['user name', u.username], ['password', u.password], ['database name', u.pathname]] as const) {
    try {
      decodeURIComponent(text);
    } catch {
      return `its ${part} has a % that is not followed by two hex digits`;
    }
  }
  return null;
}

/** What a client command reads of the environment: the server's own variables (PORT, LOG_LEVEL, …) are not its business. */
const CLIENT_ENV = ['PODNET_URL', 'PODNET_TOKEN'] as const;

/** The configuration of a client command: PODNET_URL and PODNET_TOKEN read, every server variable at its default. */
export function loadClientConfig(env: Env = process.env): Config {
  return loadConfig(Object.fromEntries(CLIENT_ENV.flatMap((k) => (env[k] === undefined ? [] : [[k, env[k]]]))));
}

export function loadConfig(env: Env = process.env): Config {
  const logLevel = (env.LOG_LEVEL ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL=${JSON.stringify(env.LOG_LEVEL)}: expected one of ${LOG_LEVELS.join(', ')}`);
  }
  const logFormat = (env.LOG_FORMAT || 'auto').toLowerCase() as LogFormat;
  if (!LOG_FORMATS.includes(logFormat)) {
    throw new ConfigError(`LOG_FORMAT=${JSON.stringify(env.LOG_FORMAT)}: expected one of ${LOG_FORMATS.join(', ')}`);
  }
  const databaseUrl = env.DATABASE_URL && env.DATABASE_URL !== '' ? env.DATABASE_URL : null;
  if (databaseUrl !== null && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL: expected a postgres:// or postgresql:// URL');
  }
  if (databaseUrl !== null) {
    const why = databaseUrlProblem(databaseUrl);
    if (why) throw new ConfigError(`DATABASE_URL: ${why} (expected postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE, with special characters %-encoded)`);
  }
  const authRaw = (env.PODNET_AUTH ?? 'on').toLowerCase();
  if (!['on', 'off'].includes(authRaw)) throw new ConfigError(`PODNET_AUTH=${JSON.stringify(env.PODNET_AUTH)}: expected on or off`);
  const metricsAuthRaw = (env.PODNET_METRICS_AUTH ?? 'on').toLowerCase();
  if (!['on', 'off'].includes(metricsAuthRaw)) throw new ConfigError(`PODNET_METRICS_AUTH=${JSON.stringify(env.PODNET_METRICS_AUTH)}: expected on or off`);
  const fastPathRaw = (env.PODNET_GRAPHQL_FAST_PATH ?? 'on').toLowerCase();
  if (!['on', 'off'].includes(fastPathRaw)) throw new ConfigError(`PODNET_GRAPHQL_FAST_PATH=${JSON.stringify(env.PODNET_GRAPHQL_FAST_PATH)}: expected on or off`);
  const soloRaw = (env.PODNET_SOLO_READS ?? 'on').toLowerCase();
  if (!['on', 'off'].includes(soloRaw)) throw new ConfigError(`PODNET_SOLO_READS=${JSON.stringify(env.PODNET_SOLO_READS)}: expected on or off`);
  const adminToken = env.PODNET_ADMIN_TOKEN && env.PODNET_ADMIN_TOKEN !== '' ? env.PODNET_ADMIN_TOKEN : null;
  if (adminToken !== null && adminToken.length < 32) throw new ConfigError('PODNET_ADMIN_TOKEN: must be at least 32 characters');
  const url = env.PODNET_URL ?? 'http://127.0.0.1:3000';
  if (!/^https?:\/\//.test(url)) throw new ConfigError(`PODNET_URL=${JSON.stringify(url)}: expected an http(s) URL`);
  return {
    port: intVar(env, 'PORT', 3000, 0, 65535),
    host: env.HOST && env.HOST !== '' ? env.HOST : '127.0.0.1',
    databaseUrl,
    logLevel,
    logFormat,
    dataDir: path.resolve(env.PODNET_DATA_DIR ?? '.podnet'),
    embeddedPgPort: intVar(env, 'PODNET_PG_PORT', 54329, 0, 65535),
    auth: authRaw === 'on',
    metricsAuth: metricsAuthRaw === 'on',
    adminToken,
    url: url.replace(/\/+$/, ''),
    token: env.PODNET_TOKEN && env.PODNET_TOKEN !== '' ? env.PODNET_TOKEN : null,
    limits: loadLimits(env),
    heapGrowthPercent: intVar(env, 'PODNET_HEAP_GROWTH', 50, 0, 1000),
    graphqlFastPath: fastPathRaw === 'on',
    soloReads: soloRaw === 'on',
  };
}
