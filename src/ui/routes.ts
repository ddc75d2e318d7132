// The web console at /ui (SPEC §10): a public shell (index.html for every
// /ui page, so deep links work), its static assets, and /ui/session, which
// tells the shell whether it needs a token and whether the one it has is
// good, always as a 200. Everything the browser loads comes from here; the
// Content-Security-Policy lets it load nothing from anywhere else.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { TokenService } from '../service/tokens.js';

const CSP = [
  "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data: blob:", "connect-src 'self'",
  "font-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.map': 'application/json; charset=utf-8', '.png': 'image/png',
};

interface Asset { body: Buffer; type: string; etag: string }

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * Where the compiled browser modules are: next to this file in a build
 * (dist/ui/client), or the last build's when podnet runs from its sources
 * (tests, tsx), since a browser cannot run the .ts files.
 */
export function consoleScriptsDir(): string | null {
  for (const dir of [path.join(here, 'client'), path.resolve(here, '../../dist/ui/client')]) {
    if (fs.existsSync(path.join(dir, 'main.js'))) return dir;
  }
  return null;
}

/** Every file under `dir` that a browser may load, by its URL path below /ui/assets/. */
function readAssets(dir: string, prefix = '', out = new Map<string, Asset>()): Map<string, Asset> {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) readAssets(p, `${prefix}${e.name}/`, out);
    else {
      const type = TYPES[path.extname(e.name)];
      if (!type) continue;
      const body = fs.readFileSync(p);
      out.set(`${prefix}${e.name}`, { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` });
    }
  }
  return out;
}

export const consoleRoutes: FastifyPluginAsync<{ tokens: TokenService; auth: boolean }> = async (app, { tokens, auth }) => {
  const staticDir = path.join(here, 'static');
  const assets = readAssets(staticDir);
  const scripts = consoleScriptsDir();
  if (scripts) readAssets(scripts, '', assets);
  const shell = assets.get('index.html')!;
  assets.delete('index.html');

  const send = (reply: FastifyReply, a: Asset, cache: string) =>
    reply.header('content-security-policy', CSP).header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer')
      .header('cache-control', cache).header('etag', a.etag).type(a.type).send(a.body);

  // The path page reads from/to; they are the only query a console URL carries.
  const endpoint = { type: 'string', maxLength: 300 } as const;
  const page = { config: { scope: 'public' as const }, schema: { hide: true, querystring: { type: 'object', properties: { from: endpoint, to: endpoint } } } };
  const asset = { config: { scope: 'public' as const }, schema: { hide: true } };
  const sendShell = async (_req: unknown, reply: FastifyReply) => {
    if (!scripts) {
      return reply.code(503).type('text/plain; charset=utf-8')
        .send('The console is not built: run `npm run build` (npm install and npm start do it).\n');
    }
    return send(reply, shell, 'no-cache');
  };
  app.get('/ui', page, sendShell);
  app.get('/ui/', page, sendShell);
  app.get('/ui/clusters', page, sendShell);
  app.get('/ui/clusters/*', page, sendShell);
  // Any other console URL: the shell too, as a 404, so the console says "No such page" in its own frame
  // rather than a browser showing a JSON problem document.
  app.get('/ui/*', page, async (req, reply) => sendShell(req, reply.code(404)));

  app.get<{ Params: { '*': string } }>('/ui/assets/*', asset, async (req, reply) => {
    const a = assets.get(req.params['*']);
    if (!a) return reply.code(404).type('text/plain; charset=utf-8').send('no such console asset\n');
    if (req.headers['if-none-match'] === a.etag) return reply.code(304).send();
    return send(reply, a, 'no-cache');
  });

  app.get('/ui/session', { config: { scope: 'public' }, schema: { hide: true } }, async (req) => {
    if (!auth) return { auth: false, valid: true, scope: 'admin' };
    const m = typeof req.headers.authorization === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization) : null;
    const scope = m ? await tokens.scopeOf(m[1]!) : null;
    return { auth: true, valid: scope !== null, scope };
  });
};
