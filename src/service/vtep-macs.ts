// Which stored node holds a VTEP MAC, so that a node added to a cluster is
// checked against every stored one without a pass over them all. Only a pin
// can collide (two names hashing to one MAC is not a case): a new node's
// derived MAC is looked up among stored pins, a new pin among stored pins
// and every stored node's derived MAC. Those derived MACs cost one sha256 per
// node, so they are indexed only when a pinned node is first added.
import { nodeVtepMac, vtepMac } from '../net/devices.js';
import type { Family } from '../net/ip.js';
import { pinField, type MacPins } from './definition/nodes.js';

const FAMILIES = [4, 6] as const;

export class VtepMacIndex<T extends MacPins> {
  /** Per family: the MAC each node pins (for IPv6, vtepMac6, else vtepMac) → that node. */
  private readonly pinned: Record<Family, Map<string, T>> = { 4: new Map(), 6: new Map() };
  /** Every node's name-derived MAC → that node; null until a pinned node is added. */
  private derived: Map<string, T> | null = null;

  /** The index of `nodes`; the first of them holding a MAC owns it, as a scan in order would find. */
  static of<T extends MacPins>(nodes: readonly T[]): VtepMacIndex<T> {
    const idx = new VtepMacIndex<T>();
    for (const n of nodes) idx.addPins(n);
    return idx;
  }

  /**
   * The stored node whose VTEP MAC of family `f` the new node `n` would take,
   * or undefined. `nodes` are the indexed nodes (read only to index derived
   * MACs the first time a pin needs them).
   */
  owner(n: MacPins, f: Family, nodes: () => readonly T[]): T | undefined {
    const mac = nodeVtepMac(n, f);
    const pinnedBy = this.pinned[f].get(mac);
    if (pinnedBy || !pinField(n, f)) return pinnedBy;
    if (!this.derived) {
      this.derived = new Map();
      for (const s of nodes()) this.addDerived(s);
    }
    const d = this.derived.get(mac);
    return d && !pinField(d, f) ? d : undefined;
  }

  add(n: T): void {
    this.addPins(n);
    if (this.derived) this.addDerived(n);
  }

  /**
   * False when `n` pins a MAC: another node may pin the same one for the
   * other family's device, which this index did not keep, so the caller
   * builds a new index instead (pins are rare; a node without one is removed here).
   */
  remove(n: T): boolean {
    if (FAMILIES.some((f) => pinField(n, f))) return false;
    if (this.derived) {
      const mac = vtepMac(n.name);
      if (this.derived.get(mac) === n) this.derived.delete(mac);
    }
    return true;
  }

  private addPins(n: T): void {
    for (const f of FAMILIES) {
      if (!pinField(n, f)) continue;
      const mac = nodeVtepMac(n, f);
      if (!this.pinned[f].has(mac)) this.pinned[f].set(mac, n);
    }
  }

  private addDerived(n: T): void {
    const mac = vtepMac(n.name);
    if (!this.derived!.has(mac)) this.derived!.set(mac, n);
  }
}
