/**
 * The console at fleet scale: what the core (main/core/console-service.ts) costs with 100, 500
 * and 1,000 nodes, each a fake agent (bench/fixtures/fake-agents.ts) sending a full sample with
 * 50 top channels every second over a real, authenticated WebSocket on 127.0.0.1.
 *
 * Per fleet size: fresh fake-agent processes (at most 500 agents each), a fresh console-core
 * process (bench/fixtures/console-core.ts), a wait until every node is active, a warm-up, then
 * one measured window. The core reports its own CPU, its memory after full collections, and
 * the deltas it produced, serialized as a transport would.
 *
 * Then the renderer (console-renderer.ts): the web-mode console over 500 fake agents in Chromium,
 * its frame times and the agent-sample-to-DOM latency on the overview and the nodes view.
 *
 * It prints figures and PASS/FAIL against the targets; the exit code says only whether the
 * bench ran. See bench/README.md.
 *
 *   npm run bench:console [-- --nodes 100,500,1000 --seconds 10 --channels 50 --profile
 *                            --only core|renderer --renderer-nodes 500 --renderer-seconds 20]
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import {
  ACTIVE_TIMEOUT_MS,
  CORE_NODE_FLAGS,
  cpuShare,
  fleetOf,
  integer,
  mebibytes,
  percent,
  type Settings,
  startAgents,
  table,
  verdict,
  waitActive,
} from './console-common.js';
import {
  printRendererReport,
  RENDERER_TARGETS,
  type RendererResult,
  rendererTargetLines,
  runRendererBench,
} from './console-renderer.js';
import type {
  ConsoleCoreCalls,
  ConsoleCoreReady,
  CoreMemory,
  CoreStatus,
  CoreWindow,
  FakeAgentsWindow,
} from './fixtures/console-ipc.js';
import { type OwnedProcess, ProcessGroup, ROOT } from './fixtures/ipc.js';

/**
 * The issue's targets. Heap: what the core must hold per node is its view (~1 KB) and the
 * previous sample as the baseline for rates (a parsed 7 KB frame, ~10–15 KB of objects), and
 * what its link holds is a `ws` client with its socket and buffers (~10 KB): about 25 KB, so
 * 25 MB at 1,000 nodes on top of a ~10 MB process. 64 MiB allows that twice over and is still
 * a small part of an Electron main process; more than that means something is kept per sample
 * rather than per node. The history's ring buffers are typed arrays outside `heapUsed` (25 KB a
 * node by design, main/core/history.ts), so linearity is judged on heapUsed + arrayBuffers: the
 * memory added per node from 500 to 1,000 nodes may exceed that from 100 to 500 by at most 25 %
 * (more means a cost that grows faster than the fleet).
 */
const TARGETS = {
  nodes: 1000,
  cpuShare: 0.25,
  heapBytes: 64 * 2 ** 20,
  linearityRatio: 1.25,
} as const;
/** After all nodes are active: rates have a baseline and the core's code is optimized. */
const WARMUP_MS = 2_000;
/** Functions listed from a `--profile` run. */
const PROFILE_TOP = 15;

/** Everything measured for one fleet size. */
interface RunResult {
  readonly nodes: number;
  readonly agentProcesses: number;
  readonly sampleBytes: number;
  /** Time from `start` until every node was active; null when they were not within the timeout. */
  readonly activeMs: number | null;
  /** Memory of the core process before it linked to anything. */
  readonly idle: CoreMemory;
  /** Memory just before the window and just after it. */
  readonly before: CoreMemory;
  readonly memory: CoreMemory;
  readonly window: CoreWindow;
  readonly agents: readonly FakeAgentsWindow[];
  readonly status: CoreStatus;
  readonly loadAverage: number;
}

// ---------------------------------------------------------------------------------------------
// Formatting

function perSecondBytes(bytes: number): string {
  return bytes >= 2 ** 20 ? `${(bytes / 2 ** 20).toFixed(2)} MB/s` : `${(bytes / 1024).toFixed(0)} KB/s`;
}

/** What the core holds after GC: V8 heap objects plus typed arrays (the history's ring buffers). */
function held(memory: CoreMemory): number {
  return memory.heapUsed + memory.arrayBuffers;
}

function signedKilobytes(bytes: number): string {
  return `${bytes >= 0 ? '+' : '−'}${(Math.abs(bytes) / 1024).toFixed(0)} KB`;
}

// ---------------------------------------------------------------------------------------------
// One fleet size

async function runFleet(
  group: ProcessGroup,
  nodes: number,
  settings: Settings,
  profileDirectory: string | null,
): Promise<RunResult> {
  const started: OwnedProcess[] = [];
  try {
    const agents = await startAgents(group, nodes, settings);
    started.push(...agents);
    const core = await group.start<ConsoleCoreCalls, ConsoleCoreReady>(
      `console core (${nodes} nodes)`,
      'bench/fixtures/console-core.ts',
      [],
      {
        nodeFlags: profileDirectory
          ? [...CORE_NODE_FLAGS, '--cpu-prof', `--cpu-prof-dir=${profileDirectory}`]
          : CORE_NODE_FLAGS,
      },
    );
    // Stopped first, so no link sees its agents disappear and starts reconnecting.
    started.unshift(core);
    const idle = await core.call('memory', {});

    const startedAt = performance.now();
    await core.call('start', { fleet: fleetOf(nodes, agents, settings.token) });
    const activeMs = await waitActive(core, nodes, startedAt);
    await delay(WARMUP_MS);
    const before = await core.call('memory', {});

    await Promise.all([core.call('mark', {}), ...agents.map((fixture) => fixture.call('mark', {}))]);
    await delay(settings.seconds * 1000);
    const [window, agentWindows] = await Promise.all([
      core.call('read', {}),
      Promise.all(agents.map((fixture) => fixture.call('read', {}))),
    ]);
    const loadAverage = loadavg()[0] ?? 0;
    const memory = await core.call('memory', {});
    const status = await core.call('status', {});
    const result: RunResult = {
      nodes,
      agentProcesses: agents.length,
      sampleBytes: agents[0]?.ready.sampleBytes ?? 0,
      activeMs,
      idle,
      before,
      memory,
      window,
      agents: agentWindows,
      status,
      loadAverage,
    };
    process.stdout.write(`${describeRun(result)}\n`);
    return result;
  } finally {
    for (const fixture of started) await group.stop(fixture);
  }
}

function describeRun(run: RunResult): string {
  const { window, status } = run;
  const seconds = window.elapsedMs / 1000;
  const active =
    run.activeMs === null
      ? `only ${status.active}/${run.nodes} active after ${ACTIVE_TIMEOUT_MS / 1000} s`
      : `all active in ${(run.activeMs / 1000).toFixed(1)} s`;
  const sent = run.agents.reduce((sum, agent) => sum + agent.samplesSent, 0) / seconds;
  const user = window.cpuUserMicros / (window.elapsedMs * 1000);
  const system = window.cpuSystemMicros / (window.elapsedMs * 1000);
  let line =
    `  ${integer.format(run.nodes).padStart(5)} nodes: ${active}; console CPU ${percent(cpuShare(window))} ` +
    `(user ${percent(user)}, system ${percent(system)}; GC pauses ${(window.gcPauseMs / seconds).toFixed(1)} ms/s, ` +
    `${window.majorGcs} full GC${window.majorGcs === 1 ? '' : 's'}), heap ${mebibytes(run.memory.heapUsed)}, ${integer.format(window.samples / seconds)} samples/s applied ` +
    `(${integer.format(sent)}/s sent, ${integer.format(run.sampleBytes)} B each), load ${run.loadAverage.toFixed(2)}`;
  if (status.unreachableTransitions > 0 || status.droppedFrames > 0) {
    line +=
      `\n        WARNING: ${status.unreachableTransitions} links went unreachable, ${status.droppedFrames} frames dropped` +
      (status.lastDropReason ? ` (last: ${status.lastDropReason})` : '');
  }
  return line;
}

// ---------------------------------------------------------------------------------------------
// Report

function printTable(runs: readonly RunResult[]): void {
  const rows: string[][] = [
    [
      'nodes',
      'all active after',
      'console CPU',
      'heapUsed',
      'arrayBuffers',
      'rss',
      'held/node',
      'heap Δ window',
      'samples/s',
      'deltas/s',
      'delta bytes/s',
      'agents CPU',
      'load 1m',
    ],
  ];
  for (const run of runs) {
    const seconds = run.window.elapsedMs / 1000;
    const agentsCpu = run.agents.reduce((sum, agent) => sum + cpuShare(agent), 0);
    rows.push([
      integer.format(run.nodes),
      run.activeMs === null ? `> ${ACTIVE_TIMEOUT_MS / 1000} s` : `${(run.activeMs / 1000).toFixed(2)} s`,
      percent(cpuShare(run.window)),
      mebibytes(run.memory.heapUsed),
      mebibytes(run.memory.arrayBuffers),
      mebibytes(run.memory.rss),
      `${integer.format((held(run.memory) - held(run.idle)) / run.nodes)} B`,
      signedKilobytes(run.memory.heapUsed - run.before.heapUsed),
      integer.format(run.window.samples / seconds),
      (run.window.deltas / seconds).toFixed(1),
      perSecondBytes(run.window.deltaBytes / seconds),
      `${percent(agentsCpu)} (${run.agentProcesses} proc)`,
      run.loadAverage.toFixed(2),
    ]);
  }
  process.stdout.write(`${table(rows)}\n`);
  process.stdout.write(
    'console CPU: user + system of the core process over the window, % of one core. Memory is read after two\n' +
      'full GCs. held/node: (heapUsed + arrayBuffers − the same before linking) / nodes. heap Δ window: heapUsed\n' +
      'after the window − before it (a leak per sample shows here). samples/s: samples that reached the store.\n' +
      'deltas, delta bytes: what the subscriber received, as JSON. agents CPU: every fake-agent process together.\n' +
      'load 1m: the machine load average when the window ended.\n',
  );
}

function printTargets(runs: readonly RunResult[]): void {
  const at = (nodes: number) => runs.find((run) => run.nodes === nodes);
  const target = at(TARGETS.nodes);
  const lines: string[] = [];
  if (target) {
    const share = cpuShare(target.window);
    const allActive = target.activeMs !== null;
    lines.push(
      `${verdict(allActive && share <= TARGETS.cpuShare)}  1,000 nodes in ≤ ${percent(TARGETS.cpuShare)} of one core: ` +
        `${percent(share)}${allActive ? '' : ` (only ${target.status.active} nodes were active)`}`,
    );
    lines.push(
      `${verdict(target.memory.heapUsed <= TARGETS.heapBytes)}  heapUsed at 1,000 nodes ≤ ${mebibytes(TARGETS.heapBytes)}: ` +
        mebibytes(target.memory.heapUsed),
    );
  } else {
    lines.push('n/a   1,000-node targets: this run had no 1,000-node fleet');
  }
  const small = at(100);
  const middle = at(500);
  if (small && middle && target) {
    const growth = (from: RunResult, to: RunResult) =>
      (held(to.memory) - held(from.memory)) / (to.nodes - from.nodes);
    const early = growth(small, middle);
    const late = growth(middle, target);
    const ratio = late / early;
    lines.push(
      `${verdict(ratio <= TARGETS.linearityRatio)}  memory grows linearly (heapUsed + arrayBuffers): ${integer.format(late)} B/node ` +
        `from 500 to 1,000 vs ${integer.format(early)} B/node from 100 to 500 (ratio ${ratio.toFixed(2)} ≤ ${TARGETS.linearityRatio})`,
    );
  } else {
    lines.push('n/a   heap linearity: needs fleets of 100, 500 and 1,000 nodes');
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

// ---------------------------------------------------------------------------------------------
// Profile (--profile): where the core's CPU goes at the largest fleet

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** A readable place for a profile frame: repository-relative, or the package path inside node_modules. */
function placeOf(url: string): string {
  if (url === '') return '';
  const path = url.replace(/^file:\/\//, '');
  const inModules = path.lastIndexOf('/node_modules/');
  if (inModules >= 0) return path.slice(inModules + '/node_modules/'.length);
  return path.startsWith(ROOT) ? path.slice(ROOT.length) : path;
}

/**
 * Self and inclusive time per function over the measured window, from the V8 profile's
 * samples (whose timestamps are on the same monotonic clock as `process.hrtime`).
 */
function summarizeProfile(profile: CpuProfile, window: CoreWindow): string {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const keyOf = (node: ProfileNode) => {
    const { functionName, url, lineNumber } = node.callFrame;
    const place = placeOf(url);
    if (!place) return functionName || '(native)';
    // tsx emits each module on few lines, so a line number in a repository file says little.
    const line = lineNumber > 0 ? `:${lineNumber + 1}` : '';
    return `${functionName || '(anonymous)'}  ${place}${line}`;
  };
  // Inclusive time is shown for this repository's code only: node's and ws's read path is on every stack.
  const isOurs = (node: ProfileNode) =>
    node.callFrame.url.startsWith(`file://${ROOT}`) && !node.callFrame.url.includes('/node_modules/');

  let inWindow = true;
  let time = profile.startTime;
  let counted = 0;
  for (const [index, delta] of profile.timeDeltas.entries()) {
    time += delta;
    if (time >= window.startMicros && time <= window.endMicros && profile.samples[index] !== undefined)
      counted++;
  }
  // Should the clocks ever disagree, the whole profile is better than nothing.
  if (counted === 0) inWindow = false;

  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const byFile = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  time = profile.startTime;
  for (const [index, delta] of profile.timeDeltas.entries()) {
    time += delta;
    const sampled = byId.get(profile.samples[index] ?? -1);
    if (!sampled || (inWindow && (time < window.startMicros || time > window.endMicros))) continue;
    const weight = profile.timeDeltas[index + 1] ?? delta;
    if (sampled.callFrame.functionName === '(idle)') {
      idle += weight;
      continue;
    }
    busy += weight;
    const key = keyOf(sampled);
    self.set(key, (self.get(key) ?? 0) + weight);
    const file = placeOf(sampled.callFrame.url) || sampled.callFrame.functionName || '(native)';
    byFile.set(file, (byFile.get(file) ?? 0) + weight);
    // Each function once per sample, however deep it recurses (the validator does).
    const onStack = new Set<string>();
    for (let node: ProfileNode | undefined = sampled; node; node = byId.get(parent.get(node.id) ?? -1)) {
      const name = keyOf(node);
      if (!isOurs(node) || onStack.has(name)) continue;
      onStack.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + weight);
    }
  }
  const top = (map: Map<string, number>, count: number) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(([name, micros]) => [
        `${((micros / busy) * 100).toFixed(1)} %`,
        `${(micros / 1000).toFixed(0)} ms`,
        name,
      ]);
  const span = inWindow ? `the ${(window.elapsedMs / 1000).toFixed(0)} s window` : 'the whole process life';
  return (
    `main thread in JavaScript or GC ${((busy / (busy + idle)) * 100).toFixed(1)} % of ${span}; shares below are of that time\n` +
    '(the process CPU figure also counts kernel time for sockets, GC helper threads and the profiler itself)\n\n' +
    `Self time by function\n${table([['share', 'time', 'function'], ...top(self, PROFILE_TOP)])}\n\n` +
    `Self time by file\n${table([['share', 'time', 'file'], ...top(byFile, 10)])}\n\n` +
    `Inclusive time of this repository's functions (with what they call)\n${table([['share', 'time', 'function'], ...top(inclusive, PROFILE_TOP)])}\n`
  );
}

async function printProfile(directory: string, window: CoreWindow): Promise<void> {
  const files = (await readdir(directory)).filter((name) => name.endsWith('.cpuprofile'));
  const file = files[0];
  if (!file) {
    process.stdout.write('no profile was written (did the core exit cleanly?)\n');
    return;
  }
  const profile = JSON.parse(await readFile(join(directory, file), 'utf8')) as CpuProfile;
  process.stdout.write(`${join(directory, file)}\n${summarizeProfile(profile, window)}`);
}

// ---------------------------------------------------------------------------------------------
// Main

function readSettings(): Settings {
  const { values } = parseArgs({
    options: {
      nodes: { type: 'string', default: '100,500,1000' },
      seconds: { type: 'string', default: '10' },
      channels: { type: 'string', default: '50' },
      profile: { type: 'boolean', default: false },
      only: { type: 'string' },
      'renderer-nodes': { type: 'string', default: String(RENDERER_TARGETS.nodes) },
      'renderer-seconds': { type: 'string', default: '20' },
      screenshots: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(
      'usage: npm run bench:console [-- --nodes 100,500,1000 --seconds S (10) --channels C (50) --profile\n' +
        '         --only core|renderer --renderer-nodes N (500) --renderer-seconds S (20) --screenshots DIR]\n' +
        '  --profile  writes a V8 CPU profile of the core at the largest fleet and prints its top functions\n' +
        '  --only     runs one half: the core at each fleet size, or the renderer in Chromium (needs a build)\n',
    );
    process.exit(0);
  }
  // Bounded, so the bench stays bounded in time and in file descriptors (20,000 a process).
  const count = (name: string, value: string, max: number) => {
    const number = Number(value);
    if (!Number.isInteger(number) || number < 1 || number > max) {
      throw new TypeError(`--${name} must be an integer from 1 to ${max}`);
    }
    return number;
  };
  const nodes = values.nodes.split(',').map((value) => count('nodes', value.trim(), 2_000));
  if (nodes.length > 5) throw new TypeError('--nodes takes at most 5 fleet sizes');
  const only = values.only;
  if (only !== undefined && only !== 'core' && only !== 'renderer') {
    throw new TypeError('--only must be core or renderer');
  }
  return {
    nodes: [...new Set(nodes)].sort((a, b) => a - b),
    seconds: count('seconds', values.seconds, 30),
    channels: count('channels', values.channels, 100),
    profile: values.profile,
    token: randomBytes(24).toString('base64url'),
    parts: only === undefined ? ['core', 'renderer'] : [only],
    rendererNodes: count('renderer-nodes', values['renderer-nodes'], 2_000),
    rendererSeconds: count('renderer-seconds', values['renderer-seconds'], 60),
    screenshots: values.screenshots ?? null,
  };
}

async function main(): Promise<void> {
  const settings = readSettings();
  const group = new ProcessGroup();
  const interrupt = (signal: NodeJS.Signals) => {
    process.stderr.write(`\n${signal}: stopping every bench process\n`);
    void group.dispose().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  // Hard bound on the whole bench (380 s with the defaults), so a wedged fixture cannot hang CI.
  const core = settings.parts.includes('core');
  const renderer = settings.parts.includes('renderer');
  const fleets = core ? settings.nodes.length + (settings.profile ? 1 : 0) : 0;
  const rendererMs = renderer ? 90_000 + 3 * (settings.rendererSeconds * 1000 + 20_000) : 0;
  const watchdogMs = 50_000 + fleets * (settings.seconds * 1000 + 30_000) + rendererMs;
  const watchdog = setTimeout(() => {
    process.stderr.write(`console bench: still running after ${watchdogMs / 1000} s; giving up\n`);
    void group.dispose().finally(() => process.exit(1));
  }, watchdogMs).unref();

  const startedAt = Date.now();
  process.stdout.write(
    `Fleetdeck console at fleet scale: fake agents on 127.0.0.1, one sample a second each with ${settings.channels} top channels\n` +
      `node ${process.version} · ${availableParallelism()} CPUs shared by the core, the fake agents and the driver · ` +
      `load ${loadavg()
        .map((value) => value.toFixed(2))
        .join(' ')} at start · window ${settings.seconds} s after ${WARMUP_MS / 1000} s warm-up\n\n`,
  );
  try {
    const runs: RunResult[] = [];
    if (core) {
      for (const nodes of settings.nodes) runs.push(await runFleet(group, nodes, settings, null));
    }
    let rendererResult: RendererResult | null = null;
    if (renderer) {
      process.stdout.write(
        `${core ? '\n' : ''}Renderer: Chromium on the web-mode console over ${integer.format(settings.rendererNodes)} fake agents, ` +
          `${settings.rendererSeconds} s on each view\n`,
      );
      rendererResult = await runRendererBench(group, settings);
    }
    if (core) {
      process.stdout.write('\nConsole core\n');
      printTable(runs);
    }
    if (rendererResult) {
      process.stdout.write(`\nRenderer at ${integer.format(settings.rendererNodes)} nodes\n`);
      printRendererReport(rendererResult);
    }
    process.stdout.write('\nTargets\n');
    if (core) printTargets(runs);
    if (rendererResult) process.stdout.write(`${rendererTargetLines(rendererResult).join('\n')}\n`);

    const largest = settings.nodes[settings.nodes.length - 1];
    if (core && settings.profile && largest !== undefined) {
      // A run of its own: the profiler costs CPU, so its figures must not be the ones judged.
      // The profile stays in the temporary directory for DevTools or speedscope; its path is printed.
      const directory = await mkdtemp(join(tmpdir(), 'fleetdeck-console-profile-'));
      process.stdout.write(`\nProfiled run (its CPU includes the profiler's; not judged)\n`);
      const run = await runFleet(group, largest, settings, directory);
      process.stdout.write(`\nCPU profile of the core at ${integer.format(largest)} nodes: `);
      await printProfile(directory, run.window);
    }
    process.stdout.write(`\nbench took ${((Date.now() - startedAt) / 1000).toFixed(0)} s\n`);
  } finally {
    clearTimeout(watchdog);
    await group.dispose();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`console bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
