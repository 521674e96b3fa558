/**
 * Finds Electron's binary for `fleetdeck start`, fetching it once if the install skipped it
 * (installs here run with Electron's download disabled). Runs in plain Node, not in Electron.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The binary's path from the `electron` package, or null while it is not downloaded. */
function installedBinary(): string | null {
  try {
    // CommonJS require, not import(): a failed ESM import is cached, so a retry after download would fail too.
    const path: unknown = require('electron');
    return typeof path === 'string' && existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

function download(): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [require.resolve('electron/install.js')], {
      stdio: 'ignore',
      timeout: 180_000,
    });
    child.on('exit', (code) => resolve(code === 0));
    child.on('error', () => resolve(false));
  });
}

/** Electron's binary, fetched once if missing, or why the console cannot open in Electron. */
export async function electronBinary(): Promise<{ path: string } | { why: string }> {
  let path = installedBinary();
  if (path === null) {
    if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) return { why: 'ELECTRON_SKIP_BINARY_DOWNLOAD is set' };
    if (!(await download())) return { why: "Electron's binary could not be downloaded on this machine" };
    path = installedBinary();
    if (path === null) return { why: "Electron's binary is still missing after the download" };
  }
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    return { why: 'there is no display (DISPLAY is not set)' };
  }
  return { path };
}
