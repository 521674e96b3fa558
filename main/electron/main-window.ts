/**
 * The console's one window and the security settings every web contents gets.
 * Modelled on VS Code's windows.ts: sandboxed, isolated, no Node, and nothing may open,
 * navigate or ask for a permission behind the operator's back.
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BrowserWindow, type Session, shell, type WebContents } from 'electron';

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
  const window = new BrowserWindow({
    width: 1280,
    height: 800,
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
  window.once('ready-to-show', () => window.show());
  window.loadFile(rendererIndexPath).catch((error: unknown) => {
    console.error(`Fleetdeck: could not load ${rendererIndexPath} (is the renderer built?)`, error);
  });
  return window;
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
