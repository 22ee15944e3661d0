/**
 * A small History API router. Every app lives under `<base><tenant>/` (`/clientes/bembos-miraflores/`);
 * routes are written relative to that root (`/pedido/:id`), links stay real `<a href>` (open in a new
 * tab, copy the address) and are intercepted for in-app navigation.
 */
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";

let root = "/";
const listeners = new Set<() => void>();

export function setRoot(value: string): void {
  root = value.endsWith("/") ? value : `${value}/`;
}

export function href(path: string): string {
  return `${root}${path.replace(/^\//, "")}`;
}

export function navigate(path: string, options: { replace?: boolean } = {}): void {
  const target = path.startsWith(root) || /^https?:/.test(path) ? path : href(path);
  if (options.replace) history.replaceState(null, "", target);
  else history.pushState(null, "", target);
  window.scrollTo(0, 0);
  for (const listener of listeners) listener();
}

/** The address of this screen (path and query), to come back to after logging in. */
export function currentPath(): string {
  return location.pathname + location.search;
}

export interface Location {
  /** The path below the app root, always starting with "/". */
  path: string;
  query: URLSearchParams;
}

function current(): Location {
  const pathname = location.pathname.startsWith(root) ? location.pathname.slice(root.length - 1) : "/";
  return { path: pathname || "/", query: new URLSearchParams(location.search) };
}

export function useLocation(): Location {
  const [value, setValue] = useState(current);
  useEffect(() => {
    const update = () => setValue(current());
    listeners.add(update);
    window.addEventListener("popstate", update);
    return () => {
      listeners.delete(update);
      window.removeEventListener("popstate", update);
    };
  }, []);
  return value;
}

/** `match("/pedido/:id", "/pedido/abc")` -> `{ id: "abc" }`; null when it does not match. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split("/").filter(Boolean);
  const have = path.split("/").filter(Boolean);
  if (want.length !== have.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i += 1) {
    if (want[i].startsWith(":")) params[want[i].slice(1)] = decodeURIComponent(have[i]);
    else if (want[i] !== have[i]) return null;
  }
  return params;
}

interface AnchorProps {
  to: string;
  children: ComponentChildren;
  class?: string;
  "aria-label"?: string;
  "aria-current"?: "page" | "step" | "true";
}

export function Link({ to, children, class: className, "aria-label": label, "aria-current": current }: AnchorProps) {
  const onClick = (event: MouseEvent) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
    event.preventDefault();
    navigate(to);
  };
  return (
    <a href={href(to)} onClick={onClick} class={className} aria-label={label} aria-current={current}>
      {children}
    </a>
  );
}

/**
 * The one-time token of a mailed link (`...#token=<token>`). The fragment is never sent to a server, so the
 * token stays out of every access log; it is read once and taken out of the address bar at once.
 */
export function takeFragmentToken(): string | null {
  const token = new URLSearchParams(location.hash.slice(1)).get("token");
  if (location.hash) history.replaceState(null, "", location.pathname + location.search);
  return token;
}
