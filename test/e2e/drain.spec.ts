/**
 * Drain from the console, end to end, against the reference fleet: real Redis, real HAProxy with
 * agent-checks, three node processes, and simulated users (WebSocket and SSE, resuming from the
 * last seq they saw) coming in through HAProxy; the web console over the launcher's fleet file,
 * its audit log in a temp data directory, driven in Debian's Chromium.
 *
 * 1. Drain node-2 from the node detail with a 10 s deadline: HAProxy shows DRAIN within 3 s, no
 *    new connection lands on node-2 after that, its connections fall at the previewed pace to 0
 *    before the deadline, every moved user is connected to another node by deadline + 5 s, no
 *    user misses a message, and the Activity view and the audit file have the drain, succeeded.
 * 2. The console killed mid-drain and restarted on the same fleet file: the page shows the drain
 *    in progress (the agent owns it), then done.
 * 3. The nodes table: "d" on a focused row opens the drain dialog; Escape cancels. Shed from the
 *    node detail closes exactly the count asked for.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import type { WebSocket } from 'ws';
import type { SampleFrame } from '../../agent/index.js';
import { type LaunchedFleet, launchFleet } from '../../fleet/launch.js';
import { startUsers, type Users } from '../../fleet/users.js';
import type { OperationRecord } from '../../main/common/models.js';
import { auditRecords as readAudit } from '../helpers/audit.js';
import { closeClients, openClients } from '../helpers/clients.js';
import { type AgentWatch, watchAgent } from '../helpers/fleet-agent.js';
import { connectAndWelcome } from '../helpers/fleet-balancer.js';
import { FleetOwner } from '../helpers/fleet-owner.js';
import { stop } from '../helpers/processes.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { spawnWebConsole } from './web-console.js';

const USERS = 90;
const DEADLINE_MS = 10_000;
const NODE_IDS = ['node-1', 'node-2', 'node-3'] as const;

test.describe.configure({ mode: 'serial' });
test.use({ viewport: { width: 1280, height: 800 } });

const owner = new FleetOwner();
let fleet: LaunchedFleet;
let users: Users;
let dataDir: string;
let consoleProcess: ChildProcess | null = null;
let consoleUrl = '';
const agents = new Map<string, AgentWatch>();
const launcherLog: string[] = [];

/** Starts `fleetdeck web` over the launcher's fleet file; resolves with its URL. */
async function startConsole(): Promise<string> {
  const { child, url } = await spawnWebConsole(['--fleet', fleet.fleetFile], dataDir);
  consoleProcess = child;
  return url;
}

/** One HAProxy runtime API exchange: it answers one command and closes the connection. */
function runtimeCommand(address: string, line: string): Promise<string> {
  const { hostname, port } = new URL(address.includes('://') ? address : `tcp://${address}`);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect({ host: hostname, port: Number(port) });
    socket.setTimeout(3_000, () => socket.destroy(new Error(`runtime API: no answer to "${line}"`)));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('error', reject);
    socket.once('close', (hadError) => {
      if (!hadError) resolve(Buffer.concat(chunks).toString('utf8'));
    });
    socket.end(`${line}\n`);
  });
}

/** HAProxy's status of each server of the `nodes` backend (UP, DRAIN, DRAIN (agent), MAINT…). */
async function haproxyStatus(): Promise<Map<string, string>> {
  const runtimeApi = fleet.balancer.runtimeApi;
  if (!runtimeApi) throw new Error('the launcher wrote no HAProxy runtime API');
  const lines = (await runtimeCommand(runtimeApi, 'show stat'))
    .split('\n')
    .filter((line) => line.trim() !== '');
  const columns = (lines[0] ?? '').replace(/^# /, '').split(',');
  const [proxy, server, status] = ['pxname', 'svname', 'status'].map((name) => columns.indexOf(name));
  const result = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const fields = line.split(',');
    if (fields[proxy as number] === 'nodes')
      result.set(fields[server as number] ?? '', fields[status as number] ?? '');
  }
  return result;
}

function sample(id: string): SampleFrame | null {
  return agents.get(id)?.latest() ?? null;
}

const openOf = (id: string) => sample(id)?.connections.open ?? -1;

/** Users connected by their own count and by the agents', and all USERS of them. */
function everyoneConnected(): boolean {
  const truth = users.truth().connections;
  const onNodes = NODE_IDS.reduce((sum, id) => sum + Math.max(0, openOf(id)), 0);
  return truth.websocket + truth.sse === USERS && onNodes === USERS;
}

/** The users' message figures summed over channels. */
function messageFigures() {
  return Object.values(users.truth().channels).reduce(
    (sum, channel) => ({
      published: sum.published + channel.published,
      received: sum.received + channel.received,
      missing: sum.missing + channel.missing,
      announcedGaps: sum.announcedGaps + channel.announcedGaps,
      duplicates: sum.duplicates + channel.duplicates,
    }),
    { published: 0, received: 0, missing: 0, announcedGaps: 0, duplicates: 0 },
  );
}

/** The audit file's records merged by id (the last line of each wins). */
const auditRecords = (): OperationRecord[] => readAudit(dataDir);

const drainPanel = (page: Page) => page.getByRole('region', { name: 'Drain controls' });
const statusOf = (page: Page) => page.locator('.node-detail-header .status-label');

test.beforeAll(async () => {
  test.setTimeout(120_000);
  dataDir = mkdtempSync(join(tmpdir(), 'fleetdeck-drain-e2e-'));
  // Registered first, so it goes last: after the console that writes the audit log there.
  owner.defer('the data directory', () => rmSync(dataDir, { recursive: true, force: true }));
  fleet = owner.own(
    await launchFleet({
      nodes: 3,
      clients: 0,
      haproxy: 'on',
      redis: 'auto',
      name: 'drain e2e fleet',
      out: join(dataDir, 'fleet.json'),
      log: (line) => launcherLog.push(line),
    }),
    (running) => running.stop(),
    'the launched fleet',
  );
  expect(fleet.broker.kind).toBe('redis');
  expect(fleet.balancer.kind).toBe('haproxy');
  for (const node of fleet.nodes) {
    const watch = owner.own(watchAgent(node.admin, fleet.tokens.operate), (agent) => agent.close(), node.id);
    await watch.ready;
    agents.set(node.id, watch);
  }
  await waitFor(
    async () => {
      const status = await haproxyStatus();
      return NODE_IDS.every((id) => status.get(id) === 'UP');
    },
    'every node UP in HAProxy',
    15_000,
    100,
  );
  // The launcher's own users are a separate process; these run here so their truth is readable.
  users = owner.own(
    startUsers({
      url: fleet.balancer.url,
      clients: USERS,
      durationMs: 600_000,
      sseShare: 0.3,
      channels: 20,
      publisherShare: 0.2,
      publishEveryMs: 400,
    }),
    (running) => running.stop(),
    'users',
  );
  owner.defer('the web console', () => (consoleProcess ? stop(consoleProcess) : undefined));
  consoleUrl = await startConsole();
  await waitFor(everyoneConnected, `${USERS} users connected`, 20_000, 100);
});

test.afterAll(async () => {
  await owner.dispose();
});

test('drains node-2 from the UI: HAProxy DRAIN, paced closes, everyone moved, nothing lost, audited', async ({
  page,
}) => {
  test.setTimeout(120_000);
  const node2Before = openOf('node-2');
  // Round robin through HAProxy put about a third of the users on node-2.
  expect(node2Before).toBeGreaterThan(USERS / 6);

  await page.goto(`${consoleUrl}#/nodes/node-2`);
  await expect(statusOf(page)).toHaveText('active');
  await drainPanel(page).getByRole('button', { name: 'Drain…' }).click();

  const dialog = page.getByRole('dialog', { name: 'Drain node-2' });
  await expect(dialog).toBeVisible();
  const deadline = dialog.getByLabel('Deadline (seconds)');
  await expect(deadline).toHaveValue('30');
  await expect(deadline).toBeFocused();
  await dialog.getByRole('button', { name: '10 s' }).click();
  await expect(deadline).toHaveValue('10');
  await expect(dialog.getByRole('button', { name: '10 s' })).toHaveAttribute('aria-pressed', 'true');
  const moves = dialog.locator('[data-preview="moves"]');
  const pace = dialog.locator('[data-preview="pace"]');
  await expect(pace).toContainText('within the 10 s deadline');
  await expect(moves).toContainText(/connections will move to node-\d/);
  const previewText = (await moves.textContent()) ?? '';
  const paceText = (await pace.textContent()) ?? '';
  const previewedConnections = Number(/^([\d,]+) connections/.exec(previewText)?.[1]?.replace(/,/g, ''));
  const previewedRate = Number(/About ([\d.]+) closes\/s/.exec(paceText)?.[1]);
  expect(Math.abs(previewedConnections - node2Before)).toBeLessThanOrEqual(2);
  // The agent spreads a drain's closes over 80 % of the deadline.
  expect(previewedRate).toBeCloseTo(previewedConnections / (0.8 * (DEADLINE_MS / 1000)), 0);
  await expect(moves).toContainText('node-1');
  await expect(moves).toContainText('node-3');
  await page.screenshot({ path: test.info().outputPath('drain-dialog.png') });

  // The pace, as the agent reports it, from here to the end.
  const trace: Array<{ time: number; open: number; opened: number; state: string }> = [];
  let tracing = true;
  const tracer = (async () => {
    let last = 0;
    while (tracing) {
      const current = sample('node-2');
      if (current && current.time !== last) {
        last = current.time;
        trace.push({
          time: current.time,
          open: current.connections.open,
          opened: current.connections.opened,
          state: current.state,
        });
      }
      await sleep(50);
    }
  })();

  const clickedAt = Date.now();
  await dialog.getByRole('button', { name: 'Drain node-2' }).click();
  await expect(dialog).toBeHidden();

  // HAProxy takes node-2 out within 3 s (its agent-check answers "drain").
  const drainStatus = await waitFor(
    async () => {
      const status = (await haproxyStatus()).get('node-2') ?? '';
      return /^DRAIN/.test(status) ? status : null;
    },
    'node-2 DRAIN in HAProxy',
    3_000,
    50,
  );
  const drainSeenAt = Date.now();

  // No new connection lands on node-2 from here: fresh clients through HAProxy go elsewhere…
  const probes: WebSocket[] = [];
  const welcomedBy = await Promise.all(
    Array.from({ length: 12 }, () =>
      connectAndWelcome(`${fleet.balancer.url.replace(/^http/, 'ws')}/ws`, probes),
    ),
  );
  await closeClients(probes);
  expect(welcomedBy.filter((id) => id === 'node-2')).toEqual([]);

  // …and the progress shows: bar, figures and the balancer's DRAIN.
  const panel = drainPanel(page);
  const bar = panel.getByRole('progressbar', { name: 'Drain progress of node-2' });
  await expect(statusOf(page)).toHaveText('draining');
  await expect(bar).toBeVisible();
  await expect(panel.locator('.drain-balancer')).toContainText('HAProxy: DRAIN', { timeout: 5_000 });
  await expect
    .poll(async () => Number(await bar.getAttribute('aria-valuenow')), { timeout: 6_000 })
    // A quarter in, so the screenshot shows the bar moving.
    .toBeGreaterThanOrEqual(Math.max(1, Math.floor(node2Before / 4)));
  await expect(panel.locator('[data-figure="rate"] dd')).not.toHaveText('—');
  await expect(panel.locator('[data-figure="deadline"] dd')).toContainText(/^in \d+ s/);
  // Off the charts, so no tooltip covers them.
  await page.mouse.move(640, 110);
  await page.screenshot({ path: test.info().outputPath('drain-progress.png') });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: test.info().outputPath('drain-progress-dark.png') });
  await page.emulateMedia({ colorScheme: 'light' });
  const leftShown = Number((await panel.locator('[data-figure="left"] dd').textContent())?.replace(/,/g, ''));
  expect(leftShown).toBeGreaterThan(0);
  expect(leftShown).toBeLessThan(node2Before);

  // Every user of node-2 is on node-1 or node-3 by deadline + 5 s, by the agents and by the users.
  const startedAt = sample('node-2')?.drain?.startedAt ?? clickedAt;
  await waitFor(
    () =>
      openOf('node-2') === 0 &&
      openOf('node-1') + openOf('node-3') === USERS &&
      users.truth().connections.websocket + users.truth().connections.sse === USERS,
    'node-2 empty and every user on node-1 or node-3',
    Math.max(1, startedAt + DEADLINE_MS + 5_000 - Date.now()),
    100,
  );
  const settledMs = Date.now() - startedAt;
  await expect(panel.locator('.safe-to-stop')).toContainText(
    /Safe to stop: 0 connections, drained at \d\d:\d\d:\d\d/,
    {
      timeout: 5_000,
    },
  );
  await expect(statusOf(page)).toHaveText('drained');
  tracing = false;
  await tracer;

  // The pace: the samples follow the previewed rate, and reach 0 before the deadline.
  const during = trace.filter((point) => point.time >= startedAt);
  const zeroAt = during.find((point) => point.open === 0)?.time ?? Number.POSITIVE_INFINITY;
  expect(zeroAt - startedAt).toBeLessThanOrEqual(DEADLINE_MS);
  const spreadMs = 0.8 * DEADLINE_MS;
  const paced = during.filter(
    (point) => point.time - startedAt >= 1_000 && point.time - startedAt <= spreadMs - 1_000,
  );
  expect(paced.length).toBeGreaterThanOrEqual(3);
  for (const point of paced) {
    const expected = previewedConnections * (1 - (point.time - startedAt) / spreadMs);
    // Stratified jitter keeps each close inside its own slot: the count stays near the line.
    expect(
      Math.abs(point.open - expected),
      `open ${point.open} at +${point.time - startedAt} ms`,
    ).toBeLessThanOrEqual(Math.max(4, 0.15 * previewedConnections));
  }
  const first = paced[0] as (typeof paced)[number];
  const last = paced.at(-1) as (typeof paced)[number];
  const measuredRate = (first.open - last.open) / ((last.time - first.time) / 1000);
  expect(measuredRate / previewedRate).toBeGreaterThan(0.7);
  expect(measuredRate / previewedRate).toBeLessThan(1.3);
  // No new connection on node-2 after HAProxy showed DRAIN (the first sample after it is the baseline).
  const baseline = trace.find((point) => point.time >= drainSeenAt);
  const final = trace.at(-1);
  expect(baseline && final && final.opened - baseline.opened).toBe(0);

  // Zero messages lost: every user resumed each channel from the last seq it saw.
  await sleep(2_000);
  const figures = messageFigures();
  expect(figures.published).toBeGreaterThan(0);
  expect(figures.received).toBeGreaterThan(0);
  expect(figures.missing).toBe(0);
  expect(figures.announcedGaps).toBe(0);
  console.log(
    [
      `drain e2e: node-2 had ${node2Before} (preview ${previewedConnections} at ${previewedRate}/s); HAProxy "${drainStatus}" ${drainSeenAt - clickedAt} ms after the click`,
      `  measured ${measuredRate.toFixed(2)} closes/s; empty at +${zeroAt - startedAt} ms; everyone elsewhere at +${settledMs} ms (deadline ${DEADLINE_MS} ms)`,
      `  trace ${during.map((point) => `${point.time - startedAt}:${point.open}`).join(' ')}`,
      `  users: ${JSON.stringify(users.truth().connections)}, reconnects ${users.truth().reconnects}; messages ${JSON.stringify(figures)}`,
    ].join('\n'),
  );

  // The audit file and the Activity view have the drain, succeeded.
  const record = await waitFor(
    () =>
      auditRecords().find(
        (entry) => entry.action === 'drain' && entry.nodeId === 'node-2' && entry.outcome !== 'running',
      ),
    'the drain in the audit file',
    10_000,
    200,
  );
  expect(record).toMatchObject({ outcome: 'succeeded', source: 'console', fleet: 'drain e2e fleet' });
  expect(record.args).toMatchObject({ deadlineMs: DEADLINE_MS });
  expect(record.endedAt).not.toBeNull();

  await page.getByRole('link', { name: 'Activity' }).click();
  await expect(page).toHaveURL(/#\/activity$/);
  const row = page.locator(`tr[data-activity-id="${record.id}"]`);
  await expect(row.locator('[data-column="outcome"]')).toHaveText('succeeded', { timeout: 5_000 });
  await expect(row.locator('[data-column="action"]')).toHaveText('drain');
  await expect(row.locator('[data-column="node"] a')).toHaveAttribute('href', '#/nodes/node-2');
  await expect(row.locator('[data-column="source"]')).toHaveText('console');
  await expect(row.locator('[data-column="args"]')).toContainText('deadline 10 s');
  await expect(page.locator('[data-log-path]')).toHaveText(join(dataDir, 'audit.jsonl'));
  await page.getByLabel('Outcome', { exact: true }).selectOption('failed');
  await expect(row).toBeHidden();
  await page.getByLabel('Outcome', { exact: true }).selectOption('succeeded');
  await page.getByLabel('Node', { exact: true }).selectOption('node-2');
  await expect(row).toBeVisible();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Export CSV' }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^fleetdeck-activity-\d{8}-\d{6}\.csv$/);
  const csv = readFileSync((await download.path()) as string, 'utf8');
  expect(csv.split('\r\n')[0]).toMatch(
    /^id,startedAt,endedAt,durationMs,user,source,fleet,action,nodeId,args/,
  );
  expect(csv).toContain(`${record.id},`);
  expect(csv).toContain(',drain,node-2,');
  const [jsonl] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Export JSON lines' }).click(),
  ]);
  const exported = readFileSync((await jsonl.path()) as string, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as OperationRecord);
  expect(exported.find((entry) => entry.id === record.id)).toMatchObject({ outcome: 'succeeded' });
  await page.getByLabel('Node', { exact: true }).selectOption('');
  await page.getByLabel('Outcome', { exact: true }).selectOption('all');
  await page.screenshot({ path: test.info().outputPath('activity.png') });
});

test('the console killed and restarted mid-drain shows the drain in progress, then done', async ({
  page,
}) => {
  test.setTimeout(120_000);
  // Put node-2 back, from the UI, and give it connections of its own to drain.
  await page.goto(`${consoleUrl}#/nodes/node-2`);
  await drainPanel(page).getByRole('button', { name: 'Undrain…' }).click();
  const confirm = page.getByRole('dialog', { name: 'Undrain node-2?' });
  await expect(confirm.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await confirm.getByRole('button', { name: 'Undrain node-2' }).click();
  await expect(confirm).toBeHidden();
  await expect(statusOf(page)).toHaveText('active');
  await waitFor(
    async () => (await haproxyStatus()).get('node-2') === 'UP',
    'node-2 UP again in HAProxy',
    10_000,
    100,
  );
  const node2 = fleet.nodes.find((node) => node.id === 'node-2');
  if (!node2) throw new Error('no node-2');
  const direct = await openClients(node2.url, 40);
  try {
    await waitFor(() => openOf('node-2') === 40, 'node-2 with its 40 direct clients', 5_000, 50);
    await expect(drainPanel(page)).toContainText('40 open');
    await drainPanel(page).getByRole('button', { name: 'Drain…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Drain node-2' });
    await dialog.getByLabel('Deadline (seconds)').fill('20');
    await expect(dialog.locator('[data-preview="moves"]')).toContainText('40 connections will move');
    await dialog.getByRole('button', { name: 'Drain node-2' }).click();
    await expect(drainPanel(page).getByRole('progressbar')).toBeVisible();
    await waitFor(() => (sample('node-2')?.drain?.closed ?? 0) >= 5, 'node-2 a few closes in', 10_000, 50);

    // The console goes away without a word; the agent carries on.
    const closedAtKill = sample('node-2')?.drain?.closed ?? 0;
    if (consoleProcess) await stop(consoleProcess, 'SIGKILL');
    await sleep(2_500);
    expect(sample('node-2')?.state).toBe('draining');
    expect(sample('node-2')?.drain?.closed ?? 0).toBeGreaterThan(closedAtKill);

    consoleUrl = await startConsole();
    // The nodes table shows the drain as a thin bar under the state…
    await page.goto(`${consoleUrl}#/nodes`);
    const rowBar = page.locator('tr[data-node-id="node-2"] [data-column="state"]').getByRole('progressbar');
    await expect(rowBar).toBeVisible({ timeout: 10_000 });
    await expect(page.locator('tr[data-node-id="node-2"] .status-label')).toHaveText('draining');
    expect(Number(await rowBar.getAttribute('aria-valuenow'))).toBeGreaterThan(closedAtKill);
    await page.screenshot({ path: test.info().outputPath('drain-table.png') });
    // …and the detail the whole progress, then the end.
    await page.goto(`${consoleUrl}#/nodes/node-2`);
    const bar = drainPanel(page).getByRole('progressbar', { name: 'Drain progress of node-2' });
    await expect(bar).toBeVisible();
    await expect(bar).toHaveAttribute('aria-valuemax', '40');
    await expect(drainPanel(page)).toContainText('Drain in progress');
    await expect(drainPanel(page).locator('.safe-to-stop')).toContainText('Safe to stop: 0 connections', {
      timeout: 25_000,
    });
    await expect(statusOf(page)).toHaveText('drained');
  } finally {
    await closeClients(direct);
  }
});

test('"d" on a nodes table row opens the drain dialog; shed closes exactly the count asked', async ({
  page,
}) => {
  test.setTimeout(90_000);
  await page.goto(`${consoleUrl}#/nodes`);
  const row = page.locator('tr[data-node-id="node-3"]');
  await row.focus();
  await page.keyboard.press('d');
  const dialog = page.getByRole('dialog', { name: 'Drain node-3' });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByLabel('Deadline (seconds)')).toBeFocused();
  // Focus stays inside the dialog: Shift+Tab from the first field wraps to the last button.
  await page.keyboard.press('Shift+Tab');
  await expect(dialog.getByRole('button', { name: 'Drain node-3' })).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(row).toBeFocused();
  expect(sample('node-3')?.state).toBe('active');

  // Shed 5 of node-1's connections, by keyboard from the detail.
  await page.goto(`${consoleUrl}#/nodes/node-1`);
  const before = sample('node-1');
  const code1012Before = before?.connections.closeCodes['1012'] ?? 0;
  await drainPanel(page).getByRole('button', { name: 'Shed…' }).focus();
  await page.keyboard.press('Enter');
  const shed = page.getByRole('dialog', { name: 'Shed connections from node-1' });
  await shed.getByLabel('Number of connections').check();
  await shed.getByLabel('Connections', { exact: true }).fill('5');
  await shed.getByLabel('Deadline (seconds)').fill('4');
  await expect(shed.locator('[data-preview="moves"]')).toContainText('5 connections will move');
  await expect(shed.getByRole('button', { name: 'Shed 5 connections from node-1' })).toBeEnabled();
  await shed.getByRole('button', { name: 'Shed 5 connections from node-1' }).click();
  await expect(shed).toBeHidden();
  const record = await waitFor(
    () =>
      auditRecords().find(
        (entry) => entry.action === 'shed' && entry.nodeId === 'node-1' && entry.outcome !== 'running',
      ),
    'the shed in the audit file',
    15_000,
    200,
  );
  expect(record.outcome).toBe('succeeded');
  const after = await waitFor(() => {
    const current = sample('node-1');
    return current && current.drain === null && current.time > record.startedAt ? current : null;
  }, 'a sample of node-1 after its shed');
  // The shed's closes carry 1012, like a drain's; the SSE users' closes count as 1006.
  const closes1012 = (after.connections.closeCodes['1012'] ?? 0) - code1012Before;
  const closes1006 =
    (after.connections.closeCodes['1006'] ?? 0) - (before?.connections.closeCodes['1006'] ?? 0);
  expect(closes1012 + closes1006).toBe(5);
  expect(after.state).toBe('active');
  await expect(drainPanel(page)).toContainText('is active');
});
