/** Minimal path-based routing over the History API: every page has its own shareable URL. */
import { useEffect, useState } from 'preact/hooks';

const listeners = new Set<() => void>();

/** Navigates to `href` (path + query) without reloading. */
export function navigate(href: string, replace = false): void {
  if (replace) history.replaceState(null, '', href);
  else history.pushState(null, '', href);
  listeners.forEach((l) => l());
}

window.addEventListener('popstate', () => listeners.forEach((l) => l()));

/** The current location, re-rendering on navigation. */
export function useLocation(): { path: string; search: URLSearchParams } {
  const [, setTick] = useState(0);
  useEffect(() => {
    const l = () => setTick((t) => t + 1);
    listeners.add(l);
    return () => void listeners.delete(l);
  }, []);
  return { path: location.pathname, search: new URLSearchParams(location.search) };
}
