// DATABASE_URL forms that the two PostgreSQL clients read differently (no imports:
// start-failure.ts reads it before anything has connected).

/**
 * The socket file `url` names, and `url` without what names it, when it
 * names a Unix-domain socket as libpq does: a `host` parameter that is a
 * directory (`postgresql://me@localhost/db?host=/var/run/postgresql`, or
 * `postgresql:///db?host=…`), or the directory percent-encoded as the host
 * (`postgresql://me@%2Fvar%2Frun%2Fpostgresql/db`); a `port` parameter (or
 * the URL's port) picks the socket, 5432 by default. postgres.js 3.4 reads
 * neither form (it sends `host` to the server as a setting, which refuses to
 * start the session, or looks the directory up in DNS). null for any other URL.
 */
export function unixSocketOf(url: string): { url: string; path: string } | null {
  let u: URL;
  let host: string;
  try {
    u = new URL(url);
    host = decodeURIComponent(u.hostname);
  } catch {
    return null;
  }
  const param = u.searchParams.get('host');
  const dir = param !== null && param.startsWith('/') ? param : host.startsWith('/') ? host : null;
  if (dir === null) return null;
  const port = u.searchParams.get('port') || u.port || '5432';
  u.searchParams.delete('host');
  u.searchParams.delete('port');
  if (host.startsWith('/')) u.hostname = 'localhost';
  return { url: u.toString(), path: `${dir.replace(/\/+$/, '')}/.s.PGSQL.${port}` };
}
