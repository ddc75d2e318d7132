// Which addresses of a node's block a pod may hold (SPEC §2), the one place
// podnet states it: the definition reader checks pinned IPs with it, the
// verifier checks stored ones, and the allocators never hand out the others.
import type { Addr, Prefix } from './ip.js';

export type PodIpReason = 'OUTSIDE_BLOCK' | 'NETWORK_ADDRESS' | 'GATEWAY' | 'BROADCAST';

/**
 * Why `ip` cannot be a pod IP in the node block `block`, or null: outside
 * it, its network address, its gateway (network + 1, held by the bridge), or
 * for IPv4 its broadcast (last) address. For IPv6 the last address is an
 * ordinary one. `message` completes a sentence about `ip` ("is the gateway of
 * 10.1.1.0/24"). An IPv4 address is never inside an IPv6 block.
 */
export function podIpProblem(ip: Addr, block: Prefix): { reason: PodIpReason; message: string } | null {
  if (!block.contains(ip)) return { reason: 'OUTSIDE_BLOCK', message: `is outside its node's block ${block.toString()}` };
  // IPv4 on int32 (no bigint): the offset inside a block of at most 2^32 addresses.
  const off = ip.family === 4 ? BigInt(((ip.int32 - block.addr.int32) | 0) >>> 0) : ip.value - block.addr.value;
  if (off === 0n) return { reason: 'NETWORK_ADDRESS', message: `is the network address of ${block.toString()}` };
  if (off === 1n) return { reason: 'GATEWAY', message: `is the gateway of ${block.toString()}` };
  if (ip.family === 4 && off === block.size - 1n) return { reason: 'BROADCAST', message: `is the broadcast address of ${block.toString()}` };
  return null;
}
