/**
 * A real redis-server for tests: a thin wrapper over the fleet's own startRedisServer. A
 * missing redis-server fails the test with the install hint, locally and in CI: a broker
 * test that silently skips would prove nothing.
 */
import { afterAll, beforeAll, expect } from 'vitest';
import { type RedisProcess, startRedisServer } from '../../fleet/broker/redis-process.js';
import { freePort } from './processes.js';

/**
 * Starts a redis-server on a free loopback port outside the ephemeral range (tests restart it
 * on the same port, which a parallel test's connection must not take meanwhile); the caller
 * stops it.
 */
export async function startTestRedis(): Promise<RedisProcess> {
  return startRedisServer({ port: await freePort() });
}

/** Whether a process is still running. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * One redis-server for the calling file, started before its tests and stopped after them
 * (and checked to be gone). Returns a getter, usable inside tests and hooks.
 */
export function redisServerForFile(): () => RedisProcess {
  let server: RedisProcess | undefined;
  beforeAll(async () => {
    server = await startTestRedis();
  });
  afterAll(async () => {
    const pid = server?.pid ?? null;
    await server?.stop();
    if (pid !== null) expect(isAlive(pid)).toBe(false);
  });
  return () => {
    if (!server) throw new Error('redis-server is not running: see the failure in beforeAll');
    return server;
  };
}
