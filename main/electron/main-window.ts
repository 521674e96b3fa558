/**
 * The console's one window and the security settings every web contents gets.
 * Modelled on VS Code's windows.ts: sandboxed, isolated, no Node, and nothing may open,
 * navigate or ask for a permission behind the operator's back.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { app, BrowserWindow, type Session, screen, shell, type WebContents } from 'electron';
import {
  fitWindowState,
  MIN_WINDOW_SIZE,
  parseWindowStateText,
  serializeWindowState,
  type WindowState,
} from '../core/window-state.js';

// Compiled to dist/main/electron/; the renderer build lands in dist/renderer/.
const compiledDirectory = path.dirname(fileURLToPath(import.meta.url));
const preloadPath = path.join(compiledDirectory, 'preload.cjs');
const rendererIndexPath = path.join(compiledDirectory, '..', '..', 'renderer', 'index.html');

/** The renderer's own page; IPC from any other URL is refused. */
export const APP_INDEX_URL = pathToFileURL(rendererIndexPath).href;

const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

const guardedContents = new WeakSet<WebContents>();

/** Denies popups, navigation and webviews for any web contents; safe to call twice. */
export function guardWebContents(contents: WebContents): void {
  if (guardedContents.has(contents)) return;
  guardedContents.add(contents);
  contents.setWindowOpenHandler(({ url }) => {
    openIfHttps(url);
    return { action: 'deny' };
  });
  // The app is a single page: any navigation is a link or an injected redirect.
  contents.on('will-navigate', (event) => {
    event.preventDefault();
    openIfHttps(event.url);
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

/** Creates the main window and starts loading the renderer; register IPC before the next tick. */
export function createMainWindow(): BrowserWindow {
  const stateFile = path.join(app.getPath('userData'), WINDOW_STATE_FILE);
  const workAreas = screen.getAllDisplays().map((display) => display.workArea);
  const bounds = fitWindowState(readWindowState(stateFile), workAreas, screen.getPrimaryDisplay().workArea);
  const window = new BrowserWindow({
    x: bounds.x,
    y: bounds.y,
    width: bounds.width,
    height: bounds.height,
    minWidth: MIN_WINDOW_SIZE.width,
    minHeight: MIN_WINDOW_SIZE.height,
    backgroundColor: '#0f1419', // the dark theme's background, so there is no white flash
    show: false,
    webPreferences: {
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      webSecurity: true,
      preload: preloadPath,
    },
  });
  hardenSession(window.webContents.session);
  guardWebContents(window.webContents);
  rememberWindowState(window, stateFile);
  window.once('ready-to-show', () => {
    if (bounds.maximized) window.maximize();
    window.show();
  });
  window.loadFile(rendererIndexPath).catch((error: unknown) => {
    console.error(`Fleetdeck: could not load ${rendererIndexPath} (is the renderer built?)`, error);
  });
  return window;
}

/**
 * Brings the window to the front showing the alerts view (a notification was clicked).
 *
 * How the view is chosen, within the security stance: no script is executed in the page and no
 * IPC channel is added. The renderer routes by URL fragment, and Chromium turns a
 * browser-initiated navigation to a URL that differs from the current one only after the `#`
 * into a same-document fragment navigation: no reload, no new connection, the page just gets a
 * `hashchange` and its router shows the view. `will-navigate` is not emitted for it (so the
 * guard above stays as strict as it is), and ipc.ts ignores fragments when it checks the sender.
 * It is done only while our own page is loaded; otherwise the window is just focused.
 */
export function showAlertsView(window: BrowserWindow): void {
  if (window.isDestroyed()) return;
  if (window.isMinimized()) window.restore();
  window.show();
  window.focus();
  const contents = window.webContents;
  const current = contents.getURL();
  if (!URL.canParse(current) || contents.isLoadingMainFrame()) return;
  const target = new URL(current);
  target.hash = '';
  if (target.href !== APP_INDEX_URL) return;
  target.hash = ALERTS_FRAGMENT;
  if (target.href === current) return;
  contents.loadURL(target.href).catch((error: unknown) => {
    console.error('Fleetdeck: could not show the alerts view', error);
  });
}

const ALERTS_FRAGMENT = '#/alerts';
const WINDOW_STATE_FILE = 'window-state.json';
/** Moving or resizing fires many events a second; the file is written once things settle. */
const SAVE_WINDOW_STATE_DELAY_MS = 500;

function readWindowState(file: string): WindowState | null {
  try {
    return parseWindowStateText(readFileSync(file, 'utf8'));
  } catch {
    // No file yet (first start) or an unreadable one: open at the default place.
    return null;
  }
}

function currentWindowState(window: BrowserWindow): WindowState {
  // The normal bounds, so a maximized window comes back maximized over the size it had before.
  return { ...window.getNormalBounds(), maximized: window.isMaximized() };
}

/**
 * Saves the window's state to `file` after moves and resizes (debounced) and on close. Every
 * write goes to a temporary file that is renamed over the old one, so a crash mid-write leaves
 * the previous state, never half a file.
 */
function rememberWindowState(window: BrowserWindow, file: string): void {
  let timer: NodeJS.Timeout | undefined;
  let writes = 0;
  const temporary = () => `${file}.${process.pid}.${++writes}.tmp`;
  const saveLater = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (window.isDestroyed() || window.isMinimized() || window.isFullScreen()) return;
      const text = serializeWindowState(currentWindowState(window));
      const scratch = temporary();
      writeFile(scratch, text, { mode: 0o600 })
        .then(() => rename(scratch, file))
        .catch((error: unknown) => console.error('Fleetdeck: could not save the window state', error));
    }, SAVE_WINDOW_STATE_DELAY_MS);
  };
  window.on('resize', saveLater);
  window.on('move', saveLater);
  window.on('maximize', saveLater);
  window.on('unmaximize', saveLater);
  window.once('close', () => {
    clearTimeout(timer);
    if (window.isFullScreen()) return;
    // Synchronous: the process may quit right after this event.
    try {
      const scratch = temporary();
      writeFileSync(scratch, serializeWindowState(currentWindowState(window)), { mode: 0o600 });
      renameSync(scratch, file);
    } catch (error) {
      console.error('Fleetdeck: could not save the window state', error);
    }
  });
}

function hardenSession(session: Session): void {
  // The console needs no camera, notifications or clipboard; saying no is the whole policy.
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  // The app loads only its own pages, so every response in this session gets the policy.
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] },
    });
  });
}

// Only https leaves the app: plain http could be downgraded, other schemes launch programs.
function openIfHttps(url: string): void {
  if (!URL.canParse(url) || new URL(url).protocol !== 'https:') return;
  shell.openExternal(url).catch((error: unknown) => console.error('Fleetdeck: could not open', url, error));
}
