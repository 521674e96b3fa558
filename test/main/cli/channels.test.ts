/**
 * `fleetdeck channels` against real node processes: clients publish at known paces on two
 * nodes, and the command lists the hottest channels with their rates, filters, and adds up.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelsJson } from '../../../main/cli/commands/channels.js';
import { wsFleetClient } from '../../helpers/fleet-clients.js';
import { fleetFileFor, freePort, NodeProcess, ROOT, TEST_TOKENS } from '../../helpers/processes.js';

const run = promisify(execFile);
let nodes: NodeProcess[];
let fleetFile: string;
const clients: Array<ReturnType<typeof wsFleetClient>> = [];
const timers: NodeJS.Timeout[] = [];

async function channels(
  file: string,
  ...extra: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const args = [
    '--import',
    'tsx',
    join(ROOT, 'main/cli/fleetdeck.ts'),
    'channels',
    '--fleet',
    file,
    ...extra,
  ];
  try {
    const { stdout, stderr } = await run(process.execPath, args, { cwd: ROOT });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** A client on `url` that publishes `perTick` messages on `channel` every 100 ms. */
async function publisher(url: string, channel: string, perTick: number): Promise<void> {
  const client = wsFleetClient(url);
  clients.push(client);
  await client.opened;
  timers.push(
    setInterval(() => {
      for (let index = 0; index < perTick; index++) client.send({ op: 'pub', channel, data: { index } });
    }, 100),
  );
}

beforeAll(async () => {
  nodes = await Promise.all([NodeProcess.start('node-1'), NodeProcess.start('node-2')]);
  fleetFile = join(mkdtempSync(join(tmpdir(), 'fleetdeck-channels-')), 'fleet.json');
  writeFileSync(fleetFile, JSON.stringify(fleetFileFor(nodes)));
  const [one, two] = nodes as [NodeProcess, NodeProcess];
  // A subscriber of hot:1 on node-1, so its messages are delivered there too.
  const subscriber = wsFleetClient(`${one.url}`);
  clients.push(subscriber);
  await subscriber.opened;
  subscriber.send({ op: 'sub', channel: 'hot:1' });
  // hot:1 at 40 + 20 msgs/s on two nodes, warm:1 at 10/s on node-1, cold:9 at 2/s… roughly:
  // setInterval's 100 ms drifts a little, so the checks below allow for it.
  await publisher(one.url, 'hot:1', 4);
  await publisher(two.url, 'hot:1', 2);
  await publisher(one.url, 'warm:1', 1);
  const cold = wsFleetClient(two.url);
  clients.push(cold);
  await cold.opened;
  timers.push(setInterval(() => cold.send({ op: 'pub', channel: 'cold:9', data: 1 }), 500));
}, 30_000);

afterAll(async () => {
  for (const timer of timers) clearInterval(timer);
  for (const client of clients) client.socket.terminate();
  await Promise.all(nodes.map((node) => node.stop()));
});

describe('fleetdeck channels', () => {
  it('lists the top N channels over every node with their rates, and the rows plus "other" add up', async () => {
    const { code, stdout } = await channels(fleetFile, '--json', '--top', '2', '--wait-ms', '5000');
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as ChannelsJson;
    expect(result.nodes).toBe(2);
    expect(result.nodesReporting).toBe(2);
    expect(result.windowS).toBeGreaterThanOrEqual(2);
    expect(result.channels.map((row) => row.name)).toEqual(['hot:1', 'warm:1']);
    const [hot, warm] = result.channels;
    expect(hot?.nodes).toBe(2);
    expect(hot?.publishPerSec).toBeGreaterThan(45);
    expect(hot?.publishPerSec).toBeLessThan(65);
    // One subscriber on node-1 receives node-1's 40/s.
    expect(hot?.deliveriesPerSec).toBeGreaterThan(30);
    expect(hot?.subscribers).toBe(1);
    expect(warm?.publishPerSec).toBeGreaterThan(7);
    expect(warm?.publishPerSec).toBeLessThan(12);
    expect(warm?.fanOut).toBe(0);
    for (const key of ['publishPerSec', 'deliveriesPerSec', 'bytesInPerSec', 'bytesOutPerSec'] as const) {
      const sum = result.channels.reduce((total, row) => total + row[key], 0) + result.other[key];
      expect(sum).toBeCloseTo(result.totals[key], 1);
    }
    // cold:9 is in "other".
    expect(result.other.publishPerSec).toBeGreaterThan(1);
  }, 30_000);

  it('filters with a glob, and --now lists the latest second of every channel the nodes listed', async () => {
    const { code, stdout } = await channels(
      fleetFile,
      '--json',
      '--filter',
      'cold:*',
      '--now',
      '--wait-ms',
      '3500',
    );
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as ChannelsJson;
    expect(result.windowS).toBe(1);
    expect(result.channels.map((row) => row.name)).toEqual(['cold:9']);
    expect(result.matchedChannels).toBe(1);
  }, 30_000);

  it('prints a table with the remainder and the total', async () => {
    const { code, stdout } = await channels(
      fleetFile,
      '--top',
      '1',
      '--sort',
      'deliveriesPerSec',
      '--wait-ms',
      '3500',
    );
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^1 of \d+ channels, rates averaged over \d+ s, 2 nodes reporting/);
    expect(lines[1]).toMatch(/^CHANNEL\s+PUB\/S\s+DELIV\/S\s+FAN-OUT/);
    expect(lines[2]).toMatch(/^hot:1\s/);
    expect(lines[3]).toMatch(/^\(other channels\)/);
    expect(lines[4]).toMatch(/^\(fleet total\)/);
  }, 30_000);

  it('exits 3 and says so when a node is not reachable, and 2 for a bad --sort', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'fleetdeck-channels-')), 'fleet.json');
    const fleet = fleetFileFor(nodes);
    fleet.nodes.push({ id: 'gone', admin: `ws://127.0.0.1:${await freePort()}`, url: 'ws://127.0.0.1:1' });
    writeFileSync(file, JSON.stringify({ ...fleet, tokens: TEST_TOKENS }));
    const down = await channels(file, '--json', '--wait-ms', '3000');
    expect(down.code).toBe(3);
    expect(down.stderr).toMatch(/gone is not reachable/);
    expect((JSON.parse(down.stdout) as ChannelsJson).nodesReporting).toBe(2);
    const usage = await channels(file, '--sort', 'name');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--sort must be one of activity/);
  }, 30_000);
});
