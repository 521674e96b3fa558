/**
 * The only file that touches `ipcMain` and `webContents.send`: it carries the console API
 * contract between the core and the window's preload, and nothing else.
 */
import { type BrowserWindow, type IpcMainInvokeEvent, ipcMain } from 'electron';
import {
  type ConsoleHandlers,
  type ConsoleRequests,
  IPC_CHANNELS,
  type RequestName,
} from '../common/console-api.js';
import { parseBrokerArgs, parseChannelArgs, parseChannelsArgs } from '../core/channels/channel-args.js';
import { type ConsoleBackend, parseListFleetsArgs, parseOpenFleetArgs } from '../core/console-host.js';
import { parseHistoryArgs, parseNodeDetailArgs, parseSparklinesArgs } from '../core/history.js';
import { OPERATION_ARG_PARSERS } from '../core/operations/args.js';
import { APP_INDEX_URL } from './main-window.js';

/**
 * Checks the renderer's untrusted arguments per request. Typed over every request name, so
 * a method added to the contract does not compile until it is wired here.
 */
const argumentParsers: {
  readonly [M in RequestName]: (args: readonly unknown[]) => ConsoleRequests[M]['args'];
} = {
  getFleet: (args) => {
    if (args.length !== 0) throw new TypeError('getFleet takes no arguments');
    return [];
  },
  getHistory: (args) => parseHistoryArgs(args),
  getAlerts: (args) => {
    if (args.length !== 0) throw new TypeError('getAlerts takes no arguments');
    return [];
  },
  getNodeDetail: (args) => parseNodeDetailArgs(args),
  getSparklines: (args) => parseSparklinesArgs(args),
  listFleets: (args) => parseListFleetsArgs(args),
  openFleet: (args) => parseOpenFleetArgs(args),
  ...OPERATION_ARG_PARSERS,
  getChannels: (args) => parseChannelsArgs(args),
  getChannel: (args) => parseChannelArgs(args),
  getBroker: (args) => parseBrokerArgs(args),
};

const requestNames = Object.keys(argumentParsers) as RequestName[];

/**
 * Serves the console API to `window` and forwards fleet deltas to it (those of whichever fleet
 * the host has open); returns the dispose.
 */
export function registerIpc(service: ConsoleBackend, window: BrowserWindow): () => void {
  for (const name of requestNames) {
    ipcMain.handle(IPC_CHANNELS[name], (event, ...args: unknown[]) => {
      assertTrustedSender(event, window);
      return invoke(service.handlers, name, args);
    });
  }

  const unsubscribe = service.subscribe((delta) => {
    // Deltas keep coming while the window closes; a destroyed webContents throws on send.
    if (window.isDestroyed() || window.webContents.isDestroyed()) return;
    window.webContents.send(IPC_CHANNELS.fleetDelta, delta);
  });

  let disposed = false;
  const dispose = (): void => {
    if (disposed) return;
    disposed = true;
    unsubscribe();
    for (const name of requestNames) ipcMain.removeHandler(IPC_CHANNELS[name]);
    if (!window.isDestroyed()) window.off('closed', dispose);
  };
  window.once('closed', dispose);
  return dispose;
}

function invoke<M extends RequestName>(
  handlers: ConsoleHandlers,
  name: M,
  args: readonly unknown[],
): Promise<ConsoleRequests[M]['result']> {
  const handler: (...parsed: ConsoleRequests[M]['args']) => Promise<ConsoleRequests[M]['result']> =
    handlers[name];
  return handler(...argumentParsers[name](args));
}

// Like VS Code's validatedIpcMain: only our window's top frame, showing our own page, may call.
function assertTrustedSender(event: IpcMainInvokeEvent, window: BrowserWindow): void {
  const frame = event.senderFrame;
  const trusted =
    frame !== null &&
    frame.parent === null &&
    !window.isDestroyed() &&
    event.sender === window.webContents &&
    documentUrl(frame.url) === APP_INDEX_URL;
  if (!trusted) throw new Error(`Refused IPC from an untrusted sender: ${frame?.url ?? 'unknown frame'}`);
}

// The renderer may route with #fragments or ?queries; the document itself must still be our index.
function documentUrl(url: string): string | null {
  if (!URL.canParse(url)) return null;
  const parsed = new URL(url);
  parsed.hash = '';
  parsed.search = '';
  return parsed.href;
}
