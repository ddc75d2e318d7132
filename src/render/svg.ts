// A minimal SVG writer: elements as strings, every attribute value and text
// escaped on the way in, so names from a definition can never break the markup.

export type Attrs = Record<string, string | number | boolean | null | undefined>;

/** Characters XML 1.0 cannot carry at all (controls, lone surrogates, U+FFFE/F) become U+FFFD. */
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
const SPECIAL = /[&<>"']/g;
const ENTITY: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text safe as XML character data and as a double-quoted attribute value. */
export function esc(s: string): string {
  return s.replace(NOT_XML, '\uFFFD').replace(SPECIAL, (c) => ENTITY[c]!);
}

function attrText(a: Attrs): string {
  let out = '';
  for (const [k, v] of Object.entries(a)) {
    if (v === null || v === undefined || v === false) continue;
    out += ` ${k}="${v === true ? k : esc(typeof v === 'number' ? fmt(v) : v)}"`;
  }
  return out;
}

/** Coordinates with at most one decimal: smaller files, the same picture. */
export function fmt(n: number): string {
  return String(Math.round(n * 10) / 10);
}

/** An element whose children are already serialized markup. */
export function el(name: string, a: Attrs, ...children: string[]): string {
  const body = children.join('');
  return body === '' ? `<${name}${attrText(a)}/>` : `<${name}${attrText(a)}>${body}</${name}>`;
}

/** An element holding plain text (escaped here). */
export function txt(name: string, a: Attrs, content: string): string {
  return `<${name}${attrText(a)}>${esc(content)}</${name}>`;
}

export const SANS = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', Arial, sans-serif";
export const MONO = "ui-monospace, 'SFMono-Regular', Menlo, Consolas, 'DejaVu Sans Mono', 'Liberation Mono', monospace";

/**
 * A generous estimate of a text's rendered width: the picture uses only the
 * reader's local fonts, so it cannot measure; boxes are sized to fit the
 * widest common font instead.
 */
export function textWidth(s: string, size: number, mono = false): number {
  return [...s].length * size * (mono ? 0.62 : 0.6);
}

/** `s` cut to `max` characters with an ellipsis (the whole text stays in the element's tooltip). */
export { clip } from '../net/clip.js';
