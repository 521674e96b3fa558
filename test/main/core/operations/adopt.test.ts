/**
 * A drain whose console was killed stays `running` in the audit log; the next console over the
 * fleet watches the node and writes the final line. Real node processes, a real audit file.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsoleService, createConsoleService } from '../../../../main/core/console-service.js';
import { parseFleetFile } from '../../../../main/core/fleet-file.js';
import { settle } from '../../../../main/core/operations/adopt.js';
import { AuditLog } from '../../../../main/core/operations/audit-log.js';
import { fleetFileFor, NodeProcess, TEST_TOKENS } from '../../../helpers/processes.js';
import { waitFor } from '../../../helpers/wait.js';

describe('settle', () => {
  const open = (count: number) => ({ open: count, opened: count, closed: 0 });
  it('finishes a drain when the node is empty and drained, or active again', () => {
    expect(
      settle({ action: 'drain' }, { status: 'drained', connections: open(0), drain: null })?.outcome,
    ).toBe('succeeded');
    expect(
      settle({ action: 'drain' }, { status: 'active', connections: open(3), drain: null })?.outcome,
    ).toBe('aborted');
    expect(settle({ action: 'drain' }, { status: 'draining', connections: open(3), drain: null })).toBeNull();
    expect(settle({ action: 'drain' }, { status: 'unreachable', connections: null, drain: null })).toBeNull();
  });
  it('finishes a shed once no shed runs', () => {
    const shed = { kind: 'shed' as const, startedAt: 0, deadlineAt: 1, total: 4, closed: 1, closeCode: 1012 };
    expect(settle({ action: 'shed' }, { status: 'active', connections: open(3), drain: shed })).toBeNull();
    expect(settle({ action: 'shed' }, { status: 'active', connections: open(3), drain: null })?.outcome).toBe(
      'succeeded',
    );
  });
});

describe('a later console adopts a drain left running', () => {
  let node: NodeProcess;
  let service: ConsoleService | null = null;
  beforeAll(async () => {
    node = await NodeProcess.start('node-1');
  }, 60_000);
  afterAll(async () => {
    await service?.dispose();
    await node.stop();
  });

  it('writes the final line once the node is drained', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'fleetdeck-adopt-'));
    const fleet = parseFleetFile({ ...fleetFileFor([node]), tokens: TEST_TOKENS }, 'test');
    // The killed console: it wrote the start line and never the end.
    const dead = AuditLog.inDirectory(dataDir);
    const orphan = await dead.start({
      action: 'drain',
      nodeId: 'node-1',
      args: { deadlineMs: 1000 },
      source: 'console',
      fleet: fleet.name,
    });
    // The dead console had asked the agent to drain; the agent carries on without it.
    const asker = createConsoleService({ fleet, flushMs: 50 });
    await waitFor(() => asker.store.view('node-1')?.status === 'active', 'node-1 linked');
    await asker.operations.drain.drain('node-1', 3000);
    await asker.dispose();
    // The next console, auditing to the same file.
    service = createConsoleService({ fleet, flushMs: 50, audit: AuditLog.inDirectory(dataDir) });
    const log = AuditLog.inDirectory(dataDir);
    await waitFor(
      async () =>
        (await log.read()).entries.find((entry) => entry.id === orphan.record.id)?.outcome === 'succeeded',
      'the orphaned record finished',
      15_000,
    );
    const finished = (await log.read()).entries.find((entry) => entry.id === orphan.record.id);
    expect(finished?.message).toMatch(/later console/);
    expect(finished?.endedAt).toBeGreaterThan(orphan.record.startedAt);
    await service.operations.drain.undrain('node-1');
  }, 30_000);
});
