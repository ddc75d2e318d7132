// `podnet serve`: boot (src/boot.ts), listen, and close on SIGINT/SIGTERM.
// A start that fails prints one line (cause and fix) and exits non-zero, so
// systemd's Restart=on-failure and CI steps see it.
import type { FastifyInstance } from 'fastify';
import { bootApp } from './boot.js';
import type { Config } from './config.js';
import { createLogger, type Logger } from './log.js';
import { tuneHeap } from './memory.js';
import { explainStartFailure } from './start-failure.js';

export interface RunningServer {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

export async function startServer(config: Config, log: Logger = createLogger(config)): Promise<RunningServer> {
  const app = await bootApp(config, log);
  try {
    const url = await app.listen({ port: config.port, host: config.host });
    return { app, url, close: () => app.close() };
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
  return null;
}
