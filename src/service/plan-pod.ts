// The planner for one pod added to a stored node (POST …/pods): its pinned
// IPs occupied, else the first free address of each of its node's blocks.
import { IpAllocator } from '../net/allocator.js';
import type { Addr, Prefix } from '../net/ip.js';
import type { PodDefinition } from './definition.js';
import { podRef } from './definition.js';
import { AppError } from './errors.js';
import { conflict } from './plan.js';

/** IPs for one pod added to a node (POST …/pods). */
export function planAddPod(nodeBlocks: readonly Prefix[], usedIps: readonly Addr[], pod: PodDefinition): Addr[] {
  const allocs = nodeBlocks.map((b) => new IpAllocator(b));
  for (const ip of usedIps) allocs.find((a) => a.block.family === ip.family && a.block.contains(ip))?.occupy(ip);
  const ref = podRef(pod);
  const out: Addr[] = [];
  for (const alloc of allocs) {
    const pin = pod.ips.find((ip) => ip.family === alloc.block.family);
    try {
      if (pin) {
        alloc.occupy(pin);
        out.push(pin);
      } else {
        out.push(alloc.allocateNext());
      }
    } catch (err) {
      conflict(err, `pod "${ref}" on node "${pod.node}"`);
    }
  }
  for (const pin of pod.ips) {
    if (!allocs.some((a) => a.block.family === pin.family)) {
      throw new AppError('POD_IP_CONFLICT', `pod "${ref}": ${pin.toString()} has no IPv${pin.family} block on node "${pod.node}"`);
    }
  }
  return out;
}
