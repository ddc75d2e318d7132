// The podnet command. `serve` runs the service; every other command is an
// HTTP client of a running service (it never imports fastify).
import { ConfigError, loadClientConfig, loadConfig } from '../config.js';

const SERVE_HELP = `usage: podnet serve

Runs the podnet service: what npm start runs. It takes no arguments; it is
configured by environment (README, "Configuration"): PORT (3000), HOST
(127.0.0.1), DATABASE_URL (unset: an embedded PostgreSQL under
PODNET_DATA_DIR), LOG_LEVEL (info), PODNET_ADMIN_TOKEN, PODNET_AUTH and the
other PODNET_* variables. SIGTERM or SIGINT stops it gracefully.
`;

async function main(argv: string[]): Promise<number> {
  const [command] = argv;
  if (command === 'serve' && argv.length > 1) {
    // Never start a server for `serve --help` or a stray argument.
    if (argv.slice(1).every((a) => a === '--help' || a === '-h')) {
      process.stdout.write(SERVE_HELP);
      return 0;
    }
    console.error(`podnet serve: unexpected argument ${JSON.stringify(argv[1])}; serve takes none (configuration is by environment; podnet serve --help)`);
    return 2;
  }
  let config;
  try {
    config = command === 'serve' ? loadConfig() : loadClientConfig();
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
