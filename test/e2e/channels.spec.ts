/**
 * Hot channels end to end: three reference nodes on a real redis-server, simulated users
 * publishing over a Zipf law through the development balancer, the web-mode console over them,
 * and the Channels view, a channel's drill-down and the broker panel in Debian's Chromium.
 * A channel made hot on purpose (subscribers on every node, one fast publisher) climbs to the
 * top with the rising marker; its drill-down shows the nodes that deliver it; the filter
 * narrows the table. A second fleet of ten nodes fills the table with 500 channels to measure
 * frame times while it scrolls and refreshes.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { type DevBalancer, startDevBalancer } from '../../fleet/balancer/dev-balancer.js';
import { type RedisProcess, startRedisServer } from '../../fleet/broker/redis-process.js';
import { wsFleetClient } from '../helpers/fleet-clients.js';
import { FleetNodeProcess } from '../helpers/fleet-node-process.js';
import { FleetOwner } from '../helpers/fleet-owner.js';
import { firstLine, freePort, runTs, stop, TEST_TOKENS } from '../helpers/processes.js';

test.use({ viewport: { width: 1280, height: 800 } });
test.describe.configure({ mode: 'serial' });

const HOT = 'hot:burst';
/** Subscribers of the hot channel on each node. */
const SUBSCRIBERS_PER_NODE = 5;

type FleetClient = ReturnType<typeof wsFleetClient>;

/** Writes a fleet file for `nodes` (plus `extras`) and starts `fleetdeck web` on it; resolves with its URL. */
async function startConsole(
  owner: FleetOwner,
  nodes: readonly FleetNodeProcess[],
  name: string,
  extras: Record<string, unknown> = {},
): Promise<string> {
  const directory = mkdtempSync(join(tmpdir(), 'fleetdeck-channels-e2e-'));
  const fleetFile = join(directory, 'fleet.json');
  const file = {
    name,
    tokens: TEST_TOKENS,
    nodes: nodes.map((node) => ({ id: node.id, admin: node.adminUrl, url: node.url })),
    ...extras,
  };
  writeFileSync(fleetFile, JSON.stringify(file));
  const consoleProcess: ChildProcess = owner.own(
    runTs('main/cli/fleetdeck.ts', ['web', '--fleet', fleetFile], {
      FLEETDECK_DATA_DIR: join(directory, 'data'),
    }),
    (child) => stop(child),
    `console ${name}`,
  );
  return firstLine(
    consoleProcess,
    (line) => /^Fleetdeck console: (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)$/.exec(line)?.[1] ?? null,
  );
}

/** Opens a protocol client on `url`, subscribed to `channels`, owned by `owner`. */
async function subscriber(owner: FleetOwner, url: string, channels: readonly string[]): Promise<FleetClient> {
  const client = owner.own(wsFleetClient(url), (c) => c.socket.terminate(), 'ws client');
  await client.opened;
  for (const channel of channels) client.send({ op: 'sub', channel });
  await expect
    .poll(() =>
      channels.every((channel) =>
        client.received.some((m) => m.op === 'subscribed' && m.channel === channel),
      ),
    )
    .toBe(true);
  return client;
}

/**
 * Publishes on `channel` from `client` every `everyMs` until `count` messages or `maxMs` have
 * gone, whichever first; resolves with the number sent. Bounded both ways, so a failing test
 * never leaves a publisher running.
 */
function burst(
  client: FleetClient,
  channel: string,
  options: { count: number; everyMs: number; maxMs: number },
) {
  let sent = 0;
  let finish: () => void = () => {};
  const done = new Promise<number>((resolve) => {
    const started = Date.now();
    const timer = setInterval(() => {
      if (sent >= options.count || Date.now() - started >= options.maxMs || client.socket.readyState !== 1) {
        finish();
        return;
      }
      sent += 1;
      client.send({
        op: 'pub',
        channel,
        data: { n: sent, text: 'a burst on purpose, to make this channel hot' },
      });
    }, options.everyMs);
    finish = () => {
      clearInterval(timer);
      resolve(sent);
    };
  });
  return { done, stop: () => finish() };
}

const rows = (page: Page) => page.locator('.channels-table tbody tr.channel-row');
const row = (page: Page, name: string) =>
  page.locator(`.channels-table tr.channel-row[data-channel="${name}"]`);
const filterBox = (page: Page) => page.getByRole('searchbox', { name: 'Filter channels' });

/** The names of the rows in the DOM, in order. */
const rowNames = (page: Page) =>
  rows(page).evaluateAll((elements) => elements.map((element) => element.getAttribute('data-channel') ?? ''));

test.describe('hot channels on a Redis fleet', () => {
  const owner = new FleetOwner();
  let redis: RedisProcess;
  let nodes: FleetNodeProcess[] = [];
  let balancer: DevBalancer;
  let consoleUrl: string;
  let consoleStartedAt = 0;
  const hotSubscribers: FleetClient[] = [];
  let publisher: FleetClient;

  test.beforeAll(async () => {
    test.setTimeout(90_000);
    redis = owner.own(await startRedisServer({ port: await freePort() }), (server) => server.stop(), 'redis');
    nodes = await Promise.all(
      [1, 2, 3].map(async (index) =>
        owner.own(
          await FleetNodeProcess.start({
            id: `node-${index}`,
            broker: redis.url,
            agentCheck: false,
            intervalMs: 1000,
          }),
          (node) => node.stop(),
          `node-${index}`,
        ),
      ),
    );
    balancer = owner.own(
      await startDevBalancer({
        servers: nodes.map((node) => ({ id: node.id, host: '127.0.0.1', port: node.port })),
        balance: 'roundrobin',
      }),
      (started) => started.stop(),
      'balancer',
    );
    consoleUrl = await startConsole(owner, nodes, 'channels fleet', {
      broker: { kind: 'redis', url: redis.url },
    });
    consoleStartedAt = Date.now();
    // Simulated users: a Zipf law over 300 channels, so the table has a realistic long tail.
    const users = runTs('fleet/users-main.ts', [
      '--url',
      balancer.url,
      '--clients',
      '40',
      '--channels',
      '300',
      '--zipf',
      '1.1',
      '--publish-every-ms',
      '500',
      '--publisher-share',
      '0.5',
      '--duration-s',
      '600',
    ]);
    owner.own(users, (child) => stop(child), 'users');
    // Subscribers of the channel to be made hot, on every node: deliveries happen everywhere.
    for (const node of nodes) {
      for (let index = 0; index < SUBSCRIBERS_PER_NODE; index++) {
        hotSubscribers.push(await subscriber(owner, node.url, [HOT]));
      }
    }
    publisher = owner.own(wsFleetClient(nodes[0]?.url ?? ''), (c) => c.socket.terminate(), 'publisher');
    await publisher.opened;
  });

  test.afterAll(async () => {
    await owner.dispose();
  });

  test('a channel made hot on purpose reaches the top with the rising marker within 5 s', async ({
    page,
  }) => {
    test.setTimeout(90_000);
    await page.goto(`${consoleUrl}#/channels`);
    await expect(page.getByRole('heading', { level: 2, name: 'Channels' })).toBeVisible();
    // The users' channels fill the table; the hot one is not there yet.
    await expect.poll(() => rows(page).count(), { timeout: 20_000 }).toBeGreaterThan(10);
    await expect(row(page, HOT)).toHaveCount(0);
    await expect(page.locator('[data-field="nodes-reporting"]')).toHaveText('3 nodes reporting');
    // The console marks nothing rising before it has watched for 10 s: let it.
    const watched = Date.now() - consoleStartedAt;
    if (watched < 12_000) await page.waitForTimeout(12_000 - watched);

    // 100 messages a second to 15 subscribers over three nodes, for at most 40 s.
    const hot = burst(publisher, HOT, { count: 4_000, everyMs: 10, maxMs: 40_000 });
    try {
      const started = Date.now();
      // Rank 1 and rising, in the same render.
      const first = page.locator(
        `.channels-table tr.channel-row.is-rising[data-rank="1"][data-channel="${HOT}"]`,
      );
      await expect(first).toBeVisible({ timeout: 5_000 });
      const seconds = (Date.now() - started) / 1000;
      test
        .info()
        .annotations.push({ type: 'hot channel at the top, rising', description: `${seconds.toFixed(1)} s` });
      console.log(`hot channel at the top with the rising marker after ${seconds.toFixed(1)} s`);

      await expect(first.locator('.rising-marker')).toHaveText(/^▲ rising ×\d/);
      await expect(first.locator('[data-column="rank"]')).toHaveText('1');
      await expect(first.locator('[data-column="nodes"]')).toHaveText('3');
      await expect(first.locator('[data-column="subscribers"]')).toHaveText(String(3 * SUBSCRIBERS_PER_NODE));
      // The three lines under the rows add up: listed + other = all (to the figures' rounding).
      const footer = page.locator('.channels-table tfoot');
      await expect(footer.locator('[data-totals="listed"] th')).toContainText('Listed channels');
      await expect(footer.locator('[data-totals="other"] th')).toHaveText('Other channels');
      await expect(footer.locator('[data-totals="all"] th')).toHaveText('All channels');
      // Every visible figure is drawn: sparklines fill in, the share bar and the rising marker show.
      await expect(first.locator('svg.sparkline path')).toHaveCount(1, { timeout: 5_000 });
      await page.waitForTimeout(3_000);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1280);
      await page.screenshot({ path: test.info().outputPath('channels.png') });
      await page.emulateMedia({ colorScheme: 'dark' });
      await page.screenshot({ path: test.info().outputPath('channels-dark.png') });
      await page.emulateMedia({ colorScheme: 'light' });

      // The drill-down: the nodes that deliver it, with links to them, and its charts.
      await first.locator('th a').click();
      await expect(page).toHaveURL(/#\/channels\/hot%3Aburst$/);
      await expect(page.getByRole('heading', { level: 2, name: HOT })).toBeVisible();
      const byNode = page.getByRole('region', { name: /By node/ });
      for (const node of nodes) {
        const nodeRow = byNode.locator(`tr[data-node-id="${node.id}"]`);
        await expect(nodeRow).toBeVisible({ timeout: 5_000 });
        await expect(nodeRow.locator('[data-column="subscribers"]')).toHaveText(String(SUBSCRIBERS_PER_NODE));
        await expect(nodeRow.locator('[data-column="deliveries"]')).not.toHaveText('0');
        await expect(nodeRow.getByRole('link', { name: node.id })).toHaveAttribute(
          'href',
          `#/nodes/${node.id}`,
        );
      }
      // Published on node-1 only; delivered on all three.
      await expect(byNode.locator('tr[data-node-id="node-1"] .node-role')).toHaveText(
        'publishes and delivers',
      );
      await expect(byNode.locator('tr[data-node-id="node-2"] .node-role')).toHaveText('delivers');
      await expect(page.locator('.channel-figure[data-field="nodes"] dd')).toHaveText('3');
      await expect(page.locator('.channel-detail-header .rising-marker')).toBeVisible();
      await expect
        .poll(() => page.locator('[data-chart="deliveries"] .recharts-line-curve').count(), {
          timeout: 5_000,
        })
        .toBe(1);
      await page.waitForTimeout(3_000);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1280);
      await page.screenshot({ path: test.info().outputPath('channel-detail.png') });
      await page.screenshot({ path: test.info().outputPath('channel-detail-full.png'), fullPage: true });

      await byNode.getByRole('link', { name: 'node-2' }).click();
      await expect(page).toHaveURL(/#\/nodes\/node-2$/);
      await expect(page.getByRole('heading', { level: 2, name: 'node-2' })).toBeVisible();
      await page.goBack();
      await page.getByRole('link', { name: '← Channels' }).click();
      await expect(row(page, HOT)).toBeVisible();
    } finally {
      hot.stop();
    }
    expect(await hot.done).toBeGreaterThan(0);
  });

  test('the filter narrows the table, says how many match, and has an empty state', async ({ page }) => {
    await page.goto(`${consoleUrl}#/channels`);
    await expect.poll(() => rows(page).count(), { timeout: 10_000 }).toBeGreaterThan(10);
    const count = page.locator('.channels-count');
    await expect(count).toContainText('tracked channel');

    await filterBox(page).fill('room:1*');
    await expect(count).toContainText('matching “room:1*”', { timeout: 5_000 });
    await expect
      .poll(async () => {
        const names = await rowNames(page);
        return names.length > 0 && names.every((name) => /^room:1/.test(name));
      })
      .toBe(true);
    await expect(row(page, HOT)).toHaveCount(0);
    // Plain text is "contains": the hot channel and nothing of the users'.
    await filterBox(page).fill('burst');
    await expect.poll(() => rowNames(page), { timeout: 5_000 }).toEqual([HOT]);
    await expect(count).toContainText('1 of 1 channel matching “burst”');
    // The filter survives a visit to the drill-down and back.
    await row(page, HOT).locator('th a').click();
    await page.getByRole('link', { name: '← Channels' }).click();
    await expect(filterBox(page)).toHaveValue('burst');

    await filterBox(page).fill('no-such-channel-*');
    const empty = page.locator('.channels-table .empty-row');
    await expect(empty).toContainText('No hot channel has a name matching “no-such-channel-*”', {
      timeout: 5_000,
    });
    await empty.getByRole('button', { name: 'Clear filter' }).click();
    await expect(filterBox(page)).toHaveValue('');
    await expect.poll(() => rows(page).count(), { timeout: 5_000 }).toBeGreaterThan(10);

    // A channel the console does not track: the drill-down says so instead of showing zeros.
    await page.goto(`${consoleUrl}#/channels/${encodeURIComponent('quiet:nobody-here')}`);
    await expect(page.getByRole('heading', { level: 2, name: 'quiet:nobody-here' })).toBeVisible();
    await expect(page.locator('.channel-not-hot')).toContainText('is not among the hottest channels now');
    await expect(page.getByRole('region', { name: /By node/ })).toContainText(
      'no node reports this channel now',
    );
    await expect(page.locator('.channel-chart-empty').first()).toContainText('No history');
    await page.screenshot({ path: test.info().outputPath('channel-not-hot.png') });
  });

  test('sorts by any figure, moves with the keyboard and opens a channel with Enter', async ({ page }) => {
    await page.goto(`${consoleUrl}#/channels`);
    await expect.poll(() => rows(page).count(), { timeout: 10_000 }).toBeGreaterThan(10);
    const header = (name: string) => page.locator('.channels-table thead th').filter({ hasText: name });

    await header('Channel').getByRole('button').click();
    await expect(header('Channel')).toHaveAttribute('aria-sort', 'ascending');
    const collator = new Intl.Collator('en', { numeric: true });
    await expect
      .poll(async () => {
        const names = await rowNames(page);
        return (
          names.length > 1 &&
          names.every((name, index) => index === 0 || collator.compare(names[index - 1] ?? '', name) <= 0)
        );
      })
      .toBe(true);
    await header('Subscribers').getByRole('button').click();
    await expect(header('Subscribers')).toHaveAttribute('aria-sort', 'descending');
    await expect(header('Channel')).not.toHaveAttribute('aria-sort', /.+/);
    await header('Subscribers').getByRole('button').click();
    await expect(header('Subscribers')).toHaveAttribute('aria-sort', 'ascending');
    // Back to the console's ranking.
    await header('Rank').getByRole('button').click();
    await expect(header('Rank')).toHaveAttribute('aria-sort', 'ascending');

    const names = await rowNames(page);
    await rows(page).first().focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    const focused = await page.evaluate(() => document.activeElement?.getAttribute('data-channel') ?? null);
    expect(focused).not.toBeNull();
    expect(names.indexOf(focused ?? '')).toBeGreaterThanOrEqual(1);
    await page.keyboard.press('Enter');
    await expect(page.getByRole('heading', { level: 2, name: focused ?? '' })).toBeVisible();
    await expect(page).toHaveURL(new RegExp(`#/channels/${encodeURIComponent(focused ?? '')}$`));
  });

  test('the broker panel reads Redis and checks it against the agents', async ({ page }) => {
    // The hot channel again, gently: among the hottest, so its NUMSUB is checked.
    const warm = burst(publisher, HOT, { count: 600, everyMs: 25, maxMs: 15_000 });
    try {
      await page.goto(`${consoleUrl}#/channels`);
      await page.getByRole('tab', { name: /Broker/ }).click();
      const panel = page.getByRole('region', { name: 'Broker' });
      await expect(panel.locator('.broker-state')).toHaveText(/Reachable|disagreement/, { timeout: 10_000 });
      await expect(panel).toContainText(redis.url.replace(/\/$/, ''));
      await expect(panel.locator('[data-field="version"] dd')).toHaveText(/^\d+\.\d+/);
      await expect(panel.locator('[data-field="connected-clients"] dd')).not.toHaveText('—');
      await expect(panel.locator('[data-field="pubsub-channels"] dd')).not.toHaveText('—');
      // One Redis subscription per node that has subscribers, against 15 clients on 3 nodes.
      const hotCheck = panel.locator(`tr[data-broker-channel="${HOT}"]`);
      await expect(hotCheck.locator('td')).toHaveText(
        ['3', '3', String(3 * SUBSCRIBERS_PER_NODE), /agrees/],
        {
          timeout: 15_000,
        },
      );
      await page.screenshot({ path: test.info().outputPath('channels-broker.png') });
      // A refresh keeps the tab chosen (session storage), so coming back shows the broker again.
      await page.reload();
      await expect(page.getByRole('tab', { name: /Broker/ })).toHaveAttribute('aria-selected', 'true');
    } finally {
      warm.stop();
    }
  });

  test('without a broker block the broker panel says how to name one', async ({ page }) => {
    const url = await startConsole(owner, nodes, 'no broker fleet');
    await page.goto(`${url}#/channels`);
    await page.getByRole('tab', { name: /Broker/ }).click();
    const panel = page.getByRole('region', { name: 'Broker' });
    await expect(panel).toContainText('No broker is configured for this fleet', { timeout: 10_000 });
    await expect(panel.locator('.broker-example')).toContainText('"broker": { "kind": "redis"');
    await expect(page.getByRole('tab', { name: /Broker/ })).toContainText('not configured');
  });
});

test.describe('500 channels', () => {
  const owner = new FleetOwner();
  let consoleUrl: string;
  const CHANNELS_PER_NODE = 50;
  const NODE_COUNT = 10;

  test.beforeAll(async () => {
    test.setTimeout(120_000);
    // Each node lists its top 50 channels a sample: ten nodes with fifty channels each make 500.
    const nodes = await Promise.all(
      Array.from({ length: NODE_COUNT }, async (_, index) =>
        owner.own(
          await FleetNodeProcess.start({ id: `node-${index + 1}`, agentCheck: false, intervalMs: 1000 }),
          (node) => node.stop(),
          `node-${index + 1}`,
        ),
      ),
    );
    consoleUrl = await startConsole(owner, nodes, 'five hundred channels');
    for (const [index, node] of nodes.entries()) {
      const names = Array.from(
        { length: CHANNELS_PER_NODE },
        (_, channel) => `scale:n${index + 1}:c${channel + 1}`,
      );
      const client = await subscriber(owner, node.url, names);
      // Every channel twice a second (each one is in every 1 s sample), with its own weight.
      let tick = 0;
      const timer = setInterval(() => {
        tick += 1;
        for (const [rank, name] of names.entries()) {
          if (tick % 2 === 0 || rank < 25) client.send({ op: 'pub', channel: name, data: { tick } });
        }
      }, 250);
      owner.defer('publisher', () => clearInterval(timer));
    }
  });

  test.afterAll(async () => {
    await owner.dispose();
  });

  test('stays responsive with 500 rows: frame times while scrolling and refreshing', async ({ page }) => {
    test.setTimeout(90_000);
    await page.goto(`${consoleUrl}#/channels`);
    const count = page.locator('.channels-count');
    await expect(count).toHaveText(/^(Hottest 500 of|500 tracked channels)/, { timeout: 30_000 });
    // Virtualized: a window of rows, not 500, is in the DOM.
    const inDom = await rows(page).count();
    expect(inDom).toBeGreaterThan(10);
    expect(inDom).toBeLessThan(60);

    // Frame times over 8 s while the table scrolls down and up and refreshes every second.
    const measured = await page.evaluate(async () => {
      const box = document.querySelector('.channels-table-scroll');
      if (!(box instanceof HTMLElement)) throw new Error('no table box');
      const longTasks: number[] = [];
      const observer = new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) longTasks.push(entry.duration);
      });
      observer.observe({ type: 'longtask', buffered: false });
      const run = (scroll: boolean, ms: number) =>
        new Promise<number[]>((resolve) => {
          const deltas: number[] = [];
          let last = performance.now();
          let direction = 1;
          const until = last + ms;
          const frame = (now: number) => {
            deltas.push(now - last);
            last = now;
            if (scroll) {
              if (box.scrollTop + box.clientHeight >= box.scrollHeight - 1) direction = -1;
              else if (box.scrollTop <= 0) direction = 1;
              box.scrollTop += direction * 170;
            }
            if (now < until) requestAnimationFrame(frame);
            else resolve(deltas);
          };
          requestAnimationFrame(frame);
        });
      const idle = await run(false, 4_000);
      const idleLong = longTasks.splice(0);
      const scrolling = await run(true, 8_000);
      observer.disconnect();
      return { idle, idleLong, scrolling, scrollLong: longTasks };
    });
    const frames = measured.scrolling;
    const quantile = (values: readonly number[], q: number) =>
      [...values].sort((x, y) => x - y)[Math.floor(values.length * q)] ?? Number.NaN;
    const summary = (values: readonly number[], long: readonly number[]) =>
      `${values.length} frames, p50 ${quantile(values, 0.5).toFixed(1)} ms, p95 ${quantile(values, 0.95).toFixed(1)} ms, ` +
      `max ${Math.max(...values).toFixed(1)} ms, ${long.length} long tasks (${long.map((d) => d.toFixed(0)).join(', ') || 'none'})`;
    const report = `refreshing only: ${summary(measured.idle, measured.idleLong)}; scrolling and refreshing: ${summary(frames, measured.scrollLong)}`;
    test.info().annotations.push({ type: 'frame times, 500 rows', description: report });
    console.log(`channels view with 500 rows: ${report}`);
    expect(frames.length).toBeGreaterThan(0);
    // Scrolled to the end, the window holds the last ranks.
    await page.locator('.channels-table-scroll').evaluate((box) => {
      box.scrollTop = box.scrollHeight;
    });
    await expect(rows(page).last()).toHaveAttribute('data-rank', '500');
    await page.screenshot({ path: test.info().outputPath('channels-500.png') });
  });
});
