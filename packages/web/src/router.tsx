import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';

/** The pages, from the pathname. */
export type Route =
  | { readonly page: 'explorer'; readonly log?: string }
  | { readonly page: 'record'; readonly id: string }
  | { readonly page: 'scitt' }
  | { readonly page: 'not-found' };

export function routeOf(pathname: string): Route {
  if (pathname === '/' || pathname === '') return { page: 'explorer' };
  if (pathname === '/verify') return { page: 'scitt' };
  const record = /^\/r\/([^/]+)$/.exec(pathname);
  if (record) return { page: 'record', id: safeDecode(record[1]!) };
  const log = /^\/logs\/([^/]+)$/.exec(pathname);
  if (log) return { page: 'explorer', log: safeDecode(log[1]!) };
  return { page: 'not-found' };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

const NAVIGATE = 'proofline:navigate';

/** Client-side navigation to a path of this app (adds a history entry). */
export function navigate(href: string): void {
  history.pushState(null, '', href);
  window.dispatchEvent(new Event(NAVIGATE));
  window.scrollTo(0, 0);
}

/** The current location, updated on navigation, back/forward and fragment changes. */
export function useLocation(): { pathname: string; hash: string } {
  const read = () => ({ pathname: location.pathname, hash: location.hash });
  const [current, setCurrent] = useState(read);
  useEffect(() => {
    const update = () => setCurrent(read());
    window.addEventListener('popstate', update);
    window.addEventListener('hashchange', update);
    window.addEventListener(NAVIGATE, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener('hashchange', update);
      window.removeEventListener(NAVIGATE, update);
    };
  }, []);
  return current;
}

/** Replaces the fragment without a history entry, and tells useLocation. */
export function replaceHash(hash: string): void {
  history.replaceState(null, '', `${location.pathname}${location.search}${hash}`);
  window.dispatchEvent(new Event(NAVIGATE));
}

/** A link inside the app: a real <a href>, navigated without reloading on a plain click. */
export function Link(props: { href: string; children: ComponentChildren; class?: string }) {
  const { href, children } = props;
  const onClick = (event: MouseEvent) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
      return;
    }
    event.preventDefault();
    navigate(href);
  };
  return (
    <a href={href} class={props.class} onClick={onClick}>
      {children}
    </a>
  );
}
