/**
 * Drain, undrain and shed through the console core against real node processes and real `ws`
 * clients: the audit records and their outcomes, idempotence, the pace, a read-only token, and
 * a console closed and reopened in the middle of a drain.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { OperationRecord } from '../../../../main/common/models.js';
import { type ConsoleService, createConsoleService } from '../../../../main/core/console-service.js';
import { parseFleetFile } from '../../../../main/core/fleet-file.js';
import { AuditLog } from '../../../../main/core/operations/audit-log.js';
import { CONSOLE_CLOSED_MESSAGE } from '../../../../main/core/operations/drain-ops.js';
import { closeClients, openClients } from '../../../helpers/clients.js';
import { fleetFileFor, NodeProcess, TEST_TOKENS } from '../../../helpers/processes.js';
import { waitFor } from '../../../helpers/wait.js';

let nodes: NodeProcess[];
let dataDir: string;
const services: ConsoleService[] = [];
let sockets: WebSocket[] = [];

beforeAll(async () => {
  nodes = await Promise.all([NodeProcess.start('node-1'), NodeProcess.start('node-2')]);
  dataDir = mkdtempSync(join(tmpdir(), 'fleetdeck-drain-ops-'));
}, 60_000);

afterEach(async () => {
  // Leave every node active and empty for the next test.
  for (const service of services.splice(0)) await service.dispose();
  await closeClients(sockets);
  sockets = [];
  const cleanup = open();
  try {
    await waitFor(
      () => nodes.every((node) => cleanup.store.view(node.id)?.status !== 'connecting'),
      'links for clean-up',
    );
    for (const node of nodes) {
      if (cleanup.store.view(node.id)?.status !== 'active') await cleanup.operations.drain.undrain(node.id);
    }
  } finally {
    await cleanup.dispose();
    services.splice(0);
  }
});

afterAll(async () => {
  await Promise.all(nodes.map((node) => node.stop()));
});

/** A console service over the test nodes, auditing to the test's data directory. */
function open(tokens: { operate?: string; read?: string } = TEST_TOKENS): ConsoleService {
  const fleet = parseFleetFile({ ...fleetFileFor(nodes), tokens }, 'test');
  const service = createConsoleService({ fleet, flushMs: 50, audit: AuditLog.inDirectory(dataDir) });
  services.push(service);
  return service;
}

function node(id: string): NodeProcess {
  return nodes.find((candidate) => candidate.id === id) as NodeProcess;
}

/** Opens `count` clients to a node and waits until the console counts them. */
async function connect(service: ConsoleService, nodeId: string, count: number): Promise<WebSocket[]> {
  const opened = await openClients(node(nodeId).url, count);
  sockets.push(...opened);
  await waitFor(
    () => service.store.view(nodeId)?.connections?.open === count,
    `${count} connections on ${nodeId}`,
  );
  return opened;
}

/** Close times (ms since `since`) of clients, as they happen. */
function closeTimes(clients: WebSocket[], since: number): number[] {
  const times: number[] = [];
  for (const client of clients) client.once('close', () => times.push(Date.now() - since));
  return times;
}

async function auditLines(id: string): Promise<OperationRecord[]> {
  const { readFile } = await import('node:fs/promises');
  const text = await readFile(join(dataDir, 'audit.jsonl'), 'utf8');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as OperationRecord)
    .filter((record) => record.id === id);
}

describe('drain operations', () => {
  it('drains at the previewed pace, audits start and finish, and is idempotent', async () => {
    const service = open();
    const clients = await connect(service, 'node-1', 40);
    await waitFor(() => service.store.view('node-2')?.status === 'active', 'node-2 linked');
    const drain = service.operations.drain;
    const deadlineMs = 4_000;
    const preview = await drain.previewDrain('node-1', deadlineMs);
    expect(preview).toMatchObject({ connections: 40, warnings: [] });
    expect(preview.closesPerSec).toBeCloseTo(40 / 3.2);
    expect(preview.targets).toEqual([
      {
        nodeId: 'node-2',
        connectionsNow: 0,
        connectionsAfter: 40,
        cpuNow: expect.any(Number),
        cpuAfter: null,
      },
    ]);

    const started = Date.now();
    const closes = closeTimes(clients, started);
    const record = await drain.drain('node-1', deadlineMs);
    expect(record).toMatchObject({
      action: 'drain',
      nodeId: 'node-1',
      outcome: 'running',
      source: 'console',
    });
    expect(record.args).toEqual({ deadlineMs, connections: 40 });
    // A second drain while this one runs returns the same record: no second action.
    expect((await drain.drain('node-1', 9_000)).id).toBe(record.id);

    await waitFor(() => service.store.view('node-1')?.drain?.kind === 'drain', 'drain progress in a sample');
    expect(service.store.view('node-1')?.status).toBe('draining');
    const final = await drain.settled(record.id);
    const tookMs = Date.now() - started;
    expect(final.outcome).toBe('succeeded');
    expect(final.message).toMatch(/^drained 40 connections in \d+\.\d s; node-1 is empty and safe to stop$/);
    expect(service.store.view('node-1')).toMatchObject({ status: 'drained', connections: { open: 0 } });
    await drain.waitDrained('node-1', 1_000);

    // The pace: closes spread over 80 % of the deadline, not all at once.
    expect(closes).toHaveLength(40);
    const sorted = [...closes].sort((a, b) => a - b);
    const spanMs = (sorted.at(-1) as number) - (sorted[0] as number);
    const measured = (40 - 1) / (spanMs / 1000);
    console.log(
      `drain of 40 over ${deadlineMs} ms: asked ${preview.closesPerSec.toFixed(1)} closes/s, measured ${measured.toFixed(1)} closes/s over ${spanMs} ms; last close at ${sorted.at(-1)} ms; record done after ${tookMs} ms`,
    );
    expect(spanMs).toBeGreaterThan(deadlineMs * 0.8 * 0.5);
    expect(sorted.at(-1)).toBeLessThan(deadlineMs);

    const lines = await auditLines(record.id);
    expect(lines.map((line) => line.outcome)).toEqual(['running', 'succeeded']);
    expect(lines[1]?.endedAt).toBeGreaterThanOrEqual(lines[0]?.startedAt as number);
    const drains = (await service.operations.handlers.getActivity(1000)).entries.filter(
      (entry) => entry.action === 'drain' && entry.startedAt >= record.startedAt,
    );
    expect(drains.map((entry) => entry.id)).toEqual([record.id]);
  });

  it('undrain stops the drain: its record ends aborted, the node is active, the rest stay open', async () => {
    const service = open();
    const clients = await connect(service, 'node-1', 20);
    const drain = service.operations.drain;
    const record = await drain.drain('node-1', 20_000);
    await waitFor(() => (service.store.view('node-1')?.drain?.closed ?? 0) >= 1, 'a first close');
    const undrained = await drain.undrain('node-1');
    expect(undrained).toMatchObject({ action: 'undrain', outcome: 'succeeded' });
    expect(undrained.message).toMatch(
      /^node-1 is active again; its drain stopped after \d+ of 20 connections$/,
    );
    const final = await drain.settled(record.id);
    expect(final.outcome).toBe('aborted');
    expect(final.message).toMatch(/^undrained after closing \d+ of 20 connections$/);
    await waitFor(() => service.store.view('node-1')?.status === 'active', 'node-1 active again');
    const stillOpen = clients.filter((client) => client.readyState === WebSocket.OPEN).length;
    expect(stillOpen).toBeGreaterThan(10);
    expect(stillOpen).toBeLessThan(20);
    expect((await auditLines(record.id)).map((line) => line.outcome)).toEqual(['running', 'aborted']);
  });

  it('sheds exactly N connections and leaves the node active', async () => {
    const service = open();
    const clients = await connect(service, 'node-2', 30);
    const drain = service.operations.drain;
    const preview = await drain.previewShed('node-2', { count: 12 }, 2_000);
    expect(preview).toMatchObject({ kind: 'shed', connections: 12, closesPerSec: 6 });
    const started = Date.now();
    const closes = closeTimes(clients, started);
    const record = await drain.shed('node-2', { count: 12 }, 2_000);
    expect(record.args).toEqual({ count: 12, deadlineMs: 2_000, connections: 30 });
    const final = await drain.settled(record.id);
    expect(final.outcome).toBe('succeeded');
    expect(final.message).toMatch(/^shed 12 connections in \d+\.\d s$/);
    await waitFor(() => service.store.view('node-2')?.connections?.open === 18, '18 left on node-2');
    expect(closes).toHaveLength(12);
    expect(clients.filter((client) => client.readyState === WebSocket.OPEN)).toHaveLength(18);
    expect(service.store.view('node-2')?.status).toBe('active');
    const sorted = [...closes].sort((a, b) => a - b);
    console.log(
      `shed of 12 over 2000 ms: asked ${preview.closesPerSec} closes/s, measured ${((12 - 1) / (((sorted.at(-1) as number) - (sorted[0] as number)) / 1000)).toFixed(1)} closes/s; record done after ${Date.now() - started} ms`,
    );

    // A share: 50 % of 18 is 9.
    const byShare = await drain.shed('node-2', { percent: 50 }, 1_000);
    expect(byShare.args).toMatchObject({ percent: 50, count: 9 });
    expect((await drain.settled(byShare.id)).outcome).toBe('succeeded');
    await waitFor(() => service.store.view('node-2')?.connections?.open === 9, '9 left on node-2');
  });

  it('undrain stops a shed in the middle; the shed ends aborted', async () => {
    const service = open();
    const clients = await connect(service, 'node-2', 30);
    const drain = service.operations.drain;
    const record = await drain.shed('node-2', { count: 20 }, 4_000);
    await waitFor(() => (service.store.view('node-2')?.drain?.closed ?? 0) >= 2, 'a few closes');
    const undrained = await drain.undrain('node-2');
    expect(undrained.message).toMatch(/^node-2's shed stopped after [1-9]\d* of 20 connections$/);
    const final = await drain.settled(record.id);
    expect(final.outcome).toBe('aborted');
    // The agent stops closing: after a second, well under 20 have closed.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const stillOpen = clients.filter((client) => client.readyState === WebSocket.OPEN).length;
    expect(stillOpen).toBeGreaterThan(10);
    expect(service.store.view('node-2')?.status).toBe('active');
  });

  it('refuses readably with only the read token, and audits the refusal', async () => {
    const service = open({ read: TEST_TOKENS.read });
    await connect(service, 'node-1', 3);
    const message =
      'This fleet file gives only the read token; draining needs the operate token (tokens.operate)';
    await expect(service.operations.drain.drain('node-1', 5_000)).rejects.toThrow(message);
    await expect(service.operations.drain.shed('node-1', { count: 1 }, 5_000)).rejects.toThrow(
      'This fleet file gives only the read token; shedding needs the operate token (tokens.operate)',
    );
    await expect(service.operations.drain.undrain('node-1')).rejects.toThrow(
      'This fleet file gives only the read token; undraining needs the operate token (tokens.operate)',
    );
    const refused = (await service.operations.handlers.getActivity(5)).entries.find(
      (entry) => entry.action === 'drain' && entry.outcome === 'failed',
    );
    expect(refused?.message).toBe(message);
    expect(service.store.view('node-1')).toMatchObject({ status: 'active', connections: { open: 3 } });
  });

  it('a console closed mid-drain ends its record aborted; the agent finishes and a new console sees it', async () => {
    const first = open();
    const clients = await connect(first, 'node-2', 20);
    const record = await first.operations.drain.drain('node-2', 5_000);
    await waitFor(() => (first.store.view('node-2')?.drain?.closed ?? 0) >= 1, 'a first close');
    await first.dispose();
    const lines = await waitFor(async () => {
      const found = await auditLines(record.id);
      return found.length === 2 ? found : null;
    }, 'the aborted line');
    expect(lines[1]).toMatchObject({ outcome: 'aborted', message: CONSOLE_CLOSED_MESSAGE });

    const second = open();
    const seen = await waitFor(() => {
      const view = second.store.view('node-2');
      return view?.status === 'draining' && view.drain?.kind === 'drain' ? view : null;
    }, 'the new console showing the drain in progress');
    expect(seen.drain?.total).toBe(20);
    expect(seen.drain?.closed).toBeLessThan(20);
    await second.operations.drain.waitDrained('node-2', 10_000);
    expect(second.store.view('node-2')).toMatchObject({ status: 'drained', connections: { open: 0 } });
    expect(clients.every((client) => client.readyState === WebSocket.CLOSED)).toBe(true);
  });

  it('refuses an unreachable node and a node the fleet does not have', async () => {
    const service = open();
    await expect(service.operations.drain.drain('node-9', 5_000)).rejects.toThrow(
      'no node "node-9" in this fleet',
    );
    const down = createConsoleService({
      fleet: parseFleetFile(
        { name: 'down', tokens: TEST_TOKENS, nodes: [{ id: 'gone', admin: 'ws://127.0.0.1:9' }] },
        'test',
      ),
    });
    services.push(down);
    await waitFor(() => down.store.view('gone')?.status === 'unreachable', 'gone unreachable');
    await expect(down.operations.drain.drain('gone', 5_000)).rejects.toThrow(/^gone is unreachable \(/);
    await expect(down.operations.drain.waitDrained('gone', 300)).rejects.toThrow(
      /gone was not drained within 0\.3 s \(unreachable\)/,
    );
  });
});
