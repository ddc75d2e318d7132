# podnet as a container: `docker compose up` runs it next to PostgreSQL.
# Without DATABASE_URL the image would fall back to an embedded PostgreSQL
# under /app/.podnet; in compose, DATABASE_URL always points at the postgres service.
FROM node:20-bookworm-slim

ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false

WORKDIR /app
RUN chown node:node /app
USER node

# Dependencies first, so the layer is reused until the lockfile changes.
# --ignore-scripts: no dependency needs its install script (embedded-postgres'
# symlinks are recreated at start by src/store/embedded.ts), and the root
# postinstall (`prisma generate`) needs the schema, which is copied below.
COPY --chown=node:node package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts

COPY --chown=node:node . .
# Generates the Prisma client into src/generated/ without downloading Prisma's
# schema engine (see scripts/postinstall.mjs).
RUN npm run generate

EXPOSE 3000
# curl is not in the slim image; Node 20 has fetch.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"

# node is PID 1 and podnet handles SIGTERM itself (graceful shutdown).
CMD ["node", "bin/podnet.mjs", "serve"]
