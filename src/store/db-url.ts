// DATABASE_URL forms that the two PostgreSQL clients read differently (no imports:
// start-failure.ts reads it before anything has connected).

/**
 * What postgres.js needs to reach the server `url` names as libpq, and so
 * node-postgres (Prisma's adapter, which is given `url` as is), reads it:
 * - a `host` parameter wins over the URL's host: a directory names a
 *   Unix-domain socket (`postgresql://me@localhost/db?host=/var/run/postgresql`,
 *   `postgresql:///db?host=…`), anything else a host name or address;
 * - a URL host that is a percent-encoded directory names a socket too
 *   (`postgresql://me@%2Fvar%2Frun%2Fpostgresql/db`);
 * - a `port` parameter wins over the URL's port (and picks the socket file,
 *   `.s.PGSQL.<port>`, 5432 by default).
 * postgres.js 3.4 reads none of these: it sends `host` and `port` to the
 * server as settings, which refuses to start the session, and looks an
 * encoded directory up in DNS. So they become its URL's host and port, or its
 * `path` option. A URL it already reads the same way comes back unchanged
 * (path null); so does one with a list of hosts, or with both an encoded
 * directory and a host parameter, which this does not rewrite.
 */
export function postgresJsTarget(url: string): { url: string; path: string | null } {
  const same = { url, path: null };
  let u: URL;
  let host: string;
  try {
    u = new URL(url);
    host = decodeURIComponent(u.hostname);
  } catch {
    return same;
  }
  const hostParam = u.searchParams.get('host');
  const portParam = u.searchParams.get('port');
  if (hostParam === null && portParam === null && !host.startsWith('/')) return same;
  if ((hostParam ?? '').includes(',') || (portParam ?? '').includes(',')) return same;
  // An encoded directory as the host and a host parameter too: node-postgres reads that its own way (the directory joins the database name).
  if (hostParam !== null && host.startsWith('/')) return same;
  const port = portParam || u.port || '5432';
  u.searchParams.delete('host');
  u.searchParams.delete('port');
  const target = hostParam ?? host;
  if (target.startsWith('/')) {
    if (host.startsWith('/') || host === '') u.hostname = 'localhost';
    if (portParam !== null) u.port = portParam;
    return { url: u.toString(), path: `${target.replace(/\/+$/, '')}/.s.PGSQL.${port}` };
  }
  if (hostParam !== null) u.hostname = hostParam.includes(':') && !hostParam.startsWith('[') ? `[${hostParam}]` : hostParam;
  if (portParam !== null) u.port = portParam;
  return { url: u.toString(), path: null };
}
