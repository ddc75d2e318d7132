// Parses and validates a cluster definition (SPEC §2, §3) into core values.
// Every problem is collected as {path, message} (never only the first) and
// thrown as one AppError. Pure: no I/O. Cross-checks use Maps, sorted
// indexes and sort + sweep, so the 5,000-node / 150,000-pod definition of
// SPEC §9 parses in well under a second.
//
// Status: malformed or contradictory input is 422 VALIDATION_FAILED. A pin
// that cannot be honoured (a node block outside the pod CIDR, of the wrong
// size, on a reserved range or on another node's pin; a pod IP outside its
// node's pinned block or already pinned) is what SPEC §2 and the allocator
// call 409 POD_CIDR_CONFLICT / POD_IP_CONFLICT: when such conflicts are the
// only problems, that code is thrown (the errors list names every one);
// mixed with other problems, the answer is 422 listing all of them.
import { nodeVtepMac } from '../net/devices.js';
import type { Family } from '../net/ip.js';
import type { ClusterSettings } from '../net/model.js';
import { AppError } from './errors.js';
import { fields, readObject } from './definition/json.js';
import { checkPinOverlaps, nodeRules, pinField, readNode, readNodes, vtepMacClash, type MacPins } from './definition/nodes.js';
import { readPod, readPods } from './definition/pods.js';
import { Problems } from './definition/problems.js';
import { readSettings } from './definition/settings.js';
import type { ClusterDefinition, NodeDefinition, PodDefinition } from './definition/types.js';

export { clusterSettingsEqual } from './definition/settings.js';
export { podRef } from './definition/pods.js';
export type { ClusterDefinition, NodeDefinition, PodDefinition } from './definition/types.js';

const CLUSTER_FIELDS = fields(['name', 'podCidrs', 'nodeMaskSize', 'serviceCidr', 'network', 'subnets', 'reserved', 'nodes', 'pods'], ['podMtu', 'capacity']);

/** Parses a whole definition; throws AppError listing every problem (see the header for the code). */
export function parseClusterDefinition(body: unknown): ClusterDefinition {
  const p = new Problems();
  const o = readObject(p, body, '', CLUSTER_FIELDS);
  if (!o) return p.fail();
  const settings = readSettings(p, o);
  const rules = nodeRules(settings);
  const nodes = readNodes(p, o.nodes, rules);
  const pods = readPods(p, o.pods, nodes, rules);
  p.throwIfAny();
  return { ...settings, nodes: nodes.list, pods };
}

/** One node added to an existing cluster (POST …/nodes), by the same rules; duplicates against stored nodes are the service's to check. */
export function parseNodeInput(body: unknown, cluster: ClusterSettings): NodeDefinition {
  const p = new Problems();
  const rules = nodeRules(cluster);
  const node = readNode(p, body, '', rules);
  if (!node) return p.fail();
  checkPinOverlaps(p, node.pins.map((pin) => ({ ...pin, node: node.def.name, index: 0 })), rules.reserved, 'nodes');
  p.throwIfAny();
  return node.def;
}

/**
 * A node added to a stored cluster takes no other node's VTEP MAC: a 422 as
 * in a definition. `ownerOf` names the stored node holding the MAC of family
 * `f` that `node` would have (a VtepMacIndex answers it without a pass over
 * every stored node).
 */
export function checkNewVtepMac(ownerOf: (node: NodeDefinition, f: Family) => MacPins | undefined, node: NodeDefinition): void {
  for (const f of [4, 6] as const) {
    const mac = nodeVtepMac(node, f);
    const mine = pinField(node, f);
    const owner = ownerOf(node, f);
    if (!owner) continue;
    const message = vtepMacClash(mac, owner, 'stored', f);
    const path = mine ?? 'name';
    throw new AppError('VALIDATION_FAILED', `${path}: ${message}`, { errors: [{ path, message }] });
  }
}

/** One pod (POST …/pods); whether its node exists, and its IPs fit the node's block, is the service's to check. */
export function parsePodInput(body: unknown): PodDefinition {
  const p = new Problems();
  const pod = readPod(p, body, '');
  p.throwIfAny();
  if (!pod) return p.fail();
  return pod.def;
}
