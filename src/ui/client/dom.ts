// Building DOM without a framework: h() makes an element from props and
// children; text is always a text node, never parsed as HTML, so names from
// the API cannot inject markup.

export type Child = Node | string | number | null | undefined | false | Child[];
type Handler = (ev: Event) => void;
export type Props = Record<string, string | number | boolean | null | undefined | Handler>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props | null = null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props ?? {})) {
    if (v === null || v === undefined || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.replace(/^on/, ''), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

export function append(parent: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(parent, c);
    else parent.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

/** Replaces the children of `el`. */
export function mount(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

/** A link inside the console: navigates without reloading the page. */
export function link(href: string, ...children: Child[]): HTMLAnchorElement {
  return h('a', { href, 'data-nav': true }, ...children);
}

/** A utilisation bar: `ratio` in [0, 1]. */
export function bar(ratio: number, label: string): HTMLElement {
  const fill = h('span', { class: 'fill' });
  const pct = Math.max(0, Math.min(1, ratio));
  fill.style.width = `${(pct * 100).toFixed(1)}%`;
  const level = pct >= 0.9 ? 'high' : pct >= 0.7 ? 'mid' : 'low';
  return h('span', { class: `bar ${level}`, role: 'meter', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': Math.round(pct * 100), 'aria-label': label, title: label }, fill);
}

export const percent = (x: number): string => `${(x * 100).toFixed(x > 0 && x < 0.001 ? 3 : 1)}%`;

/** A count that may be a decimal string (IPv6 capacities beyond 2^53). */
export const count = (x: number | string): string => (typeof x === 'number' ? x.toLocaleString('en-US') : x);

export function loading(what: string): HTMLElement {
  return h('p', { class: 'loading' }, `Loading ${what}…`);
}
