// An apply's change list, in plan order, without an object per created pod
// until one is asked for. A 65,000-node apply creates 1.95 million pods; their
// changes as objects (each with its `ns/name` and an array of IP strings) were
// ~200 bytes a pod that lived as long as the request, for an answer that by
// default lists the first 100 of them (the summary view) and counts the rest.
// A created pod is held as its index into the plan's pod specs, and its change
// is made from the spec when the list is read: the same object, field for
// field, as the eager list held.
import type { PodSpec } from '../net/model.js';
import type { Change } from './plan.js';
import { podRef } from './definition.js';
import type { ChangeCounts } from './views.js';

type Kind = Change['kind'];

const zero = (): Record<Kind, number> => ({ cluster: 0, node: 0, pod: 0 });

export class ChangeList implements Iterable<Change> {
  /** A Change, or (a number) the index in `pods` of a pod the plan creates. */
  private readonly items: (Change | number)[] = [];
  private readonly tally: ChangeCounts = { create: zero(), update: zero(), delete: zero() };
  private pods: readonly PodSpec[] = [];
  private whole: Change[] | null = null;

  push(c: Change): void {
    this.items.push(c);
    this.tally[c.action][c.kind]++;
    this.whole = null;
  }

  /** The creation of the pod at `index` of the specs given to `resolvePods`. */
  pushPodCreate(index: number): void {
    this.items.push(index);
    this.tally.create.pod++;
    this.whole = null;
  }

  /** The pod specs that pushPodCreate's indexes point into (the plan's topology pods). */
  resolvePods(pods: readonly PodSpec[]): void {
    this.pods = pods;
    this.whole = null;
  }

  get length(): number {
    return this.items.length;
  }

  /** Every change counted per action and kind, with no change made for it. */
  counts(): ChangeCounts {
    const t = this.tally;
    return { create: { ...t.create }, update: { ...t.update }, delete: { ...t.delete } };
  }

  /** The changes from `start` to `end` (as Array.prototype.slice), made for these only. */
  slice(start = 0, end = this.items.length): Change[] {
    if (this.whole) return this.whole.slice(start, end);
    return this.items.slice(start, end).map((x) => this.made(x));
  }

  /** Every change as an object (made once, then kept). */
  toArray(): Change[] {
    return (this.whole ??= this.items.map((x) => this.made(x)));
  }

  toJSON(): Change[] {
    return this.toArray();
  }

  [Symbol.iterator](): Iterator<Change> {
    return this.toArray()[Symbol.iterator]();
  }

  private made(x: Change | number): Change {
    if (typeof x !== 'number') return x;
    const spec = this.pods[x];
    if (!spec) throw new Error(`ChangeList: no pod spec at ${x} (resolvePods not called?)`);
    return { action: 'create', kind: 'pod', name: podRef(spec), ips: spec.ips.map(String) };
  }
}
