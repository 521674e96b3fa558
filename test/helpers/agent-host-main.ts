/**
 * A host process for tests that must observe the agent from outside: a `ws` echo server with
 * an agent attached, both on port 0. Run it with `node --expose-gc --import tsx`, so its heap
 * holds nothing but the host and the agent and can be measured after a forced GC.
 *
 * stdout carries one JSON object a line: `ready`, `uncaught` (the moment a process-level
 * listener fires), `measured` and `closed`. stdin takes `{"command":"measure"}` and
 * `{"command":"close"}`, one a line. Tokens come from FLEETDECK_TOKEN and FLEETDECK_READ_TOKEN.
 */
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { WebSocketServer } from 'ws';
import { createAgent } from '../../agent/index.js';

/** A message from this process, one per stdout line. */
export type AgentHostEvent =
  | { readonly event: 'ready'; readonly hostPort: number; readonly adminPort: number; readonly pid: number }
  | { readonly event: 'uncaught'; readonly kind: 'exception' | 'rejection'; readonly stack: string }
  | {
      readonly event: 'measured';
      readonly heapUsed: number;
      readonly adminClients: number;
      readonly hostClients: number;
      /** Enumerable keys on Object.prototype: anything here means a frame polluted it. */
      readonly prototypeKeys: readonly string[];
    }
  | { readonly event: 'closed'; readonly ms: number; readonly timedOut: boolean };

/** A request to this process, one per stdin line. */
export type AgentHostCommand = { readonly command: 'measure' } | { readonly command: 'close' };

/** How long `agent.close()` may take before the fixture reports it as hung. */
const CLOSE_TIMEOUT_MS = 5_000;

function emit(event: AgentHostEvent): void {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

// Registered first so nothing can escape unseen. With a listener the process survives an
// uncaught exception, which lets the test report every one of them instead of only the first.
process.on('uncaughtException', (error) =>
  emit({ event: 'uncaught', kind: 'exception', stack: String(error.stack ?? error) }),
);
process.on('unhandledRejection', (reason) =>
  emit({ event: 'uncaught', kind: 'rejection', stack: String((reason as Error)?.stack ?? reason) }),
);

const { FLEETDECK_TOKEN: token, FLEETDECK_READ_TOKEN: readToken } = process.env;
if (!token || !readToken) throw new Error('set FLEETDECK_TOKEN and FLEETDECK_READ_TOKEN');
const collectGarbage = globalThis.gc;
if (!collectGarbage) throw new Error('run with node --expose-gc');

const host = new WebSocketServer({ host: '127.0.0.1', port: 0 });
await new Promise<void>((resolve) => host.once('listening', () => resolve()));
host.on('connection', (socket) => {
  socket.on('error', () => {});
  socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
});

// No 'error' listener on purpose: the default path is what most hosts run, and it is the one
// that must neither throw nor flood the host's log.
const agent = createAgent({ nodeId: 'fuzz-host', token, readToken, intervalMs: 100, admin: { port: 0 } });
agent.attach(host);
const adminAddress = await agent.ready();

/** The admin server's client count: the agent has no public accessor for it, and a test needs it. */
function adminClientCount(): number {
  const count = (agent as unknown as { admin?: { clientCount?: unknown } }).admin?.clientCount;
  // Fail loudly if the private field moves: a silent 0 would pass a leak check.
  if (typeof count !== 'number')
    throw new Error('agent.admin.clientCount is gone: update agent-host-main.ts');
  return count;
}

async function measure(): Promise<void> {
  // Several cycles with a turn of the loop between them, so weak callbacks and finalizers run
  // and the figure is stable to a few KiB.
  for (let cycle = 0; cycle < 4; cycle++) {
    collectGarbage?.();
    await new Promise((resolve) => setImmediate(resolve));
  }
  emit({
    event: 'measured',
    heapUsed: process.memoryUsage().heapUsed,
    adminClients: adminClientCount(),
    hostClients: host.clients.size,
    prototypeKeys: Object.keys(Object.prototype),
  });
}

async function close(): Promise<void> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([
    agent.close().then(() => false),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), CLOSE_TIMEOUT_MS))),
  ]);
  clearTimeout(timer);
  for (const client of host.clients) client.terminate();
  await new Promise((resolve) => host.close(resolve));
  emit({ event: 'closed', ms: Date.now() - started, timedOut });
  process.exit(0);
}

createInterface({ input: process.stdin }).on('line', (line) => {
  const request = JSON.parse(line) as AgentHostCommand;
  switch (request.command) {
    case 'measure':
      return void measure();
    case 'close':
      return void close();
  }
});
// The test runner going away closes stdin: do not outlive it.
process.stdin.once('end', () => process.exit(0));

emit({
  event: 'ready',
  hostPort: (host.address() as AddressInfo).port,
  adminPort: adminAddress?.port ?? 0,
  pid: process.pid,
});
