// The client side of `podnet`: picks the command from argv, parses its
// options, runs it, and turns every failure into a message and an exit code.
// Every command but `serve` is an HTTP client of a running service.
import type { Config } from '../config.js';
import { expectPositionals, parseArgs, UsageError, wantsHelp } from './args.js';
import { COMMANDS, GROUPS } from './commands/index.js';
import { EXIT, InputError, defaultWidth, outputModeOf, printData, usageOf, type Command, type Ctx, type OutputMode } from './command.js';
import { plainStyle, styleFor, wrap, type Style } from './format.js';
import { ApiError, Client, ServerError } from './http.js';

export { EXIT };

function commandList(extra: readonly (readonly [string, string])[] = []): string {
  const rows = [
    ...COMMANDS.map((c) => [usageOf(c).slice('podnet '.length), c.summary.split(';')[0]!.split(' (')[0]!] as const),
    ...extra,
  ];
  return rows.map(([u, s]) => `${wrap(`  ${u}`, 80, 4)}\n${wrap(`      ${s}`, 80)}`).join('\n');
}

function shortUsage(): string {
  return `usage: podnet <command> [arguments] [options]\n\n${commandList()}\n\nRun 'podnet help' for details.\n`;
}

function fullHelp(): string {
  return [
    'podnet: network planning for Kubernetes-style pod networks.',
    '',
    'usage: podnet <command> [arguments] [options]',
    '',
    'Commands:',
    commandList([
      ['serve', 'run the service (PORT, HOST, DATABASE_URL, PODNET_AUTH, ...)'],
      ['help [COMMAND]', "this text, or one command's"],
    ]),
    '',
    'Every command but serve talks to a running podnet server:',
    '  PODNET_URL    the server (default http://127.0.0.1:3000)',
    '  PODNET_TOKEN  sent as "Authorization: Bearer <token>"',
    '',
    'Output: tables that fit 80 columns for people (-o wide: whole cells, more',
    '  columns); -o json or -o yaml (--json) for machines. Errors go to stderr,',
    '  and with -o json also to stdout as the problem+json document.',
    'Exit codes: 0 success; 1 a negative answer (verify failed, path not DELIVERED,',
    '  audit found drift, request rejected with a 4xx); 2 usage error; 3 server',
    '  unreachable or 5xx.',
    '',
  ].join('\n');
}

function commandHelp(c: Command): string {
  return `${wrap(`usage: ${usageOf(c)}`, 80, 4)}\n\n${wrap(c.summary, 80)}\n${c.help ? `\nOptions:\n${c.help}\n` : ''}`;
}

/** Resolves the command words; returns the command and the rest of argv. */
function resolve(argv: readonly string[]): { cmd: Command; rest: string[] } {
  const [first, second] = argv;
  if (first === undefined) throw new UsageError('missing command');
  const group = GROUPS[first];
  if (group) {
    const kinds = [...new Set(Object.values(group))].join(', ');
    if (second === undefined || second.startsWith('-')) throw new UsageError(`${first}: missing what (${kinds})`, groupUsage(first));
    const sub = group[second];
    if (!sub) throw new UsageError(`${first}: unknown ${first === 'token' ? 'subcommand' : 'resource'} ${JSON.stringify(second)}; expected ${kinds}`, groupUsage(first));
    return { cmd: COMMANDS.find((c) => c.words[0] === first && c.words[1] === sub)!, rest: argv.slice(2) };
  }
  const cmd = COMMANDS.find((c) => c.words.length === 1 && c.words[0] === first);
  if (!cmd) throw new UsageError(`unknown command ${JSON.stringify(first)}`);
  return { cmd, rest: argv.slice(1) };
}

function groupUsage(word: string): string {
  return COMMANDS.filter((c) => c.words[0] === word).map(usageOf).join('\n       ');
}

/** The problem document of a failure, for `-o json|yaml` (RFC 9457 members). */
function problemOf(err: unknown): Record<string, unknown> | null {
  if (err instanceof ApiError) {
    return err.body !== null && typeof err.body === 'object' ? err.body as Record<string, unknown>
      : { title: 'Error', status: err.status, detail: err.detail, code: err.code };
  }
  if (err instanceof ServerError) {
    return err.status === null
      ? { title: 'Server Unreachable', detail: err.message, code: 'SERVER_UNREACHABLE' }
      : { title: 'Server Error', status: err.status, detail: err.message, code: err.code ?? `HTTP_${err.status}` };
  }
  if (err instanceof UsageError) return { title: 'Usage Error', detail: err.message, code: 'USAGE_ERROR' };
  return null;
}

async function printFailure(ctx: Ctx, err: unknown): Promise<number> {
  const problem = ctx.output === 'json' || ctx.output === 'yaml' ? problemOf(err) : null;
  if (problem) await printData(ctx, problem);
  const red = ctx.errStyle.red;
  if (err instanceof UsageError) {
    ctx.err(`${red('error:')} ${err.message}\n`);
    if (err instanceof InputError) return EXIT.USAGE;
    ctx.err(err.usage ? `${wrap(`usage: ${err.usage}`, 80, 4)}\nRun 'podnet help' for details.\n` : shortUsage());
    return EXIT.USAGE;
  }
  if (err instanceof ApiError) {
    ctx.err(`${red('error:')} ${err.code}: ${err.detail}\n`);
    for (const f of err.errors) {
      const line = `${f.path ? `${f.path}: ` : ''}${f.message ?? JSON.stringify(f)}`;
      if (err.errors.length > 1 || line !== err.detail) ctx.err(`  ${line}\n`);
    }
    if (err.status === 401) {
      ctx.err(ctx.config.token === null
        ? 'hint: set PODNET_TOKEN to an API token (podnet token create NAME --scope read)\n'
        : 'hint: PODNET_TOKEN is not a valid token for this server\n');
    } else if (err.status === 403) {
      ctx.err('hint: PODNET_TOKEN\'s scope is too small for this request\n');
    }
    return EXIT.NEGATIVE;
  }
  if (err instanceof ServerError) {
    ctx.err(`${red('error:')} ${err.message}\n`);
    return EXIT.SERVER;
  }
  throw err;
}

/** Where a run writes; tests pass their own, the command uses the process's streams. */
export interface ClientIo {
  out(s: string): void;
  err(s: string): void;
  /** Colours for stdout and stderr (none unless a colour terminal). */
  style?: Style;
  errStyle?: Style;
}

function processIo(): ClientIo {
  // `podnet get clusters | head` closes the pipe early: not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  return {
    out: (s) => { process.stdout.write(s); },
    err: (s) => { process.stderr.write(s); },
    style: styleFor(process.stdout),
    errStyle: styleFor(process.stderr),
  };
}

/** `help`, `help COMMAND`, `COMMAND --help`: the text, or null when argv asks for no help. */
function helpFor(argv: readonly string[]): string | null {
  const [first] = argv;
  if (first !== 'help' && !wantsHelp(argv)) return null;
  const topic = (first === 'help' ? argv.slice(1) : argv).filter((a) => !a.startsWith('-'));
  try {
    return topic.length > 0 ? commandHelp(resolve(topic).cmd) : fullHelp();
  } catch (err) {
    // `podnet help get` / `podnet get --help`: the group's commands.
    if (topic.length === 1 && GROUPS[topic[0]!]) return `${wrap(`usage: ${groupUsage(topic[0]!)}`, 80, 4)}\n`;
    // `podnet help nonsense` is a usage error; `podnet nonsense --help` shows everything.
    if (first === 'help') throw err;
    return fullHelp();
  }
}

/** `--json`, `-o json|yaml`, `-ojson`, `--output=yaml` anywhere before `--`; null when none. */
function sniffOutput(argv: readonly string[]): OutputMode | null {
  let found: OutputMode | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') break;
    const value = a === '--json' ? 'json'
      : a === '-o' || a === '--output' ? argv[i + 1]
      : a.startsWith('--output=') ? a.slice('--output='.length)
      : a.startsWith('-o') && a.length > 2 ? a.slice(2) : undefined;
    if (value === 'json' || value === 'yaml') found = value;
  }
  return found;
}

export async function runClient(argv: string[], config: Config, io: ClientIo = processIo()): Promise<number> {
  const ctx: Ctx = {
    client: new Client(config.url, config.token),
    config,
    out: io.out,
    err: io.err,
    style: io.style ?? plainStyle,
    errStyle: io.errStyle ?? plainStyle,
    output: 'table',
    width: defaultWidth('table'),
  };
  try {
    const help = helpFor(argv);
    if (help !== null) {
      ctx.out(help);
      return EXIT.OK;
    }
    if (argv.length === 0) {
      ctx.err(shortUsage());
      return EXIT.USAGE;
    }
    // Before the command and its options are known (an unknown one is an error too), the output
    // the command line asks for: with -o json, every error is also the problem document on stdout.
    ctx.output = sniffOutput(argv) ?? ctx.output;
    const { cmd, rest } = resolve(argv);
    const usage = usageOf(cmd);
    const { positionals, values } = parseArgs(rest, cmd.options, usage);
    const output: OutputMode = outputModeOf(values, usage);
    ctx.output = output;
    ctx.width = defaultWidth(output);
    const args = expectPositionals(positionals, cmd.args, usage);
    return await cmd.run(ctx, args, values);
  } catch (err) {
    return printFailure(ctx, err);
  }
}
