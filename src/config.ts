// The only reader of process.env. Every value is validated once, at start;
// a bad value stops the process with a message that names the variable.
import path from 'node:path';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export interface Config {
  port: number;
  host: string;
  /** null: run an embedded PostgreSQL under dataDir. */
  databaseUrl: string | null;
  logLevel: LogLevel;
  /** Where the embedded database and other local state live. */
  dataDir: string;
  /** Port for the embedded PostgreSQL; 0 = pick a free one. */
  embeddedPgPort: number;
  auth: boolean;
  adminToken: string | null;
  /** Client side (CLI). */
  url: string;
  token: string | null;
}

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

export function loadConfig(env: Env = process.env): Config {
  const logLevel = (env.LOG_LEVEL ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL=${JSON.stringify(env.LOG_LEVEL)}: expected one of ${LOG_LEVELS.join(', ')}`);
  }
  const databaseUrl = env.DATABASE_URL && env.DATABASE_URL !== '' ? env.DATABASE_URL : null;
  if (databaseUrl !== null && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL: expected a postgres:// or postgresql:// URL');
  }
  const authRaw = (env.PODNET_AUTH ?? 'on').toLowerCase();
  if (!['on', 'off'].includes(authRaw)) throw new ConfigError(`PODNET_AUTH=${JSON.stringify(env.PODNET_AUTH)}: expected on or off`);
  const adminToken = env.PODNET_ADMIN_TOKEN && env.PODNET_ADMIN_TOKEN !== '' ? env.PODNET_ADMIN_TOKEN : null;
  if (adminToken !== null && adminToken.length < 32) throw new ConfigError('PODNET_ADMIN_TOKEN: must be at least 32 characters');
  const url = env.PODNET_URL ?? 'http://127.0.0.1:3000';
  if (!/^https?:\/\//.test(url)) throw new ConfigError(`PODNET_URL=${JSON.stringify(url)}: expected an http(s) URL`);
  return {
    port: intVar(env, 'PORT', 3000, 0, 65535),
    host: env.HOST && env.HOST !== '' ? env.HOST : '127.0.0.1',
    databaseUrl,
    logLevel,
    dataDir: path.resolve(env.PODNET_DATA_DIR ?? '.podnet'),
    embeddedPgPort: intVar(env, 'PODNET_PG_PORT', 54329, 0, 65535),
    auth: authRaw === 'on',
    adminToken,
    url: url.replace(/\/+$/, ''),
    token: env.PODNET_TOKEN && env.PODNET_TOKEN !== '' ? env.PODNET_TOKEN : null,
  };
}
