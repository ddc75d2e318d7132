# podnet as a container: `docker compose up` runs it next to PostgreSQL.
# Two stages: `build` installs every dependency and compiles src/ into dist/;
# the final image holds only dist/, the migrations and the production
# dependencies (no compiler, no tsx, no dev dependencies).
# Without DATABASE_URL the image falls back to an embedded PostgreSQL under
# /app/.podnet; in compose, DATABASE_URL always points at the postgres service.
FROM node:20-bookworm-slim AS build
ENV NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false
WORKDIR /src
# --ignore-scripts: the root postinstall needs the sources, copied below; no
# dependency needs its install script.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY . .
# The Prisma client without the schema engine download, then tsc into dist/.
RUN npm run generate && npm run build

FROM node:20-bookworm-slim
# MALLOC_TRIM_THRESHOLD_: see README, "Memory" (glibc keeps freed buffers otherwise).
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    MALLOC_TRIM_THRESHOLD_=131072 \
    PORT=3000 \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false
WORKDIR /app
RUN chown node:node /app
USER node
# Production dependencies only; the layer is reused until the lockfile changes.
# (embedded-postgres' library symlinks are recreated at start, see src/store/embedded-place.ts.)
COPY --chown=node:node package.json package-lock.json ./
# The lockfile counts TypeScript and the Prisma CLI as production packages (optional
# peers of @prisma/client); the service needs neither: no compiler in the image (SPEC §7).
RUN npm ci --omit=dev --ignore-scripts \
 && rm -rf node_modules/typescript node_modules/prisma \
           node_modules/.bin/tsc node_modules/.bin/tsserver node_modules/.bin/prisma
COPY --chown=node:node --from=build /src/dist ./dist
COPY --chown=node:node prisma/migrations ./prisma/migrations
COPY --chown=node:node bin ./bin

EXPOSE 3000
# curl is not in the slim image; Node 20 has fetch.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"

# node is PID 1 and podnet handles SIGTERM itself (graceful shutdown).
CMD ["node", "dist/cli/main.js", "serve"]
