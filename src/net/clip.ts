// Text an answer quotes from its input, cut short: one huge value (a 5 MB
// "address") must not come back once in `detail` and again in `errors`.
// Pure, and O(max) whatever the input's length.

/** What a message quotes of one input value, at most (code points, the ellipsis included). */
export const QUOTED_MAX = 70;

/**
 * `s` itself when it has at most `max` code points, else its first `max − 1`
 * code points and '…' (a surrogate pair is never split).
 */
export function clip(s: string, max: number): string {
  if (s.length <= max) return s; // code units ≥ code points: it fits
  let i = 0;
  for (let n = 0; n < max - 1 && i < s.length; n++) i += isPairAt(s, i) ? 2 : 1;
  if (i >= s.length) return s;
  const last = isPairAt(s, i) ? 2 : 1;
  return i + last >= s.length ? s : `${s.slice(0, i)}…`;
}

function isPairAt(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  if (c < 0xd800 || c > 0xdbff || i + 1 >= s.length) return false;
  const d = s.charCodeAt(i + 1);
  return d >= 0xdc00 && d <= 0xdfff;
}

/** `s` clipped to QUOTED_MAX and quoted as JSON, for a message. */
export const quoted = (s: string, max = QUOTED_MAX): string => JSON.stringify(clip(s, max));
