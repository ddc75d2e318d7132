// The podnet server under benchmark, as its own process (started by
// bench/run.ts through `node [--cpu-prof] --import tsx bench/server.ts`).
// Its own process so that the bench client (JSON building, autocannon) does
// not share the server's event loop, so that RSS is the service's alone, and
// so that a CPU profile shows the server only.
//
// Talks to its parent over the IPC channel: sends {type:'ready', url, pid}
// once listening; answers {type:'mem'} with process.memoryUsage(); on
// {type:'stop'} (or SIGTERM) closes the server and exits, which writes the
// CPU profile when started with --cpu-prof.
import { loadConfig } from '../src/config.js';
import { startServer } from '../src/server.js';

const send = (msg: unknown) => process.send?.(msg);

const server = await startServer(
  loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: process.env.DATABASE_URL,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    PODNET_AUTH: 'off',
  }),
);

let stopping = false;
async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  const force = setTimeout(() => process.exit(code || 1), 10_000);
  force.unref();
  try {
    await server.close();
  } finally {
    process.exit(code);
  }
}

process.on('message', (msg: { type?: string; id?: number }) => {
  if (msg?.type === 'mem') {
    if (typeof globalThis.gc === 'function' && (msg as { gc?: boolean }).gc) globalThis.gc();
    send({ type: 'mem', id: msg.id, mem: process.memoryUsage() });
  } else if (msg?.type === 'stop') {
    void stop(0);
  }
});
process.on('SIGTERM', () => void stop(0));
process.on('SIGINT', () => void stop(0));
process.on('disconnect', () => void stop(0));

send({ type: 'ready', url: server.url, pid: process.pid });
