// What a GraphQL request may be before graphql-js sees it. Its parser is
// recursive descent: 3,000 nested `{` or `[` overflow the stack, however few
// tokens they are. A linear scan of the source bounds the nesting first; NUL
// characters, which no name or endpoint may hold and PostgreSQL cannot store,
// are refused in string literals (a validation rule) and in variables.
import { GraphQLError, type ASTVisitor, type ValidationContext, type ValidationRule } from 'graphql';
import { AppError } from '../../service/errors.js';

/** Brackets of any kind (`{`, `[`, `(`) open at once; far above the field depth limit, far below a stack overflow. */
export const MAX_NESTING = 64;

/**
 * Sources checkNesting passed, so a document sent again (every request of a
 * client's query) is not scanned again: a pure function of the text. Bounded:
 * cleared when full.
 */
const passed = new Set<string>();
const PASSED_MAX = 512;

/**
 * Throws QUERY_TOO_DEEP when `source` nests brackets deeper than MAX_NESTING
 * (strings and comments skipped), and GRAPHQL_PARSE_FAILED when it is JSON
 * (see refuseJsonDocument).
 */
export function checkNesting(source: string): void {
  if (passed.has(source)) return;
  scanNesting(source);
  refuseJsonDocument(source);
  if (passed.size >= PASSED_MAX) passed.clear();
  passed.add(source);
}

function scanNesting(source: string): void {
  let depth = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source.charCodeAt(i);
    if (c === 0x23 /* # */) {
      while (i < source.length && source.charCodeAt(i) !== 0x0a && source.charCodeAt(i) !== 0x0d) i++;
    } else if (c === 0x22 /* " */) {
      if (source.startsWith('"""', i)) {
        const end = source.indexOf('"""', i + 3);
        i = end < 0 ? source.length : end + 2;
      } else {
        for (i++; i < source.length; i++) {
          const d = source.charCodeAt(i);
          if (d === 0x5c) i++;
          else if (d === 0x22 || d === 0x0a) break;
        }
      }
    } else if (c === 0x7b || c === 0x5b || c === 0x28) {
      if (++depth > MAX_NESTING) {
        throw new GraphQLError(`the document nests brackets deeper than ${MAX_NESTING} levels`, { extensions: { code: 'QUERY_TOO_DEEP', limit: MAX_NESTING } });
      }
    } else if (c === 0x7d || c === 0x5d || c === 0x29) depth--;
  }
}

/** JSON's whitespace, which JSON.parse skips before a value. */
const JSON_SPACE = /^[ \t\n\r]*/;

/**
 * Refuses a `query` that is JSON rather than GraphQL text. mercurius, when
 * a query does not parse, tries it as a JSON syntax tree and runs that: a
 * tree that skips the parser's token limit, whose names nothing checks, and
 * whose malformed forms (`5`, `[]`, `{}`) crash its validation into an
 * INTERNAL error. No GraphQL document is also a JSON value (none starts with
 * `[`, `"`, a digit, `{"` or `{}`, or is `true`), so nothing valid is lost.
 */
export function refuseJsonDocument(source: string): void {
  const rest = source.slice(JSON_SPACE.exec(source)![0].length);
  const c = rest.charCodeAt(0);
  const brace = c === 0x7b && /^\{[ \t\n\r]*["}]/.test(rest);
  const maybe = brace || c === 0x5b /* [ */ || c === 0x22 /* " */ || c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39) || /^(?:true|false|null)\b/.test(rest);
  if (!maybe) return;
  try {
    JSON.parse(source);
  } catch {
    return; // not JSON either: graphql-js words the syntax error
  }
  throw new GraphQLError('Syntax Error: the query must be GraphQL text; a JSON value (such as a syntax tree) is not a document', {
    extensions: { code: 'GRAPHQL_PARSE_FAILED' },
  });
}

/** A string literal holding a NUL character is refused (BAD_REQUEST), before anything executes. */
export const noNulStringsRule: ValidationRule = (context: ValidationContext): ASTVisitor => ({
  StringValue(node) {
    if (node.value.includes('\u0000')) {
      context.reportError(new GraphQLError('a string argument contains a NUL character', { nodes: [node], extensions: { code: 'BAD_REQUEST' } }));
    }
  },
});

/** Throws BAD_REQUEST when a variable's value (at any depth) holds a NUL character. */
export function checkVariables(variables: unknown): void {
  const stack = [variables];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') {
      if (v.includes('\u0000')) throw new AppError('BAD_REQUEST', 'a variable contains a NUL character');
    } else if (v !== null && typeof v === 'object') {
      // for…in over own keys, not Object.entries: no array of pairs per object (every request's variables).
      for (const k in v) {
        if (!Object.hasOwn(v, k)) continue;
        if (k.includes('\u0000')) throw new AppError('BAD_REQUEST', 'a variable contains a NUL character');
        stack.push((v as Record<string, unknown>)[k]);
      }
    }
  }
}
