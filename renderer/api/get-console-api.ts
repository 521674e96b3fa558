/**
 * Picks the console API transport: the Electron preload bridge when there is one, else the
 * web-mode WebSocket. The rest of the renderer never knows which one it got.
 */
import type { ConsoleApi } from '../../main/common/console-api.js';
import { BRIDGE_GLOBAL, WEB_API_PATH } from '../../main/common/console-api.js';
import { type ConsoleConnection, connectionFromBridge, unavailableConnection } from './console-connection.js';
import { createWebConsoleClient } from './web-console-client.js';

function isConsoleApi(value: unknown): value is ConsoleApi {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof Reflect.get(value, 'getFleet') === 'function' &&
    typeof Reflect.get(value, 'onFleetDelta') === 'function' &&
    typeof Reflect.get(value, 'getHistory') === 'function' &&
    typeof Reflect.get(value, 'getAlerts') === 'function' &&
    typeof Reflect.get(value, 'getNodeDetail') === 'function' &&
    typeof Reflect.get(value, 'getSparklines') === 'function' &&
    typeof Reflect.get(value, 'listFleets') === 'function' &&
    typeof Reflect.get(value, 'openFleet') === 'function'
  );
}

/** The web-mode API URL for a page at `location`: same host, ws or wss, `?token=` carried over. */
export function webApiUrl(location: Pick<Location, 'protocol' | 'host' | 'search'>): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const token = new URLSearchParams(location.search).get('token') ?? '';
  return `${scheme}//${location.host}${WEB_API_PATH}?token=${encodeURIComponent(token)}`;
}

/**
 * Opens the console connection for this window. Call it once, in the composition root
 * (main.tsx): each call opens its own link, which the caller owns and disposes.
 */
export function getConsoleApi(): ConsoleConnection {
  const bridge: unknown = Reflect.get(window, BRIDGE_GLOBAL);
  if (isConsoleApi(bridge)) return connectionFromBridge(bridge);
  if (bridge !== undefined)
    console.warn(`Fleetdeck: window.${BRIDGE_GLOBAL} is not a console API; ignoring it`);
  const { protocol } = window.location;
  if (protocol !== 'http:' && protocol !== 'https:') {
    // A file:// page without the preload has no server to reach; say so instead of dialling nowhere.
    return unavailableConnection(
      'No console to connect to: open Fleetdeck through the desktop app or the "fleetdeck web" command',
    );
  }
  return createWebConsoleClient({ url: webApiUrl(window.location) });
}
