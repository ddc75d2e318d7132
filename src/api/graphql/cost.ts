// What a GraphQL operation costs, from the real sizes of the clusters it
// names: every field costs 1 per object it is resolved on, so a list field
// multiplies what is selected below it by the length that list really has
// (a cluster's nodes, a node's pods, a node's routes), and fields that do
// work of their own (a route table's text, verify) cost that work. A query
// that names a cluster that does not exist costs only its root field.
import {
  Kind, getNamedType, getNullableType, isListType, isObjectType, isInterfaceType, valueFromAST,
  type DocumentNode, type FieldNode, type FragmentDefinitionNode, type GraphQLField, type GraphQLNamedType, type GraphQLSchema,
  type OperationDefinitionNode, type SelectionSetNode,
} from 'graphql';

/** What the cost of a selection depends on, per cluster. */
export interface ClusterSizes {
  nodes: number;
  pods: number;
  /** Pods on the fullest node. */
  maxPodsPerNode: number;
  subnets: number;
  families: number;
  /** Routes in the largest node table (one per peer block, plus connected, local and default routes). */
  routesPerNode: number;
}

/** Sizes of the clusters an operation names; null for a cluster that does not exist. */
export interface SizeSource {
  one(name: string): Promise<ClusterSizes | null>;
  all(): Promise<ClusterSizes[]>;
}

/** Lists whose length no cluster decides: bounded by what the service produces. */
const FIXED_LENGTH: Record<string, number> = {
  'Path.hops': 32, 'VerifyReport.checks': 5, 'VerifyCheck.failures': 20, 'VerifyCheck.failureDetails': 20,
  'Capacity.families': 2,
};
/** Any other list (of objects) is assumed this long. */
const DEFAULT_LENGTH = 10;

/** Field → the cluster-size-dependent length of that list, or the work of that scalar. */
function sizedLength(key: string, s: ClusterSizes, args: Record<string, unknown>): number | undefined {
  switch (key) {
    case 'Cluster.nodes': return s.nodes;
    case 'Cluster.pods': return typeof args.node === 'string' ? s.maxPodsPerNode : s.pods;
    case 'Cluster.subnets': return s.subnets;
    case 'Node.pods': return s.maxPodsPerNode;
    case 'Node.routes': return s.routesPerNode;
    case 'Pod.routes': return 2 * s.families;
    case 'ApplyResult.changes':
    case 'ImportResult.changes': return 1 + s.nodes + s.pods;
    case 'ImportResult.skipped': return s.pods;
    default: return undefined;
  }
}

/**
 * Work that no list length shows, in field units: a path's trace (about what
 * its hops' leaves cost to write) and its picture (a 10–20 kB SVG, the bytes
 * of ~1,000 leaves). Without them, 500 aliased `path { svg }` cost 1,000 and
 * answered 8 MB.
 */
const PATH_WORK = 20;
const SVG_WORK = 1000;
/**
 * Introspection: `__schema` answers the whole schema (GraphiQL's query, ~100
 * kB), `__type` one type. Flat prices: five whole introspections fit the
 * limit, 200 aliased ones do not.
 */
const SCHEMA_WORK = 10_000;
const TYPE_WORK = 100;

/** Scalar fields that do work of their own (in proportion to the cluster, or fixed). */
function scalarWork(key: string, s: ClusterSizes | null): number {
  if (key === 'Path.svg') return SVG_WORK;
  if (!s) return 1;
  if (key === 'Node.routeTable') return s.routesPerNode;
  if (key === 'Cluster.verify') return Math.max(1, s.nodes);
  return 1;
}

/** Sizes of the cluster an applyCluster definition describes. */
export function sizesOfDefinition(def: unknown): ClusterSizes {
  const d = (def ?? {}) as { nodes?: unknown; pods?: unknown; subnets?: unknown; podCidrs?: unknown };
  const len = (x: unknown) => (Array.isArray(x) ? x.length : 0);
  const nodes = len(d.nodes);
  const families = Math.max(1, len(d.podCidrs));
  return { nodes, pods: len(d.pods), maxPodsPerNode: len(d.pods), subnets: len(d.subnets), families, routesPerNode: (nodes + len(d.subnets) + 3) * families };
}

/** Sizes of the cluster an importCluster input describes (its Lists' items; skipped pods counted too). */
function sizesOfImport(input: unknown): ClusterSizes {
  const i = (input ?? {}) as { nodes?: { items?: unknown }; pods?: { items?: unknown }; subnets?: unknown; podCidrs?: unknown };
  return sizesOfDefinition({ nodes: i.nodes?.items, pods: i.pods?.items, subnets: i.subnets, podCidrs: i.podCidrs });
}

type Scope = ClusterSizes | null | undefined;

/**
 * The cost of the costliest operation in `document` (the executed one is
 * never costlier). Fragment costs are memoised per cluster scope, so a
 * document whose fragments expand exponentially is priced in linear time.
 */
export async function documentCost(schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown> | undefined, sizes: SizeSource): Promise<number> {
  const known = knownCost(document);
  if (known !== undefined) return known;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  let max = 0;
  let fixed = true;
  for (const d of document.definitions) {
    if (d.kind !== Kind.OPERATION_DEFINITION) continue;
    const c = await operationCost(schema, d, fragments, variables ?? {}, sizes);
    max = Math.max(max, c.cost);
    fixed &&= c.fixed;
  }
  if (fixed) fixedCosts.set(document, max);
  return max;
}

/**
 * Costs of documents that name no cluster (a `path` query): they depend on
 * neither variables nor sizes, and mercurius hands the same parsed document
 * for the same query text, so each is priced once.
 */
const fixedCosts = new WeakMap<DocumentNode, number>();

/** The cost of a document priced before whose cost depends on no cluster (a `path` query), or undefined: no sizes, no promise. */
export function knownCost(document: DocumentNode): number | undefined {
  return fixedCosts.get(document);
}

/** Root fields whose cost depends on a cluster's sizes (and so on variables). */
const SIZED_ROOTS = new Set(['Query.clusters', 'Query.cluster', 'Mutation.addNode', 'Mutation.addPod', 'Mutation.applyCluster']);

async function operationCost(
  schema: GraphQLSchema, op: OperationDefinitionNode, fragments: Map<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>, sizes: SizeSource,
): Promise<{ cost: number; fixed: boolean }> {
  const root = schema.getRootType(op.operation);
  if (!root) return { cost: 0, fixed: true };
  const argsOf = (def: GraphQLField<unknown, unknown>, node: FieldNode): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const a of def.args) {
      const given = node.arguments?.find((x) => x.name.value === a.name);
      const v = given ? valueFromAST(given.value, a.type, variables) : a.defaultValue;
      if (v !== undefined) out[a.name] = v;
    }
    return out;
  };
  // Root fields decide the cluster scope of what they select; sizes are looked up first.
  const memo = new Map<Scope, Map<string, number>>();
  let cost = introspectionCost(op.selectionSet, fragments);
  let fixed = true;
  for (const { field, def } of rootFields(root, op.selectionSet, fragments, schema)) {
    const args = argsOf(def, field);
    const type = getNamedType(def.type);
    const key = `${root.name}.${field.name.value}`;
    cost += key === 'Query.path' ? 1 + PATH_WORK : 1;
    if (SIZED_ROOTS.has(key)) fixed = false;
    if (!field.selectionSet) continue;
    if (key === 'Query.clusters') {
      for (const s of await sizes.all()) cost += selectionCost(field.selectionSet, type, s);
      continue;
    }
    // A path's size does not depend on its cluster's: no lookup for it.
    const clusterArg = key === 'Query.cluster' ? args.name : key === 'Mutation.addNode' || key === 'Mutation.addPod' ? args.cluster : undefined;
    let scope: Scope;
    if (key === 'Mutation.applyCluster') scope = sizesOfDefinition(args.definition);
    else if (key === 'Mutation.importCluster') scope = sizesOfImport(args.input);
    else if (typeof clusterArg === 'string') scope = await sizes.one(clusterArg);
    else scope = undefined;
    // No such cluster: the field is null (or an error); nothing below it runs.
    if (scope === null) continue;
    cost += selectionCost(field.selectionSet, type, scope);
  }
  return { cost, fixed };

  function selectionCost(set: SelectionSetNode, type: GraphQLNamedType | undefined, scope: Scope): number {
    let total = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        const name = sel.name.value;
        if (name.startsWith('__')) continue;
        const def = type && (isObjectType(type) || isInterfaceType(type)) ? type.getFields()[name] : undefined;
        if (!def) continue; // unknown fields are the validator's to report
        const key = `${type!.name}.${name}`;
        if (!sel.selectionSet) {
          total += scalarWork(key, scope ?? null);
          continue;
        }
        let length = 1;
        if (isListType(getNullableType(def.type))) {
          const sized = scope ? sizedLength(key, scope, argsOf(def, sel)) : undefined;
          length = sized ?? FIXED_LENGTH[key] ?? DEFAULT_LENGTH;
        }
        total += length * (1 + selectionCost(sel.selectionSet, getNamedType(def.type), scope));
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        total += selectionCost(sel.selectionSet, sel.typeCondition ? schema.getType(sel.typeCondition.name.value) ?? undefined : type, scope);
      } else {
        const name = sel.name.value;
        let perScope = memo.get(scope);
        if (!perScope) memo.set(scope, (perScope = new Map()));
        let c = perScope.get(name);
        if (c === undefined) {
          perScope.set(name, 0); // a cycle adds nothing more: NoFragmentCyclesRule reports it
          const frag = fragments.get(name);
          c = frag ? selectionCost(frag.selectionSet, schema.getType(frag.typeCondition.name.value) ?? undefined, scope) : 0;
          perScope.set(name, c);
        }
        total += c;
      }
    }
    return total;
  }
}

/**
 * `__schema` and `__type` among an operation's root selections, through its
 * fragments (each priced once and memoised, so fragments that spread each
 * other twice over cost linear time; a cycle adds nothing).
 */
function introspectionCost(set: SelectionSetNode, fragments: Map<string, FragmentDefinitionNode>, memo = new Map<string, number>()): number {
  let total = 0;
  for (const sel of set.selections) {
    if (sel.kind === Kind.FIELD) total += sel.name.value === '__schema' ? SCHEMA_WORK : sel.name.value === '__type' ? TYPE_WORK : 0;
    else if (sel.kind === Kind.INLINE_FRAGMENT) total += introspectionCost(sel.selectionSet, fragments, memo);
    else {
      const name = sel.name.value;
      let c = memo.get(name);
      if (c === undefined) {
        memo.set(name, 0);
        const f = fragments.get(name);
        c = f ? introspectionCost(f.selectionSet, fragments, memo) : 0;
        memo.set(name, c);
      }
      total += c;
    }
  }
  return total;
}

/** The root fields of an operation, through its fragments. */
function rootFields(root: GraphQLNamedType, set: SelectionSetNode, fragments: Map<string, FragmentDefinitionNode>, schema: GraphQLSchema) {
  const out: { field: FieldNode; def: GraphQLField<unknown, unknown> }[] = [];
  const seen = new Set<string>();
  const walk = (s: SelectionSetNode) => {
    for (const sel of s.selections) {
      if (sel.kind === Kind.FIELD) {
        const def = isObjectType(root) ? root.getFields()[sel.name.value] : undefined;
        if (def) out.push({ field: sel, def });
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        walk(sel.selectionSet);
      } else if (!seen.has(sel.name.value)) {
        seen.add(sel.name.value);
        const f = fragments.get(sel.name.value);
        if (f && schema.getType(f.typeCondition.name.value) === root) walk(f.selectionSet);
      }
    }
  };
  walk(set);
  return out;
}
