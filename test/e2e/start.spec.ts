/** `npm start`'s program on a machine without Electron: a demo fleet, web mode, live numbers. */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { firstLine, ROOT, stop } from '../helpers/processes.js';

let start: ChildProcess;
let output = '';

test.beforeAll(() => {
  // The built program, as `npm start` runs it after `npm run build`.
  start = spawn(process.execPath, [`${ROOT}dist/main/cli/fleetdeck.js`, 'start', '--clients', '30'], {
    cwd: ROOT,
    env: {
      ...process.env,
      ELECTRON_SKIP_BINARY_DOWNLOAD: '1',
      // The recent-fleets list goes to a throwaway folder, not the user's ~/.config.
      FLEETDECK_DATA_DIR: mkdtempSync(join(tmpdir(), 'fleetdeck-start-data-')),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  start.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
});

test.afterAll(async () => {
  await stop(start);
});

test('starts 3 nodes, says why it is in web mode, and serves a console whose numbers move', async ({
  page,
}) => {
  const url = await firstLine(start, (line) => /^Fleetdeck console: (\S+)$/.exec(line)?.[1] ?? null, 30_000);
  expect(output).toMatch(/^fleet ready: 3 nodes, fleet file \S+$/m);
  expect(output).toMatch(/^Opening the console in web mode because .+\.$/m);

  await page.goto(`${url}#/nodes`);
  const rows = page.locator('tbody tr');
  await expect(rows).toHaveCount(3);
  await expect(page.locator('[data-column="state"] .status-label')).toHaveText([
    'active',
    'active',
    'active',
  ]);
  // 30 simulated users spread over 3 nodes, publishing: connections add up and traffic flows.
  await expect(page.locator('[data-summary="connections"]')).toContainText('30', { timeout: 10_000 });
  const messages = page.locator('tr[data-node-id="node-1"] [data-column="messages"]');
  await expect(messages).not.toHaveText('—', { timeout: 10_000 });
  await expect(messages).not.toHaveText('0', { timeout: 10_000 });
  await page.screenshot({ path: test.info().outputPath('start.png') });
});
