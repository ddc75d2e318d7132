// GraphiQL at /graphiql, served entirely by podnet: the page and its script
// from beside this file, React and GraphiQL from their npm packages (the
// browser needs nothing from the internet). Mercurius' own page loads them
// from a CDN, so it is turned off.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync } from 'fastify';

interface Asset { file: string; type: string }

const here = path.join(path.dirname(fileURLToPath(import.meta.url)), 'graphiql');
const require = createRequire(import.meta.url);
const inPackage = (pkg: string, file: string) => path.join(path.dirname(require.resolve(`${pkg}/package.json`)), file);
const JS = 'text/javascript; charset=utf-8';

/** Everything the page loads, by its name under /graphiql/assets/. */
function assets(): Record<string, Asset> {
  return {
    'react.production.min.js': { file: inPackage('react', 'umd/react.production.min.js'), type: JS },
    'react-dom.production.min.js': { file: inPackage('react-dom', 'umd/react-dom.production.min.js'), type: JS },
    'graphiql.min.js': { file: inPackage('graphiql', 'graphiql.min.js'), type: JS },
    'graphiql.min.css': { file: inPackage('graphiql', 'graphiql.min.css'), type: 'text/css; charset=utf-8' },
    'podnet-graphiql.js': { file: path.join(here, 'podnet-graphiql.js'), type: JS },
  };
}

export const graphiqlRoutes: FastifyPluginAsync = async (app) => {
  const files = new Map(Object.entries(assets()).map(([name, a]) => [name, { body: fs.readFileSync(a.file), type: a.type }]));
  const page = fs.readFileSync(path.join(here, 'index.html'));
  const opts = { config: { scope: 'public' as const }, schema: { hide: true } };

  app.get('/graphiql', opts, async (_req, reply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(page));
  app.get<{ Params: { name: string } }>('/graphiql/assets/:name', opts, async (req, reply) => {
    const asset = files.get(req.params.name);
    if (!asset) return reply.callNotFound();
    return reply.type(asset.type).header('cache-control', 'public, max-age=3600').send(asset.body);
  });
};
