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

/**
 * Renders rows under an upper-case header, columns separated by two spaces,
 * no trailing blanks. Empty cells show as '-'.
 */
export function table(header: readonly string[], rows: readonly (readonly Cell[])[], style: Style = plainStyle): string {
  const cells = rows.map((r) => header.map((_, i) => cellText(r[i])));
  const widths = header.map((h, i) => Math.max(visibleLength(h), ...cells.map((r) => visibleLength(r[i]!))));
  const line = (r: readonly string[]) =>
    r.map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat(widths[i]! - visibleLength(c)))).join('  ').trimEnd();
  return [style.bold(line(header.map((h) => h.toUpperCase()))), ...cells.map(line)].join('\n') + '\n';
}

/** `Key:  value` lines with the values aligned. */
export function keyValues(pairs: readonly (readonly [string, Cell])[]): string {
  const w = Math.max(...pairs.map(([k]) => k.length)) + 2;
  return pairs.map(([k, v]) => `${`${k}:`.padEnd(w)}${cellText(v)}`).join('\n') + '\n';
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
