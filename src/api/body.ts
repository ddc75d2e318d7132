// Request bodies, bounded before they are trusted. JSON is scanned once
// before JSON.parse for its nesting depth and NUL characters (a 100 kB
// `[[[[…` costs a linear scan, not a parser's recursion); YAML is parsed in a
// worker thread (src/api/yaml.ts), so a hostile document can neither block
// the event loop nor take the process down. Bodies are validated against the
// route schemas without type coercion: `mtu: "1500"` is a 422, as in GraphQL;
// query strings and path parameters are still coerced (they are all strings).
import AjvCompiler from '@fastify/ajv-compiler';
import type { FastifyInstance, FastifyRequest, FastifyServerOptions } from 'fastify';
import { AppError } from '../service/errors.js';
import { clip, QUOTED_MAX } from '../net/clip.js';
import { YamlParser } from './yaml.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The request body as received, for JSON and YAML bodies. */
    rawBody?: string;
  }
}

/** Deeper than any definition, import or audit document; deep enough that no recursion downstream is at risk. */
export const MAX_BODY_DEPTH = 64;

export const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml'];

/**
 * Nesting depth of a JSON text, and the first NUL character (raw or `\u0000`)
 * in it. Stops at the first refusal. Not a validator: JSON.parse still is.
 *
 * A text without a backslash or a NUL (every definition podnet writes, and
 * most it reads) has no escapes: each string ends at the next quote, found
 * by indexOf (a native scan) instead of a loop over its characters. That
 * skips most of a definition, whose text is mostly names and addresses:
 * 120 MB at k8s-65k took ~1 s a character at a time. Any other text is
 * scanned a character at a time (scanJsonEachChar), with the same answers.
 */
export function scanJson(text: string, maxDepth: number): { refusal: string | null } {
  if (text.indexOf('\\') >= 0 || text.indexOf('\0') >= 0) return scanJsonEachChar(text, maxDepth);
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      const end = text.indexOf('"', i + 1);
      if (end < 0) break; // an unterminated string: JSON.parse refuses it
      i = end;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) return { refusal: `the body nests deeper than ${maxDepth} levels` };
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return { refusal: null };
}

/** scanJson a character at a time: escapes skipped, NULs found inside strings and out. */
export function scanJsonEachChar(text: string, maxDepth: number): { refusal: string | null } {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) {
        // \uXXXX: refuse \u0000; any other escape is one character to skip.
        if (text.charCodeAt(i + 1) === 0x75 && text.startsWith('0000', i + 2)) return { refusal: 'the body contains a NUL character (\\u0000)' };
        i++;
      } else if (c === 0x22) inString = false;
      else if (c === 0) return { refusal: 'the body contains a NUL character' };
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) return { refusal: `the body nests deeper than ${maxDepth} levels` };
    } else if (c === 0x5d || c === 0x7d) depth--;
    else if (c === 0) return { refusal: 'the body contains a NUL character' };
  }
  return { refusal: null };
}

/** Bodies with more values than this are validated only up to their first problem. */
const FULL_REPORT_VALUES = 20_000;

interface Validate { (data: unknown): boolean; errors?: unknown[] | null }

/** At least `limit` values (objects, arrays, scalars) in `data`? Walks no further than that. */
function hasMoreValuesThan(data: unknown, limit: number): boolean {
  const stack = [data];
  let seen = 0;
  while (stack.length > 0) {
    const v = stack.pop();
    if (++seen > limit) return true;
    if (v !== null && typeof v === 'object') for (const x of Object.values(v)) stack.push(x);
  }
  return false;
}

/**
 * A valid body costs one pass. An invalid one is validated again listing
 * every problem, unless it is large: then the first problem is the answer
 * (500,000 bad items would cost seconds of event loop for a list capped at 100).
 */
function boundedBody(firstOnly: Validate, everything: Validate): Validate {
  const validate: Validate = (data) => {
    if (firstOnly(data)) {
      validate.errors = null;
      return true;
    }
    if (hasMoreValuesThan(data, FULL_REPORT_VALUES)) validate.errors = firstOnly.errors ?? null;
    else {
      everything(data);
      validate.errors = everything.errors ?? null;
    }
    return false;
  };
  return validate;
}

/** Options for Fastify's factory: bodies validated strictly, everything else coerced from strings. */
export function validatorOptions(): Pick<FastifyServerOptions, 'schemaController'> {
  const factory = AjvCompiler();
  const common = { removeAdditional: false, useDefaults: true } as const;
  return {
    schemaController: {
      compilersFactory: {
        buildValidator(externalSchemas, ajvOptions) {
          const plugins = (ajvOptions as { plugins?: [] } | undefined)?.plugins ?? [];
          const first = factory(externalSchemas, { plugins, customOptions: { ...common, coerceTypes: false, allErrors: false } });
          const all = factory(externalSchemas, { plugins, customOptions: { ...common, coerceTypes: false, allErrors: true } });
          const lenient = factory(externalSchemas, { plugins, customOptions: { ...common, coerceTypes: 'array', allErrors: true } });
          // Fastify only calls the function and reads `.errors`; the cast is to ajv's richer type.
          type Compiled = ReturnType<typeof lenient>;
          return (route) => (route.httpPart === 'body' ? boundedBody(first(route) as Validate, all(route) as Validate) as unknown as Compiled : lenient(route));
        },
      },
    },
  };
}

/**
 * Whether a body that the poisoning-refusing parser turned down is valid JSON
 * all the same (it was refused for a `__proto__` key or `constructor.prototype`):
 * only then, and only on that failure path, is it parsed a second time.
 */
function isPoisoned(text: string): boolean {
  if (text.length > 2 ** 20 || (!text.includes('__proto__') && !text.includes('prototype'))) return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** The JSON and YAML body parsers. */
export function registerBodyParsers(app: FastifyInstance): void {
  // JSON as Fastify parses it (prototype poisoning refused), keeping the text
  // so an apply can recognise a body it has already applied (see ClusterService.apply).
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req: FastifyRequest, body, done) => {
    const text = body as string;
    const { refusal } = scanJson(text, MAX_BODY_DEPTH);
    if (refusal) return done(new AppError('MALFORMED_BODY', refusal), undefined);
    req.rawBody = text;
    parseJson(req, text, (err, value) => {
      if (err && isPoisoned(text)) return done(new AppError('MALFORMED_BODY', 'the body is JSON, but it has a "__proto__" key or a "constructor" with a "prototype": podnet refuses both (prototype poisoning); no definition uses them'), undefined);
      done(err, value);
    });
  });

  // Bodies come as they are: a gzip (or any coded) body was read as text and
  // refused for its NUL bytes. RFC 9110 §15.5.16: a 415 naming what is accepted.
  app.addHook('preParsing', async (req, reply) => {
    const coding = req.headers['content-encoding'];
    if (coding === undefined || /^\s*identity\s*$/i.test(coding)) return;
    reply.header('accept-encoding', 'identity');
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', `a body with Content-Encoding ${JSON.stringify(clip(coding, QUOTED_MAX))} is not supported; send it uncompressed`, { extra: { acceptedEncodings: ['identity'] } });
  });

  // Bodies are JSON or YAML only: a text/plain body is a 415, not a string that fails validation.
  app.removeContentTypeParser('text/plain');

  const yaml = new YamlParser({ maxDepth: MAX_BODY_DEPTH });
  app.addHook('onClose', async () => { await yaml.close(); });
  app.addContentTypeParser(YAML_TYPES, { parseAs: 'string' }, async (req: FastifyRequest, body: string | Buffer) => {
    const text = body as string;
    req.rawBody = text;
    return yaml.parse(text);
  });
}
