/**
 * Process entry for one reference node. Tokens come from the environment
 * (FLEETDECK_TOKEN, FLEETDECK_READ_TOKEN) so they never show in `ps`.
 * Prints one JSON line {"event":"ready",…} on stdout when it listens.
 */
import { integerArg, parseArgs } from './args.js';
import { startNodeServer } from './node-server.js';

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), ['id', 'host', 'port', 'admin-port', 'interval-ms']);
  const nodeId = args.values.get('id');
  const token = process.env.FLEETDECK_TOKEN;
  if (!nodeId) throw new Error('--id is required');
  if (!token) throw new Error('FLEETDECK_TOKEN must be set in the environment');
  const node = await startNodeServer({
    nodeId,
    token,
    ...(process.env.FLEETDECK_READ_TOKEN ? { readToken: process.env.FLEETDECK_READ_TOKEN } : {}),
    host: args.values.get('host') ?? '127.0.0.1',
    port: integerArg(args, 'port', 0, 0, 65535),
    adminPort: integerArg(args, 'admin-port', 0, 0, 65535),
    intervalMs: integerArg(args, 'interval-ms', 1000, 100, 60_000),
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
  process.stdout.write(
    `${JSON.stringify({ event: 'ready', id: nodeId, url: node.url, http: node.httpUrl, admin: node.adminUrl, pid: process.pid })}\n`,
  );
}

main().catch((error: unknown) => {
  console.error(`node: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
