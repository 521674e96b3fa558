/**
 * Fleets end to end: one web console, two fleet files over different real nodes, a data
 * directory of its own. Switch from A to B in the dialog, back through Recent, refuse a bad
 * path; and a console started with no fleet at all shows how to open one.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { firstLine, fleetFileFor, NodeProcess, runTs, stop } from '../helpers/processes.js';

let root: string;
let alphaNodes: NodeProcess[];
let betaNodes: NodeProcess[];
let fleetA: string;
let fleetB: string;
const consoles: ChildProcess[] = [];

/** Starts `fleetdeck web` with its own data directory and temp folder (where it looks for launchers). */
async function startConsole(name: string, args: string[]): Promise<string> {
  const dataDir = join(root, `${name}-data`);
  const launcherDir = join(root, `${name}-tmp`);
  mkdirSync(launcherDir, { recursive: true });
  const child = runTs('main/cli/fleetdeck.ts', ['web', ...args], {
    FLEETDECK_DATA_DIR: dataDir,
    TMPDIR: launcherDir,
  });
  consoles.push(child);
  return firstLine(
    child,
    (line) => /^Fleetdeck console: (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)$/.exec(line)?.[1] ?? null,
  );
}

test.beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'fleetdeck-e2e-fleets-'));
  [alphaNodes, betaNodes] = await Promise.all([
    Promise.all(['alpha-1', 'alpha-2'].map((id) => NodeProcess.start(id))),
    Promise.all(['beta-1'].map((id) => NodeProcess.start(id))),
  ]);
  fleetA = join(root, 'fleet-a.json');
  fleetB = join(root, 'fleet-b.json');
  writeFileSync(fleetA, JSON.stringify(fleetFileFor(alphaNodes, 'fleet A')));
  writeFileSync(fleetB, JSON.stringify(fleetFileFor(betaNodes, 'fleet B')));
});

test.afterAll(async () => {
  await Promise.all(consoles.map((child) => stop(child)));
  await Promise.all([...alphaNodes, ...betaNodes].map((node) => node.stop()));
  rmSync(root, { recursive: true, force: true });
});

const heading = (page: Page) => page.getByRole('heading', { level: 1 });
const rowIds = (page: Page) =>
  page
    .locator('tbody tr[data-node-id]')
    .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-node-id')).sort());

test('switches fleets in the dialog, back through Recent, and refuses a bad path', async ({ page }) => {
  const url = await startConsole('main', ['--fleet', fleetA]);
  // A running launcher's fleet file (this test runner's pid is alive): listed under Discovered.
  writeFileSync(
    join(root, 'main-tmp', `fleetdeck-fleet-${process.pid}-${Date.now()}.json`),
    JSON.stringify({ ...fleetFileFor(betaNodes, 'local demo fleet') }),
  );

  await page.goto(`${url}#/nodes`);
  await expect(heading(page)).toHaveText('fleet A');
  await expect.poll(() => rowIds(page)).toEqual(['alpha-1', 'alpha-2']);

  // Open the dialog: focus goes to the path field.
  const switchButton = page.getByRole('button', { name: 'Switch fleet' });
  await switchButton.click();
  const dialog = page.getByRole('dialog', { name: 'Switch fleet' });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByLabel('Open a fleet file')).toBeFocused();
  await expect(dialog.getByText('No other fleet opened recently.')).toBeVisible();
  await expect(dialog.getByRole('button', { name: 'Open local demo fleet' })).toBeVisible();

  // A to B by path.
  await dialog.getByLabel('Open a fleet file').fill(fleetB);
  await dialog.getByRole('button', { name: 'Open', exact: true }).click();
  await expect(dialog).toBeHidden();
  await expect(heading(page)).toHaveText('fleet B');
  await expect.poll(() => rowIds(page)).toEqual(['beta-1']);
  await expect(page.locator('tr[data-node-id="beta-1"] [data-column="state"]')).toContainText('active');
  await expect(switchButton).toBeFocused();

  // Back to A through Recent.
  await switchButton.click();
  const recentA = dialog.getByRole('button', { name: 'Open fleet A' });
  await expect(recentA).toBeVisible();
  await expect(recentA).toContainText('2 nodes · fleet file · opened just now');
  await expect(recentA).toContainText(fleetA);
  await expect(dialog.getByText(`Open now: fleet B`)).toBeVisible();
  await page.screenshot({ path: test.info().outputPath('fleet-switcher.png') });
  await recentA.click();
  await expect(dialog).toBeHidden();
  await expect(heading(page)).toHaveText('fleet A');
  await expect.poll(() => rowIds(page)).toEqual(['alpha-1', 'alpha-2']);

  // A bad path: the error shows in the dialog, which stays open, and the fleet stays.
  await switchButton.click();
  const missing = join(root, 'no-such-fleet.json');
  await dialog.getByLabel('Open a fleet file').fill(missing);
  await dialog.getByLabel('Open a fleet file').press('Enter');
  await expect(dialog.getByRole('alert')).toHaveText(`fleet file not found: ${missing}`);
  await expect(dialog.getByLabel('Open a fleet file')).toHaveAttribute('aria-invalid', 'true');
  await expect(dialog).toBeVisible();
  await page.screenshot({ path: test.info().outputPath('fleet-switcher-error.png') });
  const notAFleet = join(root, 'not-a-fleet.json');
  writeFileSync(notAFleet, JSON.stringify({ name: 'broken', nodes: [{ id: 'x', admin: 'http://nope' }] }));
  await dialog.getByLabel('Open a fleet file').fill(notAFleet);
  await dialog.getByRole('button', { name: 'Open', exact: true }).click();
  await expect(dialog.getByRole('alert')).toHaveText(
    `${notAFleet}: nodes[0].admin must be a ws:// or wss:// URL`,
  );

  // Escape closes it and gives focus back; fleet A is still shown.
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(switchButton).toBeFocused();
  await expect(heading(page)).toHaveText('fleet A');
  await expect.poll(() => rowIds(page)).toEqual(['alpha-1', 'alpha-2']);
});

test('with no fleet to open, says how to open one and opens it', async ({ page }) => {
  const url = await startConsole('empty', []);
  await page.goto(url);
  await expect(page.getByRole('heading', { name: 'No fleet is open' })).toBeVisible();
  await expect(heading(page)).toHaveText('Fleetdeck');
  await page.getByRole('button', { name: 'Open a fleet…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Switch fleet' });
  await expect(dialog.getByText('No local fleet running.')).toBeVisible();
  await page.screenshot({ path: test.info().outputPath('fleet-switcher-empty.png') });
  await dialog.getByLabel('Open a fleet file').fill(fleetB);
  await dialog.getByRole('button', { name: 'Open', exact: true }).click();
  await expect(heading(page)).toHaveText('fleet B');
  await expect(page.getByRole('heading', { name: 'No fleet is open' })).toBeHidden();
});
