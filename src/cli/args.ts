// A small, strict command-line parser: known options only, `--name value`,
// `--name=value`, `-x value`, `--` ends the options. Every mistake is a
// UsageError (exit code 2), never a guess.

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
}

export type OptionSpecs = Record<string, OptionSpec>;

export interface ParsedArgs {
  positionals: string[];
  values: Record<string, string | boolean | undefined>;
}

/** True when argv asks for help (before any `--`). */
export function wantsHelp(argv: readonly string[]): boolean {
  for (const a of argv) {
    if (a === '--') return false;
    if (a === '--help' || a === '-h') return true;
  }
  return false;
}

export function parseArgs(argv: readonly string[], specs: OptionSpecs, usage?: string): ParsedArgs {
  const positionals: string[] = [];
  const values: ParsedArgs['values'] = {};
  const byShort = new Map<string, string>();
  for (const [name, s] of Object.entries(specs)) if (s.short) byShort.set(s.short, name);

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-' || !arg.startsWith('-')) {
      positionals.push(arg);
      continue;
    }
    let name: string | undefined;
    let inline: string | undefined;
    let shown: string;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const key = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      if (eq >= 0) inline = arg.slice(eq + 1);
      name = Object.hasOwn(specs, key) ? key : undefined;
      shown = `--${key}`;
    } else {
      const key = arg.slice(1, 2);
      const rest = arg.slice(2);
      if (rest.startsWith('=')) inline = rest.slice(1);
      else if (rest !== '') inline = rest;
      name = byShort.get(key);
      shown = `-${key}`;
    }
    if (name === undefined) throw new UsageError(`unknown option ${shown}`, usage);
    const spec = specs[name]!;
    if (spec.type === 'boolean') {
      if (inline !== undefined) throw new UsageError(`option ${shown} takes no value`, usage);
      values[name] = true;
      continue;
    }
    let value = inline;
    if (value === undefined) {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('-') && next !== '-')) {
        throw new UsageError(`option ${shown} needs a value`, usage);
      }
      value = next;
      i++;
    }
    if (value === '') throw new UsageError(`option ${shown} needs a value`, usage);
    if (spec.choices && !spec.choices.includes(value)) {
      throw new UsageError(`option ${shown}: expected one of ${spec.choices.join(', ')}, got ${JSON.stringify(value)}`, usage);
    }
    values[name] = value;
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
