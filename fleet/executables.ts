/** Finding the fleet's programs (redis-server, haproxy) and starting them so they never outlive us. */
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Directories a non-root PATH often lacks, where Debian puts daemons. */
const SBIN = ['/usr/sbin', '/usr/local/sbin', '/sbin'];

/** The path of an executable: `name` itself if it has a slash, else the first match on PATH or in sbin; null if absent. */
export function findExecutable(name: string): string | null {
  const candidates = name.includes('/')
    ? [name]
    : [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...SBIN].map((directory) =>
        join(directory, name),
      );
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // Not here: try the next directory.
    }
  }
  return null;
}

/**
 * Spawns a daemon that dies with this process, even when this process is SIGKILLed and its
 * exit hooks never run: on Linux, `setpriv --pdeathsig KILL` execs the program in place
 * (same pid) with PR_SET_PDEATHSIG set, so the kernel kills it when we die.
 */
export function spawnOwned(binary: string, args: readonly string[], options: SpawnOptions): ChildProcess {
  const setpriv = process.platform === 'linux' ? findExecutable('setpriv') : null;
  return setpriv
    ? spawn(setpriv, ['--pdeathsig', 'KILL', binary, ...args], options)
    : spawn(binary, args, options);
}
