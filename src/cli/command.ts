// What every client command is made of: its words, arguments and options,
// and a run function over a context that holds the HTTP client and the
// chosen output. Exit codes (SPEC §8): 0 success; 1 a negative answer
// (verify failed, path not DELIVERED, a 4xx); 2 a usage error; 3 the server
// is unreachable or answered 5xx.
import { readFile } from 'node:fs/promises';
import type { Config } from '../config.js';
import { UsageError, type OptionSpecs, type OptionValue } from './args.js';
import { DEFAULT_WIDTH, json, table, type Cell, type Style } from './format.js';
import type { Client } from './http.js';

export const EXIT = { OK: 0, NEGATIVE: 1, USAGE: 2, SERVER: 3 } as const;

/** A usage error about a file (unreadable, unparseable): no usage text with it. */
export class InputError extends UsageError {}

export const OUTPUT_MODES = ['json', 'yaml', 'wide'] as const;
/** `table` is the default: tables that fit 80 columns. */
export type OutputMode = 'table' | (typeof OUTPUT_MODES)[number];

export interface Ctx {
  client: Client;
  config: Config;
  out(s: string): void;
  err(s: string): void;
  style: Style;
  errStyle: Style;
  output: OutputMode;
  /** The width default output fits; null with `-o wide` (and for machine output). */
  width: number | null;
}

export type Values = Record<string, OptionValue>;

export interface Command {
  /** The words that select it, e.g. ['get', 'cluster']. */
  words: string[];
  args: string[];
  /** Options shown after the arguments in the usage line. */
  optionsUsage?: string;
  summary: string;
  options: OptionSpecs;
  /** Extra help text (option descriptions). */
  help?: string;
  run(ctx: Ctx, args: string[], values: Values): Promise<number>;
}

/** `-o json|yaml|wide`, and `--json` for `-o json` (SPEC §8). */
export const OUTPUT_OPTIONS = {
  output: { type: 'string', short: 'o', choices: OUTPUT_MODES },
  json: { type: 'boolean' },
} as const satisfies OptionSpecs;
export const OUTPUT_USAGE = '[-o json|yaml|wide]';
export const OUTPUT_HELP = [
  '  -o json|yaml    the server\'s answer as JSON or YAML (--json is -o json)',
  '  -o wide         tables with every column and whole cells (by default they',
  '                  fit 80 columns, long cells cut with …)',
].join('\n');

export const LIMIT_OPTIONS = { limit: { type: 'string' } } as const satisfies OptionSpecs;
export const LIMIT_HELP = '  --limit N       at most N items (the list is fetched page by page)';

export function usageOf(c: Command): string {
  return ['podnet', ...c.words, ...c.args, ...(c.optionsUsage ? [c.optionsUsage] : [])].join(' ');
}

/** The output mode the options ask for; `--json` with another `-o` is a usage error. */
export function outputModeOf(values: Values, usage?: string): OutputMode {
  const o = values.output as OutputMode | undefined;
  if (values.json === true) {
    if (o !== undefined && o !== 'json') throw new UsageError(`--json conflicts with -o ${o}`, usage);
    return 'json';
  }
  return o ?? 'table';
}

/** `--limit N`: a positive integer, or Infinity when not given. */
export function limitOf(values: Values, usage?: string): number {
  const raw = values.limit;
  if (raw === undefined) return Infinity;
  if (typeof raw !== 'string' || !/^[1-9]\d{0,8}$/.test(raw)) throw new UsageError(`option --limit: expected a positive integer, got ${JSON.stringify(raw)}`, usage);
  return Number(raw);
}

export const isMachine = (ctx: Ctx): boolean => ctx.output === 'json' || ctx.output === 'yaml';

/** Writes `value` as JSON or YAML, as `-o` asked. */
export async function printData(ctx: Ctx, value: unknown): Promise<void> {
  if (ctx.output === 'yaml') {
    const { default: YAML } = await import('yaml');
    ctx.out(YAML.stringify(value, { aliasDuplicateObjects: false }));
  } else {
    ctx.out(json(value));
  }
}

/** A table in the context's width (80 columns, or whole with -o wide). */
export function printTable(ctx: Ctx, header: readonly string[], rows: readonly (readonly Cell[])[]): void {
  ctx.out(table(header, rows, ctx.style, ctx.width));
}

/** A list answer: the items, and a note on stderr when --limit left some out. */
export async function printList<T>(ctx: Ctx, list: { items: T[]; total: number | null; more: boolean }, empty: string, render: (items: T[]) => void): Promise<void> {
  if (isMachine(ctx)) {
    await printData(ctx, { items: list.items, ...(list.total !== null ? { total: list.total } : {}) });
    return;
  }
  if (list.items.length === 0) ctx.err(`${empty}\n`);
  else render(list.items);
  if (list.more) ctx.err(`(${list.items.length}${list.total !== null ? ` of ${list.total}` : ''} shown; raise --limit for more)\n`);
}

export function defaultWidth(mode: OutputMode): number | null {
  return mode === 'table' ? DEFAULT_WIDTH : null;
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) throw new InputError('-f -: stdin is a terminal; pipe the definition in, or name a file');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A file's text (`-` is stdin); a file that cannot be read is an InputError naming it. */
export async function readInput(file: string): Promise<string> {
  if (file === '-') return readStdin();
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'it is a directory' : e.code === 'EACCES' ? 'permission denied' : e.message;
    throw new InputError(`cannot read ${file}: ${why}`);
  }
}

/** YAML or JSON text (JSON is read as JSON first: large kubectl dumps parse much faster so). */
export async function parseDocument(text: string, where: string): Promise<unknown> {
  try {
    return JSON.parse(text);
  } catch {
    // not JSON: YAML below
  }
  const { default: YAML } = await import('yaml');
  try {
    return YAML.parse(text, { maxAliasCount: 100 });
  } catch (err) {
    throw new InputError(`cannot parse ${where}: ${(err as Error).message.split('\n')[0]!.replace(/:\s*$/, '')}`);
  }
}
