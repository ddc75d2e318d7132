// Command-line parsing on node:util's parseArgs, kept strict: known options
// only, `--name value`, `--name=value`, `-x value`, `-xvalue`, `--` ends the
// options, a string option never swallows the next option as its value, no
// empty values, values checked against their choices. Every mistake is a
// UsageError (exit code 2), never a guess.
import { parseArgs as nodeParseArgs } from 'node:util';

export class UsageError extends Error {
  /** The usage line(s) of the command the mistake was made in, if known. */
  constructor(message: string, readonly usage?: string) {
    super(message);
  }
}

export interface OptionSpec {
  type: 'boolean' | 'string';
  /** One-letter alias, without the dash. */
  short?: string;
  /** Allowed values of a string option. */
  choices?: readonly string[];
  /** May be given several times; the values come as a list. */
  multiple?: boolean;
}

export type OptionSpecs = Record<string, OptionSpec>;

export type OptionValue = string | boolean | string[] | undefined;

export interface ParsedArgs {
  positionals: string[];
  values: Record<string, OptionValue>;
}

/** True when argv asks for help (before any `--`). */
export function wantsHelp(argv: readonly string[]): boolean {
  for (const a of argv) {
    if (a === '--') return false;
    if (a === '--help' || a === '-h') return true;
  }
  return false;
}

/**
 * parseArgs in its lenient mode hands every token over as it was written
 * (unknown options, a value given to a boolean, a missing value), so each
 * mistake below is reported in the words of the command line.
 */
export function parseArgs(argv: readonly string[], specs: OptionSpecs, usage?: string): ParsedArgs {
  const options = Object.fromEntries(Object.entries(specs).map(([name, s]) =>
    [name, { type: s.type, ...(s.short ? { short: s.short } : {}), ...(s.multiple ? { multiple: true } : {}) }]));
  const { tokens } = nodeParseArgs({ args: [...argv], options, allowPositionals: true, strict: false, tokens: true });
  const positionals: string[] = [];
  const values: ParsedArgs['values'] = {};
  for (const t of tokens) {
    if (t.kind === 'positional') {
      positionals.push(t.value);
      continue;
    }
    if (t.kind === 'option-terminator') continue;
    const spec = Object.hasOwn(specs, t.name) ? specs[t.name]! : undefined;
    const shown = t.rawName;
    if (!spec) throw new UsageError(`unknown option ${shown}`, usage);
    if (spec.type === 'boolean') {
      if (t.value !== undefined) throw new UsageError(`option ${shown} takes no value`, usage);
      values[t.name] = true;
      continue;
    }
    const value = t.value;
    // `-f --json`: the lenient parser would take --json as the file.
    const swallowed = value !== undefined && !t.inlineValue && value.startsWith('-') && value !== '-';
    if (value === undefined || value === '' || swallowed) throw new UsageError(`option ${shown} needs a value`, usage);
    if (spec.choices && !spec.choices.includes(value)) {
      throw new UsageError(`option ${shown}: expected one of ${spec.choices.join(', ')}, got ${JSON.stringify(value)}`, usage);
    }
    if (spec.multiple) values[t.name] = [...((values[t.name] as string[] | undefined) ?? []), value];
    else values[t.name] = value;
  }
  return { positionals, values };
}

/**
 * Checks the positional count: `names` are the required arguments, in order
 * (as shown in the usage, e.g. 'CLUSTER'). Extra arguments are an error too.
 */
export function expectPositionals(positionals: readonly string[], names: readonly string[], usage?: string): string[] {
  if (positionals.length < names.length) {
    const missing = names.slice(positionals.length);
    throw new UsageError(`missing argument${missing.length > 1 ? 's' : ''} ${missing.join(' ')}`, usage);
  }
  if (positionals.length > names.length) {
    throw new UsageError(`unexpected argument ${JSON.stringify(positionals[names.length])}`, usage);
  }
  for (const [i, p] of positionals.entries()) {
    if (p === '') throw new UsageError(`${names[i]} must not be empty`, usage);
  }
  return [...positionals];
}
