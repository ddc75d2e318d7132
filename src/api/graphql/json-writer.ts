// JSON text written as UTF-8 bytes into one reused buffer, for the path
// executor (fast-path.ts). Its answers are ~2.7 KB of short ASCII strings
// (names, addresses, route texts): built with `s += …` they were ~330 cons
// strings per path, flattened and then encoded to UTF-8 again on the way to
// the socket: ~10 KB of garbage, about a third of what a path request
// allocated (BENCHMARKS.md, "GraphQL path, fifth pass"). Here each piece is
// copied once, byte by byte, and the answer leaves as one Buffer. Anything
// that is not plain ASCII takes JSON.stringify and Buffer's own UTF-8
// encoder, so the bytes are exactly those of JSON.stringify's text encoded
// as UTF-8.

/**
 * Answers are written one after another into a slab and handed out as views
 * of it (no copy): a slab is never written again below what it handed out,
 * and a new one is taken when less than MIN_FREE is left. A slab lives as
 * long as any answer in it (until the socket has sent them all).
 */
const SLAB = 64 * 1024;
const MIN_FREE = 8 * 1024;
/** A slab grown past this for a large answer is left to that answer. */
const RETAIN_MAX = 1024 * 1024;
/** Strings longer than this go through Buffer's encoder at once (a loop per character stops paying). */
const LOOP_MAX = 256;

/** JSON text made when a plan is compiled, as the bytes JsonWriter.bytes copies. */
export function bytesOf(json: string): Uint8Array {
  return new Uint8Array(Buffer.from(json, 'utf8'));
}

export class JsonWriter {
  /**
   * The slab and the write position. The emitter's generated code
   * (fast-path.ts) writes its constant bytes straight into them, after
   * room(): a store per byte, no call and no loop. Nothing else outside
   * this class touches them.
   */
  b: Buffer = Buffer.allocUnsafe(SLAB);
  p = 0;
  /** Where this answer begins in the slab; positions before it belong to answers handed out. */
  private start = 0;

  /** Starts a new answer (dropping what an answer abandoned midway wrote). */
  reset(): void {
    if (this.b.length - this.start < MIN_FREE) {
      this.b = Buffer.allocUnsafe(SLAB);
      this.start = 0;
    }
    this.p = this.start;
  }

  /** Bytes written since reset, as a Buffer of their own (a view of the slab that nothing writes again). */
  take(): Buffer {
    const out = this.b.subarray(this.start, this.p);
    if (this.b.length > RETAIN_MAX) {
      // Grown for a large answer: the next ones go to a slab of the usual size.
      this.b = Buffer.allocUnsafe(SLAB);
      this.start = this.p = 0;
    } else {
      // The next answer starts 8-byte aligned.
      this.start = this.p = Math.min(this.b.length, (this.p + 7) & ~7);
    }
    return out;
  }

  /** Room for `n` more bytes at `p` (b may be another slab after it). */
  room(n: number): void {
    if (this.p + n > this.b.length) this.grow(n);
  }

  /** Room for `n` more bytes: a new slab (at least twice this answer's size) with this answer moved to its start. */
  private grow(n: number): void {
    const used = this.p - this.start;
    let size = SLAB;
    while (size < 2 * (used + n)) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.b.copy(next, 0, this.start, this.p);
    this.b = next;
    this.start = 0;
    this.p = used;
  }

  /** The number of bytes this answer holds so far (a position that again() can copy from). */
  mark(): number {
    return this.p - this.start;
  }

  /** The `n` bytes written at position `at` of this answer, again. */
  again(at: number, n: number): void {
    if (this.p + n > this.b.length) this.grow(n);
    const from = this.start + at;
    this.b.copyWithin(this.p, from, from + n);
    this.p += n;
  }

  /** Constant JSON text as bytes (a plan's keys and punctuation, encoded once by bytesOf). */
  bytes(k: Uint8Array): void {
    const n = k.length;
    if (this.p + n > this.b.length) this.grow(n);
    const b = this.b;
    let p = this.p;
    for (let i = 0; i < n; i++) b[p++] = k[i]!;
    this.p = p;
  }

  /** JSON text that is already right (a serialised leaf): ASCII byte by byte, anything else encoded. */
  raw(s: string): void {
    const n = s.length;
    if (n > LOOP_MAX) return this.utf8(s);
    if (this.p + n > this.b.length) this.grow(n);
    const b = this.b;
    let p = this.p;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) return this.utf8(s);
      b[p++] = c;
    }
    this.p = p;
  }

  /** A string value: `JSON.stringify(s)`, without making it when `s` needs no escape. */
  str(s: string): void {
    const n = s.length;
    if (n > LOOP_MAX) return this.utf8(JSON.stringify(s));
    if (this.p + n + 2 > this.b.length) this.grow(n + 2);
    const b = this.b;
    const start = this.p;
    let p = start;
    b[p++] = 0x22;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      // Printable ASCII but the quote and the backslash: as is. Anything else (controls, non-ASCII, surrogates): JSON.stringify's way.
      if (c < 0x20 || c >= 0x80 || c === 0x22 || c === 0x5c) {
        this.p = start;
        return this.utf8(JSON.stringify(s));
      }
      b[p++] = c;
    }
    b[p++] = 0x22;
    this.p = p;
  }

  /** A safe integer (what GraphQL's Int holds), in JSON.stringify's digits. */
  int(v: number): void {
    if (v >= 0 && v < 10) {
      if (this.p + 1 > this.b.length) this.grow(1);
      this.b[this.p++] = 0x30 + v;
      return;
    }
    this.raw(String(v));
  }

  private utf8(s: string): void {
    const n = Buffer.byteLength(s, 'utf8');
    if (this.p + n > this.b.length) this.grow(n);
    this.p += this.b.write(s, this.p, 'utf8');
  }
}
