/**
 * Views are addressed by the URL's fragment, so Back and Forward work, a view can be linked
 * and reloaded, and the Electron IPC check (which ignores fragments) still sees our own page.
 *
 *   #/            overview
 *   #/nodes       nodes table
 *   #/nodes/<id>  one node's detail
 *   #/alerts      active and recent alerts
 *   #/balancer    the load balancer's servers beside the agents
 *   #/roll        rolling drain: plan and progress
 *   #/activity    the audit log of operator actions
 *   #/channels    hot channels, ranked fleet-wide, and the broker
 *   #/channels/<name>  one channel's drill-down
 */
import { useSyncExternalStore } from 'react';

/** Which view the window shows. */
export type Route =
  | { readonly view: 'overview' }
  | { readonly view: 'nodes' }
  | { readonly view: 'node'; readonly nodeId: string }
  | { readonly view: 'alerts' }
  | { readonly view: 'balancer' }
  | { readonly view: 'roll' }
  | { readonly view: 'activity' }
  | { readonly view: 'channels' }
  | { readonly view: 'channel'; readonly name: string };

const OVERVIEW: Route = { view: 'overview' };

/** The route a fragment names; anything unknown is the overview. */
export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '');
  if (path === '/nodes') return { view: 'nodes' };
  if (path === '/alerts') return { view: 'alerts' };
  if (path === '/balancer') return { view: 'balancer' };
  if (path === '/roll') return { view: 'roll' };
  if (path === '/activity') return { view: 'activity' };
  if (path === '/channels') return { view: 'channels' };
  const channel = /^\/channels\/(.+)$/.exec(path);
  if (channel?.[1] !== undefined) {
    try {
      return { view: 'channel', name: decodeURIComponent(channel[1]) };
    } catch {
      return OVERVIEW;
    }
  }
  const node = /^\/nodes\/(.+)$/.exec(path);
  if (node?.[1] !== undefined) {
    try {
      return { view: 'node', nodeId: decodeURIComponent(node[1]) };
    } catch {
      return OVERVIEW;
    }
  }
  return OVERVIEW;
}

/** The fragment for a route, for `href` and {@link navigate}. */
export function routeHref(route: Route): string {
  switch (route.view) {
    case 'overview':
      return '#/';
    case 'nodes':
      return '#/nodes';
    case 'alerts':
      return '#/alerts';
    case 'balancer':
      return '#/balancer';
    case 'roll':
      return '#/roll';
    case 'activity':
      return '#/activity';
    case 'channels':
      return '#/channels';
    case 'channel':
      return `#/channels/${encodeURIComponent(route.name)}`;
    case 'node':
      return `#/nodes/${encodeURIComponent(route.nodeId)}`;
  }
}

/** Shows `route`, adding a history entry. */
export function navigate(route: Route): void {
  window.location.hash = routeHref(route);
}

function subscribe(listener: () => void): () => void {
  window.addEventListener('hashchange', listener);
  return () => window.removeEventListener('hashchange', listener);
}

// The string, not a parsed object: useSyncExternalStore needs a stable value between changes.
const readHash = () => window.location.hash;

/** The route in the address bar, re-rendering when it changes. */
export function useRoute(): Route {
  const hash = useSyncExternalStore(subscribe, readHash);
  // Parsing is cheap and yields equal routes for an equal hash; callers compare fields, not objects.
  return parseRoute(hash);
}
