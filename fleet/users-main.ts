/**
 * Process entry for the simulated users:
 *   users-main --url http://127.0.0.1:PORT --clients N [--duration-s S] [--sse-share 0.2]
 *              [--channels 1000] [--zipf 1.1] [--publish-every-ms 2000] [--truth FILE]
 * With --truth, the ground truth is written to FILE every 2 s and at the end.
 */
import { writeFileSync } from 'node:fs';
import { integerArg, numberArg, parseArgs } from './args.js';
import { MAX_USERS, startUsers } from './users.js';

const args = parseArgs(process.argv.slice(2), [
  'url',
  'clients',
  'duration-s',
  'sse-share',
  'channels',
  'zipf',
  'publish-every-ms',
  'publisher-share',
  'truth',
]);
const url = args.values.get('url');
if (!url) {
  console.error('users: --url http://host:port is required');
  process.exit(2);
}
const users = startUsers({
  url,
  clients: integerArg(args, 'clients', 10, 0, MAX_USERS),
  durationMs: integerArg(args, 'duration-s', 3_600, 1, 86_400) * 1000,
  sseShare: numberArg(args, 'sse-share', 0.2, 0, 1),
  channels: integerArg(args, 'channels', 1_000, 1, 1_000_000),
  zipf: numberArg(args, 'zipf', 1.1, 0, 5),
  publishEveryMs: integerArg(args, 'publish-every-ms', 2_000, 10, 3_600_000),
  publisherShare: numberArg(args, 'publisher-share', 0.1, 0, 1),
});
const truthFile = args.values.get('truth');
const writeTruth = () => {
  if (truthFile) writeFileSync(truthFile, `${JSON.stringify(users.truth())}\n`);
};
const truthTimer = truthFile ? setInterval(writeTruth, 2_000) : undefined;
const stop = () =>
  void users.stop().then(() => {
    clearInterval(truthTimer);
    writeTruth();
    process.exit(0);
  });
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
if (process.env.FLEETDECK_EXIT_WITH_PARENT === '1') process.stdin.on('end', stop).resume();
