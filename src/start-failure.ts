// Why `podnet serve` could not start, as one line a person can act on: the
// cause and the fix, never a stack trace (systemd, CI logs and terminals show
// that line; LOG_LEVEL=debug logs the error in full).
import type { Config } from './config.js';
import { postgresJsTarget } from './store/db-url.js';
import { MigrationError } from './store/migrator.js';
import { StartupError } from './store/startup-error.js';

interface ErrorLike {
  code?: string;
  errno?: string;
  syscall?: string;
  path?: string;
  address?: string;
  port?: number;
  message?: string;
  cause?: unknown;
  errors?: unknown[];
}

/** Where DATABASE_URL points, without its credentials. */
function databaseTarget(config: Config): { where: string; database: string } {
  try {
    const target = postgresJsTarget(config.databaseUrl ?? '');
    const u = new URL(target.url);
    return { where: target.path ?? `${u.hostname}:${u.port || '5432'}`, database: decodeURIComponent(u.pathname.slice(1)) || '(default)' };
  } catch {
    return { where: 'DATABASE_URL', database: '(unknown)' };
  }
}

/** The innermost error carrying a code (connection errors nest: AggregateError, cause). */
function codeOf(err: unknown): ErrorLike {
  let e = err as ErrorLike | undefined;
  for (let i = 0; i < 5 && e; i++) {
    if (typeof e.code === 'string' && e.code !== '') return e;
    e = (e.cause ?? e.errors?.[0]) as ErrorLike | undefined;
  }
  return (err ?? {}) as ErrorLike;
}

export function explainStartFailure(err: unknown, config: Config): { reason: string; fix: string } {
  if (err instanceof StartupError) return { reason: err.reason, fix: err.fix };
  if (err instanceof MigrationError) return { reason: err.message, fix: 'fix the migration or the database, then start again' };
  const e = codeOf(err);
  const db = databaseTarget(config);
  const listenAt = `${config.host}:${config.port}`;
  const useEmbedded = config.databaseUrl ? ', or unset DATABASE_URL to use the embedded PostgreSQL' : '';
  switch (e.code) {
    case 'EADDRINUSE':
      if (e.syscall === 'listen') return { reason: `port ${config.port} on ${config.host} is already in use`, fix: 'stop what listens there (another podnet?) or set PORT to a free port' };
      break;
    case 'EACCES':
      if (e.syscall === 'listen') return { reason: `no permission to listen on ${listenAt}`, fix: 'set PORT to a port above 1023' };
      if (e.syscall === 'mkdir' && !config.databaseUrl) {
        return { reason: `no permission to make PODNET_DATA_DIR ${JSON.stringify(config.dataDir)} (${e.path ?? 'a part of it'})`, fix: 'set PODNET_DATA_DIR to a directory this user may write, or set DATABASE_URL' };
      }
      break;
    case 'EEXIST':
    case 'ENOTDIR':
      // The embedded server's directory: a file stands where it, or a parent of it, should be.
      if (e.syscall === 'mkdir' && !config.databaseUrl) {
        return { reason: `PODNET_DATA_DIR ${JSON.stringify(config.dataDir)} cannot be a directory: ${e.path ?? 'a part of it'} is a file`, fix: 'set PODNET_DATA_DIR to a directory (or a path where one can be made), or set DATABASE_URL' };
      }
      break;
    case 'EADDRNOTAVAIL':
      return { reason: `cannot listen on ${listenAt}: no such address on this machine`, fix: 'set HOST to one of its addresses (or 0.0.0.0)' };
    case 'ENOENT':
      if (e.syscall === 'connect') return { reason: `no PostgreSQL socket at ${db.where} (DATABASE_URL)`, fix: `start PostgreSQL with its socket there or fix the host in DATABASE_URL${useEmbedded}` };
      break;
    case 'ECONNREFUSED':
      return { reason: `no PostgreSQL is listening at ${db.where} (DATABASE_URL)`, fix: `start PostgreSQL there or fix DATABASE_URL${useEmbedded}` };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      // listen() looks HOST up too: the name it could not resolve says which setting it was.
      if ((e as { hostname?: string }).hostname === config.host || !config.databaseUrl) {
        return { reason: `HOST=${JSON.stringify(config.host)} does not resolve`, fix: 'set HOST to an address or a name of this machine (127.0.0.1, or 0.0.0.0 for every interface)' };
      }
      return { reason: `the DATABASE_URL host of ${db.where} does not resolve`, fix: `fix the host name in DATABASE_URL${useEmbedded}` };
    case 'CONNECT_TIMEOUT':
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return { reason: `PostgreSQL at ${db.where} does not answer`, fix: `check the network and DATABASE_URL${useEmbedded}` };
    case '3D000':
      return { reason: `database "${db.database}" does not exist on ${db.where}`, fix: `create it (createdb ${db.database}) or name an existing one in DATABASE_URL` };
    case '28P01':
    case '28000':
      return { reason: `PostgreSQL at ${db.where} refused the credentials in DATABASE_URL`, fix: 'fix the user name and password in DATABASE_URL' };
    case '42501':
      return { reason: `the DATABASE_URL user may not create podnet's tables on ${db.where}`, fix: 'grant it CREATE on the database, or use the owner' };
  }
  const message = String((err as ErrorLike | undefined)?.message ?? err).split('\n')[0] ?? '';
  return { reason: message, fix: 'run with LOG_LEVEL=debug for details' };
}
