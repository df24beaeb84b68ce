import { shallowReactive, type Component } from 'vue';

/**
 * A tiny history-mode router: a list of path patterns, one reactive `route`, and `navigate()`.
 * Enough for a handful of pages without pulling in vue-router.
 */
export interface RouteDef {
  name: string;
  /** `/estates/:id/import` style; `:name` matches one path segment. */
  path: string;
  component: () => Promise<{ default: Component }>;
  /** Pages anyone may open without signing in. */
  public?: boolean;
}

export interface CurrentRoute {
  name: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  def: RouteDef | null;
}

const compiled: { def: RouteDef; re: RegExp; keys: string[] }[] = [];

export function defineRoutes(defs: RouteDef[]) {
  compiled.length = 0;
  for (const def of defs) {
    const keys: string[] = [];
    const pattern = def.path
      .split('/')
      .map((seg) => {
        if (seg.startsWith(':')) {
          keys.push(seg.slice(1));
          return '([^/]+)';
        }
        return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      })
      .join('/');
    compiled.push({ def, re: new RegExp(`^${pattern}/?$`), keys });
  }
}

function resolve(url: URL): CurrentRoute {
  for (const { def, re, keys } of compiled) {
    const m = re.exec(url.pathname);
    if (!m) continue;
    const params: Record<string, string> = {};
    keys.forEach((k, i) => (params[k] = decodeURIComponent(m[i + 1] ?? '')));
    return { name: def.name, path: url.pathname, params, query: url.searchParams, def };
  }
  return { name: 'not-found', path: url.pathname, params: {}, query: url.searchParams, def: null };
}

export const route = shallowReactive<CurrentRoute>({ name: '', path: '/', params: {}, query: new URLSearchParams(), def: null });

/** Called before each route change; may return another path to go to instead. */
type Guard = (to: CurrentRoute) => string | null;
let guard: Guard = () => null;
export function setGuard(g: Guard) {
  guard = g;
}

function sync(replaceHops = 0) {
  const next = resolve(new URL(window.location.href));
  const redirect = replaceHops < 3 ? guard(next) : null;
  if (redirect) {
    window.history.replaceState(window.history.state, '', redirect);
    sync(replaceHops + 1);
    return;
  }
  Object.assign(route, next);
}

/** Position in this tab's in-app history, kept in history.state so Back knows whether it can go back. */
function index(): number {
  const st = window.history.state as { idx?: number } | null;
  return typeof st?.idx === 'number' ? st.idx : 0;
}

/** Goes to an in-app path (`/estates/1/import?x=1`). `replace` keeps it out of the back history. */
export function navigate(to: string, opts: { replace?: boolean } = {}) {
  const target = new URL(to, window.location.origin);
  const url = target.pathname + target.search;
  if (opts.replace) window.history.replaceState({ idx: index() }, '', url);
  else window.history.pushState({ idx: index() + 1 }, '', url);
  sync();
  if (!opts.replace) window.scrollTo(0, 0);
}

/** Back within the app, or to `fallback` when this page was opened directly (e.g. from a QR code). */
export function back(fallback = '/') {
  if (index() > 0) window.history.back();
  else navigate(fallback, { replace: true });
}

export function startRouter() {
  if (window.history.state === null) window.history.replaceState({ idx: 0 }, '', window.location.href);
  window.addEventListener('popstate', () => sync());
  sync();
}
