// The console's shell: asks for a token once (when the service wants one),
// then routes /ui/… URLs to pages, in place, without reloading.
import { ApiError, session, token, whenUnauthorized } from './api.js';
import { h, link, mount, type Child } from './dom.js';
import { clusterPage } from './pages/cluster.js';
import { clustersPage } from './pages/clusters.js';
import { loginPage } from './pages/login.js';
import { nodePage } from './pages/node.js';
import { pathPage } from './pages/path.js';

export interface PageContext {
  /** Aborted when the user leaves the page: its requests stop. */
  signal: AbortSignal;
  query: URLSearchParams;
  /** Sets the breadcrumb trail and the document title. */
  crumbs(...items: [label: string, href?: string][]): void;
  navigate(href: string, replace?: boolean): void;
}

type Page = (root: HTMLElement, ctx: PageContext, params: string[]) => Promise<void>;

const ROUTES: [RegExp, Page][] = [
  [/^\/ui\/?$/, clustersPage],
  [/^\/ui\/clusters\/?$/, clustersPage],
  [/^\/ui\/clusters\/([^/]+)\/?$/, clusterPage],
  [/^\/ui\/clusters\/([^/]+)\/nodes\/([^/]+)\/?$/, nodePage],
  [/^\/ui\/clusters\/([^/]+)\/path\/?$/, pathPage],
];

const app = document.getElementById('app')!;
const crumbsEl = document.getElementById('crumbs')!;
const signOut = document.getElementById('signout') as HTMLButtonElement;
let current: AbortController | null = null;
/** True once the service accepted the token (or needs none). */
let signedIn = false;

function crumbs(...items: [string, string?][]): void {
  const parts: Child[] = [];
  items.forEach(([label, href], i) => {
    if (i > 0) parts.push(h('span', { class: 'sep', 'aria-hidden': 'true' }, '/'));
    parts.push(href ? link(href, label) : h('span', { 'aria-current': 'page' }, label));
  });
  mount(crumbsEl, ...parts);
  document.title = [...items.map(([l]) => l).reverse(), 'podnet'].join(' · ');
}

function navigate(href: string, replace = false): void {
  if (replace) history.replaceState(null, '', href);
  else history.pushState(null, '', href);
  void render().then(focusPage);
}

/**
 * After an in-app navigation, focus goes to the new page's heading, as a page
 * load would put a keyboard or screen-reader user at its top; the link that
 * was focused is gone. A page that focused a field of its own keeps it.
 */
function focusPage(): void {
  const active = document.activeElement;
  if (active && active !== document.body && app.contains(active)) return;
  const heading = app.querySelector('h1');
  if (!heading) return;
  heading.setAttribute('tabindex', '-1');
  heading.focus({ preventScroll: true });
}

async function render(): Promise<void> {
  current?.abort();
  const ctl = new AbortController();
  current = ctl;
  if (!signedIn) {
    let s: Awaited<ReturnType<typeof session>>;
    try {
      s = await session(token.get());
    } catch (err) {
      if (ctl.signal.aborted) return;
      signOut.hidden = token.get() === null;
      crumbs(['Unreachable']);
      showError(err);
      return;
    }
    signedIn = !s.auth || s.valid;
    if (!s.valid) token.clear();
  }
  if (ctl.signal.aborted) return;
  signOut.hidden = token.get() === null;
  if (!signedIn) {
    crumbs(['Sign in']);
    await loginPage(app, async (candidate) => {
      if (!(await session(candidate)).valid) return false;
      token.set(candidate);
      signedIn = true;
      void render();
      return true;
    });
    return;
  }
  const path = location.pathname;
  const ctx: PageContext = { signal: ctl.signal, query: new URLSearchParams(location.search), crumbs, navigate };
  const route = ROUTES.find(([re]) => re.test(path));
  if (!route) {
    crumbs(['Not found']);
    mount(app, h('section', { class: 'panel' }, h('h1', null, 'No such page'), h('p', null, 'Back to ', link('/ui', 'the clusters'), '.')));
    return;
  }
  const params = route[0].exec(path)!.slice(1).map(decodeURIComponent);
  try {
    await route[1](app, ctx, params);
  } catch (err) {
    if (ctl.signal.aborted || (err as Error).name === 'AbortError') return;
    showError(err);
  }
}

function showError(err: unknown): void {
  const e = err instanceof ApiError ? err : null;
  // fetch rejects with a TypeError when no answer came at all (the service is down, or the network).
  const unreachable = !e && err instanceof TypeError;
  const retry = h('button', { type: 'button', class: 'secondary small', id: 'retry' }, 'Retry');
  retry.addEventListener('click', () => void render());
  mount(app, h('section', { class: 'panel error', role: 'alert', 'data-unreachable': String(unreachable) },
    h('h1', null, e ? `${e.code}` : unreachable ? 'The service cannot be reached' : 'Something went wrong'),
    h('p', null, e ? e.message : unreachable
      ? `No answer from ${location.host} (${String((err as Error).message)}). Is podnet running? The console tries again when you retry or navigate.`
      : String((err as Error)?.message ?? err)),
    h('p', null, retry, ' ', link('/ui', 'Back to the clusters'))));
}

whenUnauthorized(() => {
  if (!signedIn) return;
  signedIn = false;
  token.clear();
  void render();
});

document.addEventListener('click', (ev) => {
  const a = (ev.target as Element | null)?.closest?.('a[data-nav]') as HTMLAnchorElement | null;
  if (!a || ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
  ev.preventDefault();
  navigate(a.getAttribute('href')!);
});
window.addEventListener('popstate', () => void render().then(focusPage));
signOut.addEventListener('click', () => {
  token.clear();
  signedIn = false;
  void render();
});

void render();
