import { useSyncExternalStore } from 'react';
import type { ConnectionStatus, ConsoleConnection } from './console-connection.js';

/** The connection's current status; re-renders when it changes. */
export function useConnectionStatus(
  connection: Pick<ConsoleConnection, 'getStatus' | 'onStatus'>,
): ConnectionStatus {
  return useSyncExternalStore(connection.onStatus, connection.getStatus);
}
