/**
 * Process entry for one reference node:
 *   node-main --id node-1 [--port 0] [--admin-port 0] [--agent-check-port 0] [--broker URL]
 * `--broker redis://…` uses Redis, `--broker ws://…` the launcher's embedded relay, and no
 * broker keeps pub/sub inside this node. Tokens come from the environment (FLEETDECK_TOKEN,
 * FLEETDECK_READ_TOKEN) so they never show in `ps`. Prints one JSON line
 * {"event":"ready",…} on stdout when it listens.
 */
import { integerArg, parseArgs } from './args.js';
import type { Broker } from './broker/broker.js';
import { createRedisBroker } from './broker/redis-broker.js';
import { createRelayBroker } from './broker/relay.js';
import { startNodeServer } from './node-server.js';

function brokerFor(url: string | undefined, nodeId: string): Broker | undefined {
  if (url === undefined) return undefined;
  // A broker problem is the node's to report (health, samples), never a reason to exit.
  const onError = (error: unknown) => console.error(`broker: ${(error as Error).message}`);
  if (/^rediss?:\/\//.test(url)) return createRedisBroker({ url, nodeId, onError });
  if (/^wss?:\/\//.test(url)) return createRelayBroker({ url, nodeId, onError });
  throw new Error(`--broker must be a redis:// or ws:// URL (got ${url})`);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), [
    'id',
    'host',
    'port',
    'admin-port',
    'agent-check-port',
    'interval-ms',
    'broker',
  ]);
  const nodeId = args.values.get('id');
  const token = process.env.FLEETDECK_TOKEN;
  if (!nodeId) throw new Error('--id is required');
  if (!token) throw new Error('FLEETDECK_TOKEN must be set in the environment');
  const broker = brokerFor(args.values.get('broker'), nodeId);
  const node = await startNodeServer({
    nodeId,
    token,
    ...(process.env.FLEETDECK_READ_TOKEN ? { readToken: process.env.FLEETDECK_READ_TOKEN } : {}),
    host: args.values.get('host') ?? '127.0.0.1',
    port: integerArg(args, 'port', 0, 0, 65535),
    adminPort: integerArg(args, 'admin-port', 0, 0, 65535),
    ...(args.values.has('agent-check-port')
      ? { agentCheckPort: integerArg(args, 'agent-check-port', 0, 0, 65535) }
      : {}),
    intervalMs: integerArg(args, 'interval-ms', 1000, 100, 60_000),
    ...(broker ? { broker } : {}),
  });
  const stop = () => {
    node.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  if (process.env.FLEETDECK_EXIT_WITH_PARENT === '1') {
    // The launcher holds our stdin open; when it dies, even by SIGKILL, stdin ends.
    process.stdin.on('end', stop).resume();
  }
  const ready = {
    event: 'ready',
    id: nodeId,
    url: node.url,
    http: node.httpUrl,
    admin: node.adminUrl,
    agentCheckPort: node.agentCheckPort,
    pid: process.pid,
  };
  process.stdout.write(`${JSON.stringify(ready)}\n`);
}

main().catch((error: unknown) => {
  console.error(`node: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
