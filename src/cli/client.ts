import type { Config } from '../config.js';

export async function runClient(argv: string[], _config: Config): Promise<number> {
  console.error(`podnet: unknown command ${JSON.stringify(argv[0] ?? '')}; try: podnet serve`);
  return 2;
}
