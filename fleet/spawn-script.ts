/** Runs a sibling script as a Node process, from source (.ts, through tsx) or from dist (.js). */
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The command line that runs `name` (without extension) next to the module at `base`. */
export function scriptCommand(name: string, base: string): { command: string; args: string[] } {
  const extension = extname(fileURLToPath(base));
  const path = fileURLToPath(new URL(`./${name}${extension}`, base));
  const args = extension === '.ts' ? ['--import', 'tsx', path] : [path];
  return { command: process.execPath, args };
}

/** Spawns the sibling script `name` with extra arguments. */
export function spawnScript(
  name: string,
  base: string,
  args: string[],
  options: SpawnOptions = {},
): ChildProcess {
  const script = scriptCommand(name, base);
  return spawn(script.command, [...script.args, ...args], options);
}
