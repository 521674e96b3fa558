/**
 * The command runner with real shells: placeholders filled and quoted so no value can inject a
 * command, output captured and bounded, exit status, and a hung command killed at its timeout
 * together with what it started.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  describeResult,
  fillTemplate,
  placeholdersIn,
  runCommand,
  shellQuote,
  unknownPlaceholders,
} from '../../../../main/core/operations/command-runner.js';
import { isAlive } from '../../../helpers/redis.js';
import { waitFor } from '../../../helpers/wait.js';

const dir = mkdtempSync(join(tmpdir(), 'fleetdeck-runner-'));
const leftovers: number[] = [];

afterAll(() => {
  for (const pid of leftovers) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
});

describe('fillTemplate', () => {
  it('quotes each value as one shell word and leaves other braces alone', () => {
    expect(fillTemplate('kubectl get pod {id} -o jsonpath={.status.podIP}', { id: 'ws-0' })).toBe(
      "kubectl get pod 'ws-0' -o jsonpath={.status.podIP}",
    );
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(fillTemplate('ws://{host}:{port}', { host: 'a.example', port: 9400 }, (value) => value)).toBe(
      'ws://a.example:9400',
    );
  });

  it('refuses a template whose placeholder has no value', () => {
    expect(() => fillTemplate('ssh {host} stop {id}', { id: 'node-1' })).toThrow(
      'the template needs {host}, and no host was given',
    );
  });

  it('lists the placeholders used and the unknown words in braces', () => {
    expect(placeholdersIn('start {port} {id} {id}')).toEqual(['id', 'port']);
    expect(unknownPlaceholders('start {node} {id} {.items[0]} {{.metadata.name}}')).toEqual(['node']);
  });
});

describe('runCommand', () => {
  it('captures stdout, stderr, the exit status and the duration', async () => {
    const result = await runCommand('echo out; echo err >&2; exit 3', { timeoutMs: 10_000 });
    expect(result).toMatchObject({
      exitCode: 3,
      signal: null,
      timedOut: false,
      aborted: false,
      stdout: 'out\n',
      stderr: 'err\n',
      truncated: false,
    });
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
    expect(describeResult('the add command', result, 10_000)).toMatch(
      /^the add command exited with 3 after \d+\.\d s: err$/,
    );
  });

  it('passes an id with spaces, quotes and ";" as one argument: nothing is injected', async () => {
    const marker = join(dir, 'pwned');
    const hostile = `a b; touch ${marker}; echo "$(id)" 'x' \`id\``;
    const line = fillTemplate(`printf '[%s]\\n' {id}; printf '%s' {id} > ${join(dir, 'seen')}`, {
      id: hostile,
    });
    const result = await runCommand(line, { timeoutMs: 10_000, cwd: dir });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe(`[${hostile}]\n`);
    expect(readFileSync(join(dir, 'seen'), 'utf8')).toBe(hostile);
    expect(existsSync(marker)).toBe(false);
  });

  it('runs in the given directory with the given environment', async () => {
    const result = await runCommand('pwd; echo "$FLEETDECK_NODE_ID"', {
      timeoutMs: 10_000,
      cwd: dir,
      env: { FLEETDECK_NODE_ID: 'node-7' },
    });
    expect(result.stdout).toBe(`${dir}\nnode-7\n`);
  });

  it('keeps only the newest 64 KB of a long output', async () => {
    const result = await runCommand("head -c 300000 /dev/zero | tr '\\0' a; echo END", { timeoutMs: 10_000 });
    expect(result.exitCode).toBe(0);
    expect(result.truncated).toBe(true);
    expect(Buffer.byteLength(result.stdout)).toBe(64 * 1024);
    expect(result.stdout.endsWith('aaaEND\n')).toBe(true);
  });

  it('kills a hung command and what it started at the timeout, SIGKILL for one that ignores SIGTERM', async () => {
    const pidFile = join(dir, 'hung.pid');
    const result = await runCommand(
      `trap '' TERM; sleep 300 & echo $! > ${pidFile}; echo started; wait; wait`,
      { timeoutMs: 500, killGraceMs: 300 },
    );
    const sleeper = Number(readFileSync(pidFile, 'utf8'));
    leftovers.push(sleeper);
    expect(result.timedOut).toBe(true);
    expect(result.exitCode).toBeNull();
    expect(result.signal).toBe('SIGKILL');
    expect(result.stdout).toBe('started\n');
    await waitFor(() => !isAlive(sleeper), "the command's background sleep to be killed too", 5_000);
    expect(describeResult('the add command', result, 500)).toBe(
      'the add command did not finish within 500 ms and was stopped: started',
    );
  });

  it('ends when the shell exits even if a process it left running holds the output open', async () => {
    const pidFile = join(dir, 'background.pid');
    const result = await runCommand(`sleep 300 & echo $! > ${pidFile}; echo done`, { timeoutMs: 20_000 });
    const sleeper = Number(readFileSync(pidFile, 'utf8'));
    leftovers.push(sleeper);
    expect(result).toMatchObject({ exitCode: 0, timedOut: false, stdout: 'done\n' });
    // Not killed: a started node must keep running after its add command returns.
    expect(isAlive(sleeper)).toBe(true);
  });

  it('stops a command when its caller aborts', async () => {
    const controller = new AbortController();
    const running = runCommand('sleep 300', { timeoutMs: 60_000, signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    const result = await running;
    expect(result).toMatchObject({ aborted: true, timedOut: false, signal: 'SIGTERM' });
    expect(describeResult('the restart command', result, 60_000)).toBe(
      'the restart command was stopped because the console closed',
    );
  });
});
