// `podnet serve`: boot (src/boot.ts), listen, and close on SIGINT/SIGTERM.
// A start that fails prints one line (cause and fix) and exits non-zero, so
// systemd's Restart=on-failure and CI steps see it.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { bootApp } from './boot.js';
import type { Config } from './config.js';
import { createLogger, type Logger } from './log.js';
import { tuneHeap } from './memory.js';
import { explainStartFailure } from './start-failure.js';
import { isDatabaseUnavailable } from './store/failures.js';

export interface RunningServer {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

/**
 * Connections and the requests in flight on each. Closing the server waits
 * for requests, not for connections: one that never sent a whole request
 * (half its headers, or nothing) held a shutdown for its whole grace
 * period, since Node stops its header timeout once the server closes.
 */
function trackConnections(server: Server): { closeQuiet(): void } {
  const inFlight = new Map<Socket, number>();
  let closing = false;
  server.on('connection', (socket: Socket) => {
    inFlight.set(socket, 0);
    socket.once('close', () => inFlight.delete(socket));
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    inFlight.set(socket, (inFlight.get(socket) ?? 0) + 1);
    res.once('close', () => {
      const n = (inFlight.get(socket) ?? 1) - 1;
      inFlight.set(socket, n);
      if (closing && n === 0) socket.destroy();
    });
  });
  return {
    closeQuiet() {
      closing = true;
      for (const [socket, n] of inFlight) if (n === 0) socket.destroy();
    },
  };
}

export async function startServer(config: Config, log: Logger = createLogger(config)): Promise<RunningServer> {
  const app = await bootApp(config, log);
  try {
    const connections = trackConnections(app.server);
    const url = await app.listen({ port: config.port, host: config.host });
    return {
      app, url,
      close: () => {
        const closed = app.close();
        connections.closeQuiet();
        return closed;
      },
    };
  } catch (err) {
    await app.close();
    throw err;
  }
}

/** Exit status of a start that failed (a bad configuration is 2, as a usage error). */
export const START_FAILED = 1;
const SHUTDOWN_GRACE_MS = 15_000;

/** Runs until SIGINT/SIGTERM. Resolves with an exit status only when the start failed. */
export async function serve(config: Config): Promise<number | null> {
  const log = createLogger(config);
  tuneHeap(config.heapGrowthPercent);
  let server: RunningServer;
  try {
    server = await startServer(config, log);
  } catch (err) {
    log.debug({ err }, 'start failed');
    const { reason, fix } = explainStartFailure(err, config);
    process.stderr.write(`podnet: cannot start: ${reason} (${fix})\n`);
    return START_FAILED;
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    setTimeout(() => process.exit(1), SHUTDOWN_GRACE_MS).unref();
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('unhandledRejection', unhandledRejection(log));
  return null;
}

/**
 * What an unhandled rejection does to a running service. postgres.js starts
 * a query of its own on every new connection (the server's array types) and
 * hands its promise to no one: when the database goes away during it, the
 * rejection is unhandled, and Node's default ends the process. A database
 * outage is answered with 503s and recovered from (README, /readyz), so
 * such a rejection is logged and the service carries on. Any other one is
 * thrown, as Node's default would: the process ends with it.
 */
export function unhandledRejection(log: Pick<Logger, 'warn'>): (reason: unknown) => void {
  return (reason) => {
    if (isDatabaseUnavailable(reason)) {
      log.warn({ err: reason }, 'a database client dropped a failure it could not hand back (the database is unavailable); the service carries on');
      return;
    }
    throw reason;
  };
}
