// The podnet command. `serve` runs the service; every other command is an
// HTTP client of a running service (it never imports fastify).
import { ConfigError, loadConfig } from '../config.js';

async function main(argv: string[]): Promise<number> {
  const [command] = argv;
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`podnet: configuration error: ${err.message}`);
      return 2;
    }
    throw err;
  }
  if (command === 'serve') {
    const { serve } = await import('../server.js');
    const failed = await serve(config);
    // Nothing may keep a process that failed to start alive.
    if (failed !== null) process.exit(failed);
    return -1;
  }
  const { runClient } = await import('./run.js');
  return runClient(argv, config);
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err) => {
    console.error(`podnet: ${(err as Error).stack ?? String(err)}`);
    process.exitCode = 3;
  },
);
