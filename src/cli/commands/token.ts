// `podnet token create|list|revoke`: API tokens (admin scope).
import { UsageError } from '../args.js';
import {
  EXIT, LIMIT_HELP, LIMIT_OPTIONS, OUTPUT_HELP, OUTPUT_OPTIONS, OUTPUT_USAGE, isMachine, limitOf, printData, printList, printTable,
  usageOf, type Command,
} from '../command.js';
import { seg } from '../http.js';
import { removeCommand } from './delete.js';
import type { CreatedToken, TokenInfo } from '../wire.js';

const SCOPES = ['read', 'write', 'admin'] as const;

export const tokenCreate: Command = {
  words: ['token', 'create'],
  args: ['NAME'],
  optionsUsage: `--scope read|write|admin ${OUTPUT_USAGE}`,
  summary: 'create an API token; its secret is printed once, on stdout (needs an admin token)',
  options: { scope: { type: 'string', choices: SCOPES }, ...OUTPUT_OPTIONS },
  help: ['  --scope SCOPE   read < write < admin', OUTPUT_HELP].join('\n'),
  async run(ctx, [name], v) {
    if (v.scope === undefined) throw new UsageError('missing --scope read|write|admin', usageOf(tokenCreate));
    const { body } = await ctx.client.request<CreatedToken>('POST', '/v1/tokens', { body: { name, scope: v.scope } });
    if (isMachine(ctx)) {
      await printData(ctx, body);
      return EXIT.OK;
    }
    ctx.err(`token ${body.name} created with scope ${body.scope}; its secret follows and is not shown again:\n`);
    ctx.out(`${body.token}\n`);
    return EXIT.OK;
  },
};

export const tokenList: Command = {
  words: ['token', 'list'],
  args: [],
  optionsUsage: `[--limit N] ${OUTPUT_USAGE}`,
  summary: 'list API tokens (never their secrets)',
  options: { ...OUTPUT_OPTIONS, ...LIMIT_OPTIONS },
  help: `${OUTPUT_HELP}\n${LIMIT_HELP}`,
  async run(ctx, _args, v) {
    const limit = limitOf(v, usageOf(tokenList));
    // Not paginated by the server: the list of tokens is short.
    const { body } = await ctx.client.get<{ items: TokenInfo[] }>('/v1/tokens');
    const all = body?.items ?? [];
    const answer = { items: all.slice(0, limit), total: all.length, more: all.length > limit };
    await printList(ctx, answer, 'no tokens', (items) =>
      printTable(ctx, ['name', 'scope', 'created', 'last used'], items.map((t) => [t.name, t.scope, t.createdAt, t.lastUsed ?? 'never'])));
    return EXIT.OK;
  },
};

export const tokenRevoke = removeCommand({
  words: ['token', 'revoke'],
  args: ['NAME'],
  summary: 'revoke an API token',
  target: ([name]) => ({ path: `/v1/tokens/${seg(name!)}`, what: `token ${name}` }),
  done: 'revoked',
});
