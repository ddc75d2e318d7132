// The service's one logger: JSON lines for machines, or pino-pretty's
// human-readable lines on a terminal (LOG_FORMAT=auto) or when asked for.
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { Config } from './config.js';

export type { Logger };

export function createLogger(config: Pick<Config, 'logLevel' | 'logFormat'>, isTty = process.stdout.isTTY === true): Logger {
  const human = config.logFormat === 'pretty' || (config.logFormat === 'auto' && isTty);
  if (!human) return pino({ level: config.logLevel });
  // Synchronous, so the last lines before an exit are never lost.
  return pino({ level: config.logLevel }, pretty({ colorize: isTty, sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' }));
}
