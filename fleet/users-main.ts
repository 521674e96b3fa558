/** Process entry for the simulated users: `users-main --clients N --duration-s S URL…`. */
import { integerArg, parseArgs } from './args.js';
import { MAX_USERS, startUsers } from './users.js';

const args = parseArgs(process.argv.slice(2), ['clients', 'duration-s', 'publish-every-ms', 'channels']);
const users = startUsers({
  urls: args.positionals,
  clients: integerArg(args, 'clients', 10, 0, MAX_USERS),
  durationMs: integerArg(args, 'duration-s', 3_600, 1, 86_400) * 1000,
  publishEveryMs: integerArg(args, 'publish-every-ms', 2_000, 10, 3_600_000),
  channels: integerArg(args, 'channels', 20, 1, 1_000_000),
});
const stop = () => void users.stop().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
if (process.env.FLEETDECK_EXIT_WITH_PARENT === '1') process.stdin.on('end', stop).resume();
