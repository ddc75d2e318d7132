// Human output: aligned columns, and colour only on a terminal that wants it
// (tty.WriteStream#hasColors honours NO_COLOR, FORCE_COLOR and TERM).

export type Cell = string | number | boolean | null | undefined;

export interface Style {
  bold(s: string): string;
  green(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  dim(s: string): string;
}

export const plainStyle: Style = { bold: (s) => s, green: (s) => s, red: (s) => s, yellow: (s) => s, dim: (s) => s };

function sgr(open: number, close: number) {
  return (s: string) => `\u001b[${open}m${s}\u001b[${close}m`;
}

const ansi: Style = { bold: sgr(1, 22), green: sgr(32, 39), red: sgr(31, 39), yellow: sgr(33, 39), dim: sgr(2, 22) };

export function styleFor(stream: NodeJS.WriteStream): Style {
  return stream.isTTY && typeof stream.hasColors === 'function' && stream.hasColors() ? ansi : plainStyle;
}

// eslint-disable-next-line no-control-regex
const ANSI_RE = /\u001b\[[0-9;]*m/g;
/** Display width, ignoring colour codes. */
export function visibleLength(s: string): number {
  return [...s.replace(ANSI_RE, '')].length;
}

export function cellText(c: Cell): string {
  if (c === null || c === undefined || c === '') return '-';
  if (typeof c === 'boolean') return c ? 'yes' : 'no';
  return String(c);
}

/** The width default output fits (an 80-column terminal); `-o wide` has none. */
export const DEFAULT_WIDTH = 80;

/** Cuts `s` to `width` display columns, ending it with '…' when it was longer. */
export function cut(s: string, width: number): string {
  if (visibleLength(s) <= width) return s;
  const plain = [...s.replace(ANSI_RE, '')];
  return width <= 0 ? '' : `${plain.slice(0, width - 1).join('')}…`;
}

const GAP = 2;
/** A cut column keeps at least this much (or its header), so it still says what it holds. */
const MIN_COLUMN = 6;

/**
 * Column widths that fit `width`: the widest columns give way first, one
 * column at a time, never below their header or MIN_COLUMN. The last column
 * needs no padding, so it counts only its own width.
 */
export function fitWidths(natural: readonly number[], floors: readonly number[], width: number): number[] {
  const w = [...natural];
  const total = () => w.reduce((a, b) => a + b, 0) + GAP * (w.length - 1);
  while (total() > width) {
    let widest = -1;
    for (let i = 0; i < w.length; i++) if (w[i]! > floors[i]! && (widest < 0 || w[i]! > w[widest]!)) widest = i;
    if (widest < 0) break;
    w[widest]!--;
  }
  return w;
}

/**
 * Renders rows under an upper-case header, columns separated by two spaces,
 * no trailing blanks. Empty cells show as '-'. With a `width`, long cells are
 * cut with '…' so that every line fits it.
 */
export function table(header: readonly string[], rows: readonly (readonly Cell[])[], style: Style = plainStyle, width: number | null = null): string {
  const cells = rows.map((r) => header.map((_, i) => cellText(r[i])));
  const natural = header.map((h, i) => Math.max(visibleLength(h), ...cells.map((r) => visibleLength(r[i]!))));
  const widths = width === null ? natural : fitWidths(natural, header.map((h) => Math.max(h.length, MIN_COLUMN)), width);
  const line = (r: readonly string[]) =>
    r.map((c, i) => {
      const fitted = visibleLength(c) > widths[i]! ? cut(c, widths[i]!) : c;
      return i === r.length - 1 ? fitted : fitted + ' '.repeat(widths[i]! - visibleLength(fitted));
    }).join(' '.repeat(GAP)).trimEnd();
  const head = line(header.map((h) => h.toUpperCase()));
  return [style.bold(head), ...cells.map(line)].join('\n') + '\n';
}

/** Each line of `text` cut to `width` (null: unchanged). */
export function fitLines(text: string, width: number | null): string {
  if (width === null) return text;
  return text.split('\n').map((l) => cut(l, width)).join('\n');
}

/** `Key:  value` lines with the values aligned. */
export function keyValues(pairs: readonly (readonly [string, Cell])[], width: number | null = null): string {
  const w = Math.max(...pairs.map(([k]) => k.length)) + 2;
  return pairs.map(([k, v]) => `${`${k}:`.padEnd(w)}${width === null ? cellText(v) : cut(cellText(v), width - w)}`).join('\n') + '\n';
}

/**
 * `text` word-wrapped to `width` columns, line by line: a line's own leading
 * spaces are kept, and the lines it wraps into are indented `indent` more
 * (a usage line or a summary in help that fits 80 columns). A word longer
 * than a line stays whole.
 */
/** Space-separated words, a bracketed group (`[-o json|yaml|wide]`, `(--local | …)`) kept as one. */
function words(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let word = '';
  for (const ch of text) {
    if (ch === '[' || ch === '(') depth++;
    else if ((ch === ']' || ch === ')') && depth > 0) depth--;
    if (ch === ' ' && depth === 0) {
      if (word !== '') out.push(word);
      word = '';
    } else {
      word += ch;
    }
  }
  if (word !== '') out.push(word);
  return out;
}

export function wrap(text: string, width = 80, indent = 0): string {
  return text.split('\n').map((source) => {
    const lead = source.length - source.trimStart().length;
    const out: string[] = [];
    let line = ' '.repeat(lead);
    let empty = true;
    for (const word of words(source.trim())) {
      if (!empty && line.length + 1 + word.length > width) {
        out.push(line);
        line = ' '.repeat(lead + indent) + word;
      } else {
        line = empty ? line + word : `${line} ${word}`;
      }
      empty = false;
    }
    out.push(line);
    return out.join('\n');
  }).join('\n');
}

export function json(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}

/** 0.0078125 → '0.8%'. */
export function percent(ratio: unknown): string {
  if (typeof ratio !== 'number' || !Number.isFinite(ratio)) return '-';
  const p = ratio * 100;
  if (p === 0) return '0%';
  if (p < 0.1) return '<0.1%';
  return `${p.toFixed(1).replace(/\.0$/, '')}%`;
}

export function list(v: unknown): string {
  return Array.isArray(v) ? v.map(String).join(',') : v === null || v === undefined ? '' : String(v);
}
