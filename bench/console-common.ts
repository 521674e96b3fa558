/**
 * What both halves of `bench:console` share: the settings, starting a fleet of fake agents and
 * the fleet file the console gets for them, waiting until the core has every node active, and
 * the figures' formatting.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { FleetConfig, FleetNodeConfig } from '../main/core/fleet-file.js';
import type {
  ConsoleCoreCalls,
  ConsoleCoreReady,
  FakeAgentsCalls,
  FakeAgentsReady,
} from './fixtures/console-ipc.js';
import { type Fixture, type ProcessGroup, TOKEN_VARIABLE } from './fixtures/ipc.js';

/** One fake-agent process serves at most this many agents, in at most this many processes. */
const AGENTS_PER_PROCESS = 500;
const MAX_AGENT_PROCESSES = 4;
/** How long every node may take to become active (hello, then a first sample). */
export const ACTIVE_TIMEOUT_MS = 20_000;
/** V8 flags of the core: --expose-gc because memory is read after full collections. */
export const CORE_NODE_FLAGS = ['--expose-gc'];

export type AgentsFixture = Fixture<FakeAgentsCalls, FakeAgentsReady>;
export type CoreFixture = Fixture<ConsoleCoreCalls, ConsoleCoreReady>;

/** The parts of the bench a run includes. */
export type BenchPart = 'core' | 'renderer';

/** The command line, checked. */
export interface Settings {
  /** Fleet sizes of the core half. */
  readonly nodes: readonly number[];
  readonly seconds: number;
  readonly channels: number;
  readonly profile: boolean;
  readonly token: string;
  readonly parts: readonly BenchPart[];
  /** Fleet size and measured seconds per view of the renderer half. */
  readonly rendererNodes: number;
  readonly rendererSeconds: number;
  /** Where the renderer half writes its screenshots; null: a new temporary directory. */
  readonly screenshots: string | null;
}

// ---------------------------------------------------------------------------------------------
// Formatting

/** Whole numbers with thousands separators. */
export const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** Bytes as MB (2^20), one decimal. */
export function mebibytes(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MB`;
}

/** A share (1 = 100 %) as a percentage, one decimal. */
export function percent(share: number): string {
  return `${(share * 100).toFixed(1)} %`;
}

/** Left-aligned columns, two spaces apart. */
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) {
    for (const [column, cell] of row.entries()) widths[column] = Math.max(widths[column] ?? 0, cell.length);
  }
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** CPU time over wall time of a window, as a share of one core. */
export function cpuShare(window: {
  cpuUserMicros: number;
  cpuSystemMicros: number;
  elapsedMs: number;
}): number {
  return (window.cpuUserMicros + window.cpuSystemMicros) / (window.elapsedMs * 1000);
}

/** PASS or FAIL, as the report's first column. */
export function verdict(passed: boolean): string {
  return passed ? 'PASS' : 'FAIL';
}

// ---------------------------------------------------------------------------------------------
// Fleets

/** Starts ⌈nodes / 500⌉ fake-agent processes (at most 4) serving `nodes` agents between them. */
export function startAgents(
  group: ProcessGroup,
  nodes: number,
  settings: Settings,
): Promise<AgentsFixture[]> {
  const processes = Math.min(MAX_AGENT_PROCESSES, Math.ceil(nodes / AGENTS_PER_PROCESS));
  const perProcess = Math.ceil(nodes / processes);
  return Promise.all(
    Array.from({ length: processes }, (_, index) => {
      const first = index * perProcess;
      const count = Math.min(perProcess, nodes - first);
      return group.start<FakeAgentsCalls, FakeAgentsReady>(
        `fake agents ${first + 1}–${first + count}`,
        'bench/fixtures/fake-agents.ts',
        ['--agents', String(count), '--first', String(first), '--channels', String(settings.channels)],
        { env: { [TOKEN_VARIABLE]: settings.token }, readyTimeoutMs: 60_000 },
      );
    }),
  );
}

/** The fleet file the console would load, as the object `loadFleetFile` returns. */
export function fleetOf(nodes: number, agents: readonly AgentsFixture[], token: string): FleetConfig {
  const fleetNodes: FleetNodeConfig[] = agents.flatMap((fixture) =>
    fixture.ready.agents.map((agent) => ({
      id: agent.nodeId,
      adminUrl: `ws://127.0.0.1:${agent.port}`,
      publicUrl: null,
      token,
    })),
  );
  return { name: `console-bench-${nodes}`, nodes: fleetNodes };
}

/** Polls the core until `nodes` are active or the timeout passes; returns the time taken or null. */
export async function waitActive(
  core: CoreFixture,
  nodes: number,
  startedAt: number,
): Promise<number | null> {
  for (;;) {
    const status = await core.call('status', {});
    const elapsed = performance.now() - startedAt;
    if (status.active >= nodes) return elapsed;
    if (elapsed > ACTIVE_TIMEOUT_MS) return null;
    await delay(100);
  }
}
