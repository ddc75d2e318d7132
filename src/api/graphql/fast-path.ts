// The `path` query's own executor. A path answer is ~180 leaves of plain data
// (hops, packets, outer headers); through mercurius and graphql-jit each
// leaf is a resolver call, a serialize call and three small objects, and the
// whole answer is then walked again by JSON.stringify: ~20 µs of the ~35 µs
// the GraphQL layer spends on one path in process (BENCHMARKS.md, "GraphQL
// path, third pass"). Here a document mercurius has already run twice
// (parsed, validated and priced it, then compiled it), and that has the one
// shape below, is run by walking its selection over the trace and writing
// the JSON answer in the same pass.
//
// The shape: one query operation (no directives) whose only root field is
// `path`, its arguments string literals or String variables; below it fields
// of object and leaf types only, inline fragments on the same type, no
// fragment spreads, no directives, no arguments, no response key twice. The
// field resolvers the schema holds (Endpoint.pod, Path.svg, ...) and the
// types' own serialize (the core enums' included) are the ones called, in
// the same order graphql-js would. Anything else — a variable that does not
// coerce, an endpoint that does not resolve, a null where the schema says
// non-null, a resolver that returns a promise — falls back to mercurius,
// which answers it exactly as it always did: this executor never writes an
// error. The test (test/api/graphql-fast-path.test.ts) holds both to the same
// bytes. One difference is left: mercurius' own cache of parsed documents
// (1,024) is not refreshed by the requests answered here, so after a
// thousand other documents it may parse this one again, and a request handed
// back then gets the wording mercurius gives a document's first run (its
// variable errors differ between graphql-js and graphql-jit).
import {
  Kind, isEnumType, isLeafType, isListType, isNonNullType, isObjectType,
  type DocumentNode, type FieldNode, type GraphQLField, type GraphQLFieldResolver, type GraphQLLeafType, type GraphQLObjectType,
  type GraphQLOutputType, type GraphQLSchema, type SelectionSetNode, type ValueNode,
} from 'graphql';
import { checkVariables } from './bounds.js';
import { JsonWriter, bytesOf } from './json-writer.js';

/** Sources longer than this are left to mercurius (the memo keys on the text). */
const MAX_SOURCE = 2 * 1024;
/** Documents remembered (eligible or not; each eligible one is a generated function of about its own size); cleared when full. */
const MEMO_MAX = 64;

/** How a value of one output type is written. */
interface Completer {
  nonNull: boolean;
  list: Completer | null;
  leaf: GraphQLLeafType | null;
  fields: Selected[] | null;
}

/** One field of a selection set, its response key already JSON (`"alias":`). */
interface Selected {
  key: string;
  name: string;
  /** `__typename`: the parent type's name, as JSON. */
  typename: string | null;
  resolve: GraphQLFieldResolver<unknown, unknown> | null;
  completer: Completer;
}

type Arg = { literal: string } | { variable: string };

interface VariableSlot {
  name: string;
  nonNull: boolean;
  /** Whether the definition gives a default (a request that leaves the variable out goes to mercurius). */
  default: string | null | undefined;
}

interface Plan {
  operationName: string | null;
  variables: VariableSlot[];
  /** `{"data":{"path":` (or the alias), as bytes. */
  head: Uint8Array;
  resolve: GraphQLFieldResolver<unknown, unknown>;
  args: [string, Arg][];
  emit: Emit;
}

/**
 * What a name or alias must be to be written into the generated code and the
 * answer: GraphQL's Name. mercurius also takes a document as a JSON syntax
 * tree, whose names nothing checks; such documents are not run here.
 */
const NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;
/**
 * A response key graphql-jit cannot write: its answer is an object literal,
 * where `"__proto__": x` sets the prototype, so mercurius leaves the key out.
 * A document that uses it stays with mercurius.
 */
const PROTO_KEY = '__proto__';

/** Thrown inside a run: the request goes to mercurius instead. */
const FALLBACK = Symbol('fallback');
const NO_ARGS = Object.freeze({});
/** How every answer ends. */
const TAIL = bytesOf('}}\n');
/** Every answer is written here in turn (see the emitter). */
const WRITER = new JsonWriter();

export interface FastPathContext {
  readonly app: unknown;
  readonly reply: unknown;
}

/** Requests answered here, and requests for a known document handed back to mercurius (/metrics shows both). */
export interface FastPathStats {
  served: number;
  fellBack: number;
}

/** A document mercurius has run once: the executor takes it after mercurius' second run (see learn). */
const SEEN_ONCE = Symbol('seen once');

/** Errors the `path` resolver throws for a request (unknown endpoints, clusters): mercurius words them. */
const isRequestError = (e: unknown): boolean => e === FALLBACK || (e instanceof Error && (e.name === 'AppError' || e.name === 'NetError'));

export class PathFastPath {
  private readonly plans = new Map<string, Plan | null | typeof SEEN_ONCE>();

  constructor(
    private readonly schema: GraphQLSchema,
    readonly stats: FastPathStats = { served: 0, fellBack: 0 },
    private readonly warn: (err: unknown) => void = () => {},
  ) {}

  /**
   * Called from mercurius' preExecution hook, once it has parsed, validated
   * and priced `source` within the limits. The plan is made at mercurius'
   * second run of the document, the one at which mercurius compiles it with
   * graphql-jit: the requests this executor hands back later find mercurius
   * in the state they would find it in without the executor (its first run
   * checks variables through graphql-js, its second compiles, later ones
   * run the compiled query), so they are answered the same way.
   */
  learn(source: unknown, document: DocumentNode): void {
    if (typeof source !== 'string' || source.length > MAX_SOURCE) return;
    const had = this.plans.get(source);
    if (had !== undefined && had !== SEEN_ONCE) return;
    if (had === undefined) {
      if (this.plans.size >= MEMO_MAX) this.plans.clear();
      this.plans.set(source, SEEN_ONCE);
      return;
    }
    let plan: Plan | null = null;
    try {
      plan = compile(this.schema, document);
    } catch (err) {
      this.warn(err);
      plan = null;
    }
    this.plans.set(source, plan);
  }

  /** True when `source` is a document this executor runs. */
  knows(source: string): boolean {
    const plan = this.plans.get(source);
    return plan !== undefined && plan !== null && plan !== SEEN_ONCE;
  }

  /**
   * The JSON answer (UTF-8, ending in a newline) of a request for a known
   * document, or null when it is not one, or when anything about this
   * request needs mercurius (which then answers it, errors included).
   */
  async run(source: string, operationName: unknown, variables: unknown, ctx: FastPathContext): Promise<Buffer | null> {
    const plan = this.plans.get(source);
    if (plan === undefined || plan === null || plan === SEEN_ONCE) return null;
    try {
      const out = await execute(plan, operationName, variables, ctx);
      if (out === null) this.stats.fellBack++;
      else this.stats.served++;
      return out;
    } catch (err) {
      // mercurius answers the request either way; an error that is not the request's own is a defect here, and logged.
      if (!isRequestError(err)) this.warn(err);
      this.stats.fellBack++;
      return null;
    }
  }
}

async function execute(plan: Plan, operationName: unknown, variables: unknown, ctx: FastPathContext): Promise<Buffer | null> {
  if (operationName !== undefined && operationName !== null && operationName !== plan.operationName) return null;
  if (variables !== undefined && variables !== null && (typeof variables !== 'object' || Array.isArray(variables))) return null;
  const given = (variables ?? {}) as Record<string, unknown>;
  checkVariables(given);
  const values: Record<string, string | null | undefined> = {};
  for (const v of plan.variables) {
    const x = Object.hasOwn(given, v.name) ? given[v.name] : undefined;
    // A variable left out that has a default: graphql-js takes the default,
    // graphql-jit (what mercurius runs from a document's second request on)
    // refuses a non-null one as not provided. Either way it is mercurius' to answer.
    if (x === undefined && v.default !== undefined) return null;
    if (x === undefined || x === null) {
      if (v.nonNull) return null;
    } else if (typeof x !== 'string') return null;
    values[v.name] = x as string | null | undefined;
  }
  const args: Record<string, unknown> = {};
  for (const [name, a] of plan.args) {
    const x = 'literal' in a ? a.literal : values[a.variable];
    if (typeof x !== 'string') return null;
    args[name] = x;
  }
  // The path resolver answers at once when it can (a solo instance): no await then.
  let value = plan.resolve(undefined, args, ctx, undefined as never);
  if (value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function') value = await value;
  // From here to take() nothing awaits: the writer is this request's alone. The
  // newline ends the answer as app.ts ends every JSON answer of the service.
  const w = WRITER;
  w.reset();
  w.bytes(plan.head);
  plan.emit(value, ctx);
  w.bytes(TAIL);
  return w.take();
}

// The emitter: a plan's selection becomes JavaScript with the field names in
// it, as graphql-jit makes its own — a property read by a name known when the
// code is made stays monomorphic, where one by a name held in a variable is
// a megamorphic lookup per leaf. The names are GraphQL names (validated:
// [_A-Za-z][_0-9A-Za-z]*) and are written into the code as JSON strings. The
// code writes the answer's bytes into one JsonWriter (json-writer.ts): an
// emit runs to its end without awaiting (a resolver's promise falls back),
// so one writer serves every request in turn. An object whose selection
// is leaves only, met again in the same answer, is copied from its first
// bytes (copiesItself below): the trace shares a hop's outer header and,
// while the TTL stays, its packet between hops.

/** Writes the JSON of `value` into the writer. */
type Emit = (value: unknown, ctx: FastPathContext) => void;

function fallback(): never {
  throw FALLBACK;
}

/** A leaf as the type serialises it (the slow way: any scalar or enum, any value), as JSON text. */
function leaf(type: GraphQLLeafType, v: unknown): string {
  const out = type.serialize(v);
  if (typeof out === 'string') return JSON.stringify(out);
  if (typeof out === 'boolean') return out ? 'true' : 'false';
  if (typeof out === 'number') {
    if (!Number.isFinite(out)) throw FALLBACK;
    return JSON.stringify(out);
  }
  if (out === null || out === undefined) throw FALLBACK;
  const json = JSON.stringify(out);
  if (json === undefined) throw FALLBACK;
  return json;
}

/** Enum values are few: each one's JSON bytes are kept per type once serialised (a bounded memo). */
const ENUM_MEMO_MAX = 64;
function enumLeaf(memo: Map<unknown, Uint8Array>, type: GraphQLLeafType, v: unknown): Uint8Array {
  let out = memo.get(v);
  if (out === undefined) {
    out = bytesOf(leaf(type, v));
    if (memo.size < ENUM_MEMO_MAX && typeof v === 'string') memo.set(v, out);
  }
  return out;
}

/**
 * Whether an object selection's bytes follow from the object alone: every
 * field a plain property read of a leaf (no resolver, no list, no nested
 * object) or `__typename`. Such an object met again in the same answer (a
 * hop's outer header is one object on every hop the packet is
 * encapsulated; a packet is one object while its TTL stays) is written by
 * copying the bytes it got the first time.
 */
const copiesItself = (fields: Selected[]): boolean =>
  fields.every((f) => f.typename !== null || (f.resolve === null && f.completer.leaf !== null));

/** Constants up to this many bytes are written as stores of their bytes in the generated code (keys are ~10). */
const INLINE_BYTES_MAX = 32;

function emitter(root: Completer, w: JsonWriter): Emit {
  const consts: unknown[] = [];
  const fns: string[] = [];
  /** Memo slots of copiesItself selections: the object last written, and where its bytes are in this answer. */
  let memos = 0;
  const ref = (x: unknown): string => `K[${consts.push(x) - 1}]`;
  const raw = (json: string): string => {
    const bytes = bytesOf(json);
    // Constant JSON (keys, punctuation): stored byte by byte where it is short, copied from K where it is not.
    if (bytes.length > INLINE_BYTES_MAX) return `W.bytes(${ref(bytes)});`;
    const stores = Array.from(bytes, (x, i) => `wb[wp${i > 0 ? ` + ${i}` : ''}] = ${x};`).join(' ');
    return `{ W.room(${bytes.length}); const wb = W.b, wp = W.p; ${stores} W.p = wp + ${bytes.length}; }`;
  };

  /** Statements writing `v` (a local of the function they are in) as completer `c` does. */
  const write = (c: Completer, v: string): string => {
    let inner: string;
    if (c.fields) inner = `if (typeof ${v} !== 'object' || typeof ${v}.then === 'function') fb(); ${objectFn(c.fields)}(${v}, ctx);`;
    else if (c.list) inner = `${listFn(c.list)}(${v}, ctx);`;
    else inner = leafOf(c.leaf!, v);
    return `if (${v} === null || ${v} === undefined) ${c.nonNull ? 'fb();' : raw('null')} else { ${inner} }`;
  };
  const leafOf = (t: GraphQLLeafType, v: string): string => {
    // The specified scalars' serialize returns these values unchanged; any other value takes the type's own serialize.
    switch (t.name) {
      case 'String': return `if (typeof ${v} === 'string') W.str(${v}); else W.raw(leaf(${ref(t)}, ${v}));`;
      case 'Boolean': return `if (${v} === true) ${raw('true')} else if (${v} === false) ${raw('false')} else W.raw(leaf(${ref(t)}, ${v}));`;
      case 'Int': return `if (typeof ${v} === 'number' && (${v} | 0) === ${v}) W.int(${v}); else W.raw(leaf(${ref(t)}, ${v}));`;
      default: return isEnumType(t) ? `W.bytes(en(${ref(new Map())}, ${ref(t)}, ${v}));` : `W.raw(leaf(${ref(t)}, ${v}));`;
    }
  };
  const objectFn = (fields: Selected[]): string => {
    const name = `o${fns.length}`;
    fns.push('');
    const at = fns.length - 1;
    const memo = copiesItself(fields) ? memos++ : -1;
    let body = `function ${name}(p, ctx) {\n  let v;\n`;
    if (memo >= 0) body += `  if (MO[${memo}] === p) { W.again(MA[${memo}], ML[${memo}]); return; }\n  const s0 = W.mark();\n`;
    fields.forEach((f, i) => {
      const key = (i > 0 ? ',' : '{') + f.key;
      if (f.typename !== null) {
        body += `  ${raw(key + f.typename)}\n`;
        return;
      }
      body += f.resolve
        ? `  v = ${ref(f.resolve)}(p, NO_ARGS, ctx, undefined);\n  if (v !== null && typeof v === 'object' && typeof v.then === 'function') fb();\n`
        : `  v = p[${JSON.stringify(f.name)}];\n  if (typeof v === 'function') fb();\n`;
      body += `  ${raw(key)}\n  ${write(f.completer, 'v')}\n`;
    });
    body += `  ${raw('}')}\n`;
    if (memo >= 0) body += `  MO[${memo}] = p; MA[${memo}] = s0; ML[${memo}] = W.mark() - s0;\n`;
    fns[at] = `${body}}`;
    return name;
  };
  const listFn = (item: Completer): string => {
    const name = `l${fns.length}`;
    fns.push('');
    const at = fns.length - 1;
    fns[at] = `function ${name}(a, ctx) {\n  if (!Array.isArray(a)) fb();\n  ${raw('[')}\n  for (let i = 0; i < a.length; i++) {\n    const x = a[i];\n    if (i > 0) ${raw(',')}\n    ${write(item, 'x')}\n  }\n  ${raw(']')}\n}`;
    return name;
  };
  const top = write(root, 'value');
  // The memos hold positions in one answer: emptied before each (and after, to keep no object of it).
  const clear = memos > 0 ? 'MO.fill(null);' : '';
  const code = `${fns.join('\n')}\nreturn (value, ctx) => { ${clear} try { ${top} } finally { ${clear} } };`;
  // Made from a validated document's names and JSON-quoted keys only, as graphql-jit makes its code.
  const make = new Function('K', 'NO_ARGS', 'fb', 'leaf', 'en', 'W', 'MO', 'MA', 'ML', code) as (...a: unknown[]) => Emit;
  return make(consts, NO_ARGS, fallback, leaf, enumLeaf, w, new Array<unknown>(memos).fill(null), new Int32Array(memos), new Int32Array(memos));
}

// Compiling a document into a plan: null when it is not of the shape above.

function compile(schema: GraphQLSchema, document: DocumentNode): Plan | null {
  if (document.definitions.length !== 1) return null;
  const op = document.definitions[0]!;
  if (op.kind !== Kind.OPERATION_DEFINITION || op.operation !== 'query' || op.directives?.length) return null;
  const query = schema.getQueryType();
  if (!query) return null;
  if (op.name && !NAME.test(op.name.value)) return null;
  const variables: VariableSlot[] = [];
  for (const d of op.variableDefinitions ?? []) {
    if (d.directives?.length || !NAME.test(d.variable.name.value)) return null;
    const nonNull = d.type.kind === Kind.NON_NULL_TYPE;
    const named = d.type.kind === Kind.NON_NULL_TYPE ? d.type.type : d.type;
    if (named.kind !== Kind.NAMED_TYPE || named.name.value !== 'String') return null;
    let dflt: string | null | undefined;
    if (d.defaultValue) {
      if (d.defaultValue.kind === Kind.STRING) dflt = d.defaultValue.value;
      else if (d.defaultValue.kind === Kind.NULL) dflt = null;
      else return null;
    }
    variables.push({ name: d.variable.name.value, nonNull, default: dflt });
  }
  const roots = flatten(op.selectionSet, query);
  if (!roots || roots.length !== 1) return null;
  const root = roots[0]!;
  if (root.name.value !== 'path' || !responseKeyOk(root)) return null;
  const def = query.getFields().path;
  if (!def?.resolve) return null;
  const args: [string, Arg][] = [];
  for (const a of root.arguments ?? []) {
    const arg = argument(a.value, variables);
    if (!arg) return null;
    args.push([a.name.value, arg]);
  }
  // Every argument the field declares is given (validation saw to the required ones).
  if (def.args.some((d) => !args.some(([n]) => n === d.name))) return null;
  const completer = completerOf(schema, def.type, root.selectionSet);
  if (!completer) return null;
  return {
    operationName: op.name?.value ?? null, variables, head: bytesOf(`{"data":{${JSON.stringify(root.alias?.value ?? 'path')}:`),
    resolve: def.resolve, args, emit: emitter(completer, WRITER),
  };
}

function responseKeyOk(n: FieldNode): boolean {
  const key = n.alias ? n.alias.value : n.name.value;
  return typeof key === 'string' && NAME.test(key) && NAME.test(n.name.value) && key !== PROTO_KEY;
}

function argument(v: ValueNode, variables: VariableSlot[]): Arg | null {
  if (v.kind === Kind.STRING) return typeof v.value === 'string' ? { literal: v.value } : null;
  if (v.kind === Kind.VARIABLE && variables.some((d) => d.name === v.name.value)) return { variable: v.name.value };
  return null;
}

/** The fields of a selection set, inline fragments on the same type merged in; null when any is not of the shape. */
function flatten(set: SelectionSetNode, type: GraphQLObjectType): FieldNode[] | null {
  const out: FieldNode[] = [];
  const keys = new Set<string>();
  const walk = (s: SelectionSetNode): boolean => {
    for (const sel of s.selections) {
      if (sel.directives?.length) return false;
      if (sel.kind === Kind.FIELD) {
        const key = sel.alias?.value ?? sel.name.value;
        if (keys.has(key)) return false;
        keys.add(key);
        out.push(sel);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        if (sel.typeCondition && sel.typeCondition.name.value !== type.name) return false;
        if (!walk(sel.selectionSet)) return false;
      } else return false;
    }
    return true;
  };
  return walk(set) ? out : null;
}

function completerOf(schema: GraphQLSchema, t: GraphQLOutputType, set: SelectionSetNode | undefined): Completer | null {
  const nonNull = isNonNullType(t);
  const inner = nonNull ? t.ofType : t;
  if (isListType(inner)) {
    const item = completerOf(schema, inner.ofType, set);
    return item ? { nonNull, list: item, leaf: null, fields: null } : null;
  }
  if (isLeafType(inner)) return set ? null : { nonNull, list: null, leaf: inner, fields: null };
  if (!isObjectType(inner) || !set) return null;
  const fields = selectedFields(schema, inner, set);
  return fields ? { nonNull, list: null, leaf: null, fields } : null;
}

function selectedFields(schema: GraphQLSchema, type: GraphQLObjectType, set: SelectionSetNode): Selected[] | null {
  const nodes = flatten(set, type);
  if (!nodes) return null;
  const out: Selected[] = [];
  const defs = type.getFields();
  for (const n of nodes) {
    const name = n.name.value;
    if (!responseKeyOk(n) || n.arguments?.length) return null;
    const key = `${JSON.stringify(n.alias?.value ?? name)}:`;
    if (name === '__typename') {
      out.push({ key, name, typename: JSON.stringify(type.name), resolve: null, completer: { nonNull: true, list: null, leaf: null, fields: null } });
      continue;
    }
    const def = defs[name] as GraphQLField<unknown, unknown> | undefined;
    if (!def || def.args.length > 0) return null;
    const completer = completerOf(schema, def.type, n.selectionSet);
    if (!completer) return null;
    out.push({ key, name, typename: null, resolve: def.resolve ?? null, completer });
  }
  return out;
}
