// What the allocators answer besides blocks and addresses: capacity figures
// and the expected failures (exhaustion, a pin that cannot be honoured).
import { NetError } from './ip.js';

/**
 * A count as JSON can carry it exactly: a number when it is at most
 * Number.MAX_SAFE_INTEGER (every realistic cluster), otherwise its decimal
 * string (e.g. the 2^64 − 2 pod IPs of an IPv6 /64).
 */
export type Count = number | string;

/**
 * Capacity figures, JSON-ready. `total` is what can ever be handed out
 * (for blocks: 2^(blockBits − rangeBits) minus `excluded`), `free = total − used`,
 * `utilization = used / total` as a ratio in [0, 1] (1 when `total` is 0: nothing
 * can be allocated). `excluded` counts blocks lost to reserved and service
 * ranges (always 0 for pod IPs).
 */
export interface Capacity {
  total: Count;
  used: number;
  free: Count;
  excluded: Count;
  utilization: number;
}

/**
 * An expected allocation outcome that the caller turns into a 409: exhaustion
 * ('POD_CIDR_EXHAUSTED', 'NODE_POD_CIDR_EXHAUSTED', with the capacity figures
 * in `details`) or a pin that cannot be honoured ('POD_CIDR_CONFLICT',
 * 'POD_IP_CONFLICT', with the reason and the conflicting range in `details`).
 */
export class AllocatorError extends NetError {
  readonly details: Record<string, unknown>;

  constructor(code: string, input: string, message: string, details: Record<string, unknown>) {
    super(code, input, message);
    this.name = 'AllocatorError';
    this.details = details;
  }
}

/** Converts an exact count to its JSON-safe form (see Count). */
export function toCount(n: bigint): Count {
  return n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n.toString();
}

/** Capacity figures from `total` (what can be handed out), `used` and `excluded`. */
export function capacityOf(total: bigint, used: number, excluded: bigint): Capacity {
  return {
    total: toCount(total),
    used,
    free: toCount(total - BigInt(used)),
    excluded: toCount(excluded),
    utilization: total === 0n ? 1 : used / Number(total),
  };
}
