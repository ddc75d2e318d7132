// SHA-256 (FIPS 180-4) of short ASCII strings in plain JavaScript, for the
// veth names the tracer asks for one pod at a time (devices.ts,
// vethNameOfOne). Through node:crypto each such name is a call into OpenSSL
// and a hex string made and sliced; between two path requests the caches
// have gone cold, and at k8s-5k under load that cost ~2.4 µs per name
// against ~1.3 µs here (server profiles, BENCHMARKS.md "GraphQL path,
// sixth pass"). The message is packed straight from the string's char
// codes into one reused schedule; nothing is allocated. Non-ASCII input
// returns false and the caller takes node:crypto. The test holds this to
// node:crypto's digest.

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

const INIT = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);

/** The message schedule, reused by every call (its first 16 words are the block). */
const W = new Int32Array(64);

/**
 * SHA-256 of `s` (as its ASCII bytes) into `out` (8 words, big-endian as the
 * digest's bytes read). Returns false, `out` untouched, when `s` holds a
 * character above 0x7f.
 */
export function sha256Ascii(s: string, out: Int32Array): boolean {
  const n = s.length;
  for (let i = 0; i < n; i++) if (s.charCodeAt(i) > 0x7f) return false;
  let h0 = INIT[0]!, h1 = INIT[1]!, h2 = INIT[2]!, h3 = INIT[3]!, h4 = INIT[4]!, h5 = INIT[5]!, h6 = INIT[6]!, h7 = INIT[7]!;
  // The padded message: the bytes, 0x80, zeros, the length in bits in the last 8 bytes.
  const blocks = ((n + 8) >>> 6) + 1;
  for (let b = 0; b < blocks; b++) {
    const base = b << 6;
    for (let t = 0; t < 16; t++) {
      const i = base + (t << 2);
      if (i + 3 < n) {
        W[t] = (s.charCodeAt(i) << 24) | (s.charCodeAt(i + 1) << 16) | (s.charCodeAt(i + 2) << 8) | s.charCodeAt(i + 3);
        continue;
      }
      let w = 0;
      for (let j = i; j < i + 4; j++) w = (w << 8) | (j < n ? s.charCodeAt(j) : j === n ? 0x80 : 0);
      W[t] = w;
    }
    if (b === blocks - 1) {
      // n × 8 bits: the high word holds what lies above 2^32.
      W[14] = Math.floor(n / 0x20000000);
      W[15] = (n << 3) | 0;
    }
    for (let t = 16; t < 64; t++) {
      const x = W[t - 15]!;
      const y = W[t - 2]!;
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      W[t] = (W[t - 16]! + s0 + W[t - 7]! + s1) | 0;
    }
    let a = h0, bb = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7;
    for (let t = 0; t < 64; t++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const ch = (e & f) ^ (~e & g);
      const t1 = (h + S1 + ch + K[t]! + W[t]!) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const maj = (a & bb) ^ (a & c) ^ (bb & c);
      h = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = bb;
      bb = a;
      a = (t1 + S0 + maj) | 0;
    }
    h0 = (h0 + a) | 0; h1 = (h1 + bb) | 0; h2 = (h2 + c) | 0; h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0; h5 = (h5 + f) | 0; h6 = (h6 + g) | 0; h7 = (h7 + h) | 0;
  }
  out[0] = h0; out[1] = h1; out[2] = h2; out[3] = h3; out[4] = h4; out[5] = h5; out[6] = h6; out[7] = h7;
  return true;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Byte `k` (0 … 31) of a digest as sha256Ascii writes it. */
export const digestByte = (d: Int32Array, k: number): number => (d[k >>> 2]! >>> (24 - ((k & 3) << 3))) & 0xff;

/** The first 4 bytes of a digest as 8 lowercase hex characters. */
export function hex8(d: Int32Array): string {
  const w = d[0]!;
  return HEX[(w >>> 24) & 0xff]! + HEX[(w >>> 16) & 0xff]! + HEX[(w >>> 8) & 0xff]! + HEX[w & 0xff]!;
}
