/**
 * The Electron composition root: everything in the main process is wired here, by hand.
 * Usage: `electron . [--fleet fleet.json]` (or FLEETDECK_FLEET=fleet.json). Without a fleet file it
 * reopens the most recent fleet, else a running local launcher's, else starts with none and the
 * window offers to open one. Recent fleets live in `app.getPath('userData')`.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { app, type BrowserWindow, dialog } from 'electron';
import { type ConsoleHost, createConsoleHost } from '../core/console-host.js';
import { registerIpc } from './ipc.js';
import { createMainWindow, guardWebContents } from './main-window.js';
import { startAlertNotifications } from './notifications.js';

// A hung agent link must not keep the process alive after the operator quits.
const DISPOSE_TIMEOUT_MS = 3000;

let host: ConsoleHost | null = null;
let mainWindow: BrowserWindow | null = null;
let disposeIpc: (() => void) | null = null;
let disposeNotifications: (() => void) | null = null;
let quitState: 'running' | 'disposing' | 'disposed' = 'running';

app.enableSandbox();
app.on('web-contents-created', (_event, contents) => guardWebContents(contents));

if (app.requestSingleInstanceLock()) {
  app.on('second-instance', () => {
    if (mainWindow === null || mainWindow.isDestroyed()) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });
  // A tool, not a document app: closing the window ends it on macOS too.
  app.on('window-all-closed', () => app.quit());
  // Quit waits for the agent links to close; the second quit, after disposal, goes through.
  app.on('before-quit', (event) => {
    if (quitState === 'disposed') return;
    event.preventDefault();
    if (quitState === 'disposing') return;
    quitState = 'disposing';
    void disposeAll().then(() => {
      quitState = 'disposed';
      app.quit();
    });
  });
  app.whenReady().then(start).catch(fail);
} else {
  app.quit();
}

async function start(): Promise<void> {
  const fleetPath = fleetFileArgument();
  host = createConsoleHost({ dataDir: app.getPath('userData') });
  // A fleet file named on the command line must load; without one, any fleet (or none) will do.
  if (fleetPath !== null) await host.open(path.resolve(fleetPath));
  else await host.openStartupFleet();
  mainWindow = createMainWindow();
  // Same tick as creation, so the page never finds a request without a handler.
  disposeIpc = registerIpc(host, mainWindow);
  disposeNotifications = startAlertNotifications(host, mainWindow);
}

function fleetFileArgument(): string | null {
  // strict: false because Chromium and Electron add switches of their own to argv.
  const { values } = parseArgs({
    args: process.argv.slice(1),
    options: { fleet: { type: 'string' } },
    strict: false,
    allowPositionals: true,
  });
  const fleet = typeof values.fleet === 'string' ? values.fleet : process.env.FLEETDECK_FLEET;
  return fleet === undefined || fleet === '' ? null : fleet;
}

function fail(error: unknown): void {
  dialog.showErrorBox('Fleetdeck could not start', error instanceof Error ? error.message : String(error));
  app.quit();
}

/** Never rejects, so quitting always completes. */
async function disposeAll(): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, DISPOSE_TIMEOUT_MS);
  });
  try {
    disposeIpc?.();
    disposeNotifications?.();
    await Promise.race([host?.dispose(), timeout]);
  } catch (error) {
    console.error('Fleetdeck: error while shutting down', error);
  } finally {
    clearTimeout(timer);
  }
}
