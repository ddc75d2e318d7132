// First-fit allocation of node blocks inside a cluster range, and of pod IPs
// inside a node block (SPEC §2), like Kubernetes' cidrset but with no limit
// on the mask difference. The pieces, one per file:
// - allocator-blocks.ts: BlockAllocator (node blocks);
// - allocator-ips.ts: IpAllocator (the pod-IP rule itself is podip.ts's), gatewayOf;
// - allocator-sets.ts: the state both keep (word bitmaps, or runs of bigints
//   where a bitmap cannot hold the range);
// - allocator-grid.ts: block index <-> address arithmetic;
// - allocator-capacity.ts: capacity figures and AllocatorError.
export { AllocatorError, capacityOf, toCount, type Capacity, type Count } from './allocator-capacity.js';
export { BlockAllocator } from './allocator-blocks.js';
export { IpAllocator, gatewayOf } from './allocator-ips.js';
