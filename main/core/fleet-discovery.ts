/**
 * Launcher discovery: `npm run fleet` (fleet/launch.ts) writes its fleet file to
 * `<tmpdir>/fleetdeck-fleet-<pid>-<ms>.json` unless given `--out`, and deletes it on exit. A
 * file whose launcher process is still alive is a fleet running on this machine now; a file
 * left behind by a killed launcher is skipped.
 */
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The name the launcher gives its fleet file: pid, then the launch time in epoch ms. */
export const LAUNCHER_FILE_NAME = /^fleetdeck-fleet-(\d+)-(\d+)\.json$/;

/** A running launcher's fleet file. */
export interface LauncherFleetFile {
  readonly path: string;
  readonly pid: number;
  /** Epoch ms when the launcher started, from the file name. */
  readonly startedAt: number;
}

/** True when a process with this pid exists (signal 0 only checks). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True when `path`'s file name is a launcher's fleet file name. */
export function isLauncherFileName(name: string): boolean {
  return LAUNCHER_FILE_NAME.test(name);
}

/** The fleet files of launchers running now in `dir` (default: the OS temp folder), newest first. */
export async function findLauncherFleets(
  dir: string = tmpdir(),
  isAlive: (pid: number) => boolean = isProcessAlive,
): Promise<LauncherFleetFile[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const found: LauncherFleetFile[] = [];
  for (const name of names) {
    const match = LAUNCHER_FILE_NAME.exec(name);
    if (match === null) continue;
    const pid = Number(match[1]);
    if (!Number.isSafeInteger(pid) || pid <= 0 || !isAlive(pid)) continue;
    found.push({ path: join(dir, name), pid, startedAt: Number(match[2]) });
  }
  return found.sort((left, right) => right.startedAt - left.startedAt);
}
