/**
 * Skew, end to end: real nodes with uneven connections and a low skew threshold from the fleet
 * file → the skew alert → the balance line suggests shedding from the most loaded node → its
 * detail, where Shed… is.
 */
import { expect, test } from '@playwright/test';
import type { WebSocket } from 'ws';
import { closeClients, openClients } from '../helpers/clients.js';
import { startWebConsoleFleet, type WebConsoleFleet } from './web-console.js';

let fleet: WebConsoleFleet;
let sockets: WebSocket[] = [];

test.beforeAll(async () => {
  fleet = await startWebConsoleFleet(3, 'balance fleet', {
    alerts: { skewCv: 0.3, skewMinMeanConnections: 1 },
  });
});

test.afterAll(async () => {
  await closeClients(sockets);
  await fleet?.stop();
});

test('a skewed fleet suggests shedding from its most loaded node', async ({ page }) => {
  await page.goto(fleet.url);
  const suggestion = page.locator('[data-shed-suggestion]');
  await expect(page.locator('[data-total="connections"] .tile-value')).toHaveText('0', { timeout: 5_000 });
  await expect(suggestion).toHaveCount(0);

  // 9 connections on node-2, 1 on node-1, none on node-3: a CV far above 0.3.
  sockets = [
    ...(await openClients(fleet.nodes[1]?.url as string, 9)),
    ...(await openClients(fleet.nodes[0]?.url as string, 1)),
  ];
  await expect(page.locator('.alert-item[data-alert-kind="skew"]')).toHaveCount(1, { timeout: 8_000 });
  await expect(suggestion).toHaveText('Shed connections from node-2…');
  await page.screenshot({ path: test.info().outputPath('balance-skew.png') });
  await suggestion.click();
  await expect(page).toHaveURL(/#\/nodes\/node-2$/);
  await expect(
    page.getByRole('region', { name: 'Drain controls' }).getByRole('button', { name: 'Shed…' }),
  ).toBeVisible();
});
