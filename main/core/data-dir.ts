/**
 * Where the console keeps what it remembers between runs (recent fleets). Electron passes
 * `app.getPath('userData')`; the CLI and web mode use {@link defaultDataDir}.
 */
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

/**
 * `$FLEETDECK_DATA_DIR`, else `$XDG_CONFIG_HOME/fleetdeck`, else `~/.config/fleetdeck`.
 * Relative settings are ignored, as the XDG specification asks.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  const explicit = env.FLEETDECK_DATA_DIR;
  if (explicit !== undefined && isAbsolute(explicit)) return explicit;
  const config = env.XDG_CONFIG_HOME;
  if (config !== undefined && isAbsolute(config)) return join(config, 'fleetdeck');
  return join(home, '.config', 'fleetdeck');
}
