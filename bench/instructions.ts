/**
 * Instructions per message, counted by callgrind (valgrind) rather than timed: a bare `ws`
 * echo server against the same server with the agent attached and a console connected, both
 * fed by one load generator, as in `bench:agent`.
 *
 * The time-based bench cannot tell differences under about half a per cent from its noise;
 * instruction counts can, and they say where: per function, with V8's JIT code named through
 * node's `--perf-basic-prof` map. Both servers run with `--single-threaded` (no concurrent
 * compiler or GC threads), so their code is compiled the same way from one run to the next.
 * A server under callgrind runs about 50× slower, so the load is 1,000 messages a second, sent
 * in batches of 50 every 50 ms: about the batches `bench:agent` sends at 30,000 a second.
 *
 * Needs valgrind (`apt-get install valgrind`). Diagnostic only: not part of `npm run bench`,
 * and its figures carry no target. See bench/README.md.
 *
 *   npm run bench:instructions [-- --payload 1024 --rate 1000 --tick-ms 50 --warmup 120 --seconds 20 --top 12]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { WebSocket } from 'ws';
import { table } from './console-common.js';
import {
  type Fixture,
  type LoadCalls,
  type LoadReady,
  ProcessGroup,
  ROOT,
  type ServerCalls,
  type ServerMode,
  type ServerReady,
  TOKEN_VARIABLE,
} from './fixtures/ipc.js';

const { values } = parseArgs({
  options: {
    payload: { type: 'string', default: '1024' },
    rate: { type: 'string', default: '1000' },
    'tick-ms': { type: 'string', default: '50' },
    warmup: { type: 'string', default: '120' },
    seconds: { type: 'string', default: '20' },
    top: { type: 'string', default: '12' },
  },
});
const settings = {
  payload: Number(values.payload),
  rate: Number(values.rate),
  tickMs: Number(values['tick-ms']),
  warmupSeconds: Number(values.warmup),
  seconds: Number(values.seconds),
  top: Number(values.top),
};
for (const [name, value] of Object.entries(settings)) {
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
}

const MODES: readonly ServerMode[] = ['bare', 'agent'];
/** Functions of V8's optimizing compilers: when they run is not the message path's cost. */
const COMPILER = /compiler::|turboshaft|maglev|Zone|Pipeline|RegisterAllocat|InstructionSelector|LiveRange/;
/** The message path: ws's receiver hands a whole message on here, and everything it calls. */
const MESSAGE_PATH = /^dataMessage \(node_modules\/ws\/lib\/receiver\.js/;

function requireValgrind(): void {
  for (const program of ['valgrind', 'callgrind_control', 'callgrind_annotate']) {
    try {
      execFileSync('sh', ['-c', `command -v ${program}`], { stdio: 'ignore' });
    } catch {
      console.error(`bench:instructions needs ${program} (Debian: apt-get install valgrind)`);
      process.exit(1);
    }
  }
}

/** Names of JIT code by address, from node's /tmp/perf-<pid>.map; a later entry wins. */
class JitNames {
  private readonly starts: number[] = [];
  private readonly entries: Array<{ start: number; end: number; name: string }> = [];

  constructor(mapFile: string) {
    const lines = existsSync(mapFile) ? readFileSync(mapFile, 'utf8').split('\n') : [];
    const entries = lines.flatMap((line, order) => {
      const [start, size, ...name] = line.split(' ');
      if (!start || !size || name.length === 0) return [];
      const from = Number.parseInt(start, 16);
      return [{ start: from, end: from + Number.parseInt(size, 16), name: name.join(' '), order }];
    });
    entries.sort((a, b) => a.start - b.start || a.order - b.order);
    for (const entry of entries) {
      this.starts.push(entry.start);
      this.entries.push(entry);
    }
  }

  /** The code object containing `address` (the latest of those that did), if known. */
  nameOf(address: number): string | null {
    let low = 0;
    let high = this.starts.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((this.starts[middle] as number) <= address) low = middle + 1;
      else high = middle;
    }
    let found: string | null = null;
    for (let index = Math.max(0, low - 64); index < low; index++) {
      const entry = this.entries[index] as { start: number; end: number; name: string };
      if (entry.start <= address && address < entry.end) found = entry.name;
    }
    return found;
  }
}

/** A function's readable name: JIT code by its source, repository paths relative. */
function label(raw: string, names: JitNames): string {
  const address = /^\?\?\?:0x([0-9a-f]+)/.exec(raw);
  let name = address ? (names.nameOf(Number.parseInt(address[1] as string, 16)) ?? raw) : raw;
  // `JS:*send /path:1:2` (optimized) or `JS:^send` (baseline) → `send (path:1:2)`.
  const js = /^(?:JS|LazyCompile):([*^~]?)(\S*) (.*)$/.exec(name);
  if (js) name = `${js[2] || '(anonymous)'} (${js[3]})${js[1] === '*' ? '' : ' [not optimized]'}`;
  name = name.replaceAll(`file://${ROOT}`, '').replaceAll(ROOT, '');
  return name
    .replace(/^\?\?\?:/, '')
    .replace(/\s*\[[^\]]*\]$/, '')
    .replace(/'\d+/, '');
}

/** Instructions by function, exclusive or inclusive, from `callgrind_annotate`. */
function instructionsByFunction(outFile: string, names: JitNames, inclusive: boolean): Map<string, number> {
  const text = execFileSync(
    'callgrind_annotate',
    [`--inclusive=${inclusive ? 'yes' : 'no'}`, '--threshold=100', '--show=Ir', outFile],
    { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
  );
  const byFunction = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^\s*([\d,]+)\s+\([^)]*\)\s+(.*)$/.exec(line);
    if (!match) continue;
    const count = Number((match[1] as string).replaceAll(',', ''));
    const raw = match[2] as string;
    // Recursion shows a function again as name'2; inclusive counts would count it twice.
    if (inclusive && /'\d+/.test(raw)) continue;
    const name = raw.includes('PROGRAM TOTALS') ? 'PROGRAM TOTALS' : label(raw, names);
    byFunction.set(name, (byFunction.get(name) ?? 0) + count);
  }
  return byFunction;
}

interface ModeFigures {
  readonly messages: number;
  readonly total: number;
  readonly compiler: number;
  readonly messagePath: number;
  readonly exclusive: Map<string, number>;
}

function figures(outFile: string, mapFile: string, messages: number): ModeFigures {
  const names = new JitNames(mapFile);
  const exclusive = instructionsByFunction(outFile, names, false);
  const inclusive = instructionsByFunction(outFile, names, true);
  let compiler = 0;
  for (const [name, count] of exclusive) if (COMPILER.test(name)) compiler += count;
  let messagePath = 0;
  for (const [name, count] of inclusive)
    if (MESSAGE_PATH.test(name)) messagePath = Math.max(messagePath, count);
  const perMessage = new Map([...exclusive].map(([name, count]) => [name, count / messages]));
  return {
    messages,
    total: (exclusive.get('PROGRAM TOTALS') ?? 0) / messages,
    compiler: compiler / messages,
    messagePath: messagePath / messages,
    exclusive: perMessage,
  };
}

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const signed = (value: number) => `${value >= 0 ? '+' : '−'}${integer.format(Math.abs(value))}`;

async function connectConsole(port: number, token: string): Promise<WebSocket> {
  const socket = new WebSocket(`ws://127.0.0.1:${port}`, { headers: { Authorization: `Bearer ${token}` } });
  socket.on('message', () => {});
  await new Promise<void>((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  return socket;
}

async function main(): Promise<void> {
  requireValgrind();
  const token = 'x'.repeat(32);
  const directory = mkdtempSync(join(tmpdir(), 'fleetdeck-callgrind-'));
  const group = new ProcessGroup();
  const servers = new Map<ServerMode, Fixture<ServerCalls, ServerReady>>();
  let consoleSocket: WebSocket | null = null;
  console.log(
    `Instructions per message under callgrind: echo ${integer.format(settings.payload)} B × 50 clients, ` +
      `${integer.format(settings.rate)} messages a second in ticks of ${settings.tickMs} ms, ` +
      `${settings.seconds} s counted after ${settings.warmupSeconds} s of warm-up; servers run with --single-threaded`,
  );
  try {
    for (const mode of MODES) {
      servers.set(
        mode,
        await group.start<ServerCalls, ServerReady>(
          mode,
          'bench/fixtures/server.ts',
          ['--mode', mode, '--kind', 'echo'],
          {
            launcher: [
              'valgrind',
              '--tool=callgrind',
              '--instr-atstart=no',
              '--smc-check=all-non-file',
              `--callgrind-out-file=${join(directory, `${mode}.out`)}`,
            ],
            nodeFlags: [
              '--perf-basic-prof',
              '--single-threaded',
              '--expose-gc',
              '--no-memory-reducer',
              '--require',
              './bench/fixtures/hold-tick-maps.cjs',
            ],
            env: { [TOKEN_VARIABLE]: token },
            readyTimeoutMs: 300_000,
          },
        ),
      );
    }
    const bare = servers.get('bare') as Fixture<ServerCalls, ServerReady>;
    const agent = servers.get('agent') as Fixture<ServerCalls, ServerReady>;
    consoleSocket = await connectConsole(agent.ready.adminPort as number, token);
    const load = await group.start<LoadCalls, LoadReady>(
      'load',
      'bench/fixtures/load.ts',
      [
        ...[bare, agent].flatMap((server) => ['--url', `ws://127.0.0.1:${server.ready.port}`]),
        ...['--clients', '50', '--kind', 'echo', '--payload', String(settings.payload)],
        ...['--tick-ms', String(settings.tickMs)],
      ],
      { readyTimeoutMs: 300_000 },
    );
    await load.call('start', { type: 'fixed', rate: settings.rate });
    console.log(`warming up for ${settings.warmupSeconds} s…`);
    await delay(settings.warmupSeconds * 1000);
    const control = (server: Fixture<ServerCalls, ServerReady>, ...args: string[]) =>
      execFileSync('callgrind_control', [...args, String(server.pid)], { stdio: 'ignore' });
    for (const server of [bare, agent]) control(server, '--instr=on');
    for (const server of [bare, agent]) control(server, '--zero');
    await Promise.all([bare, agent].map((server) => server.call('mark', {})));
    await delay(settings.seconds * 1000);
    const messages = new Map<ServerMode, number>();
    for (const [mode, server] of servers) {
      control(server, '--dump');
      messages.set(mode, (await server.call('read', {})).messagesIn);
    }
    await load.call('stop', {});

    const results = new Map<ServerMode, ModeFigures>();
    for (const [mode, server] of servers) {
      results.set(
        mode,
        figures(
          join(directory, `${mode}.out.1`),
          `/tmp/perf-${server.pid}.map`,
          messages.get(mode) as number,
        ),
      );
    }
    const b = results.get('bare') as ModeFigures;
    const a = results.get('agent') as ModeFigures;
    const row = (name: string, bareValue: number, agentValue: number) => [
      name,
      integer.format(bareValue),
      integer.format(agentValue),
      signed(agentValue - bareValue),
      (agentValue / bareValue).toFixed(3),
    ];
    console.log('');
    console.log(
      table([
        ['per message', 'bare', 'agent', 'agent − bare', 'ratio'],
        ['messages counted', integer.format(b.messages), integer.format(a.messages), '', ''],
        row('all instructions, compilers aside', b.total - b.compiler, a.total - a.compiler),
        row('message path (ws dataMessage, inclusive)', b.messagePath, a.messagePath),
        row("V8's compilers (when they ran)", b.compiler, a.compiler),
      ]),
    );
    const names = new Set([...b.exclusive.keys(), ...a.exclusive.keys()]);
    names.delete('PROGRAM TOTALS');
    const differences = [...names]
      .filter((name) => !COMPILER.test(name))
      .map((name) => ({ name, bare: b.exclusive.get(name) ?? 0, agent: a.exclusive.get(name) ?? 0 }))
      .sort((x, y) => Math.abs(y.agent - y.bare) - Math.abs(x.agent - x.bare))
      .slice(0, settings.top);
    console.log(
      `\nThe ${settings.top} functions whose own instructions per message differ most (compilers aside)`,
    );
    console.log(
      table([
        ['agent − bare', 'bare', 'agent', 'function'],
        ...differences.map(({ name, bare: bareValue, agent: agentValue }) => [
          signed(agentValue - bareValue),
          integer.format(bareValue),
          integer.format(agentValue),
          name,
        ]),
      ]),
    );
  } finally {
    consoleSocket?.terminate();
    for (const server of servers.values()) rmSync(`/tmp/perf-${server.pid}.map`, { force: true });
    await group.dispose();
    rmSync(directory, { recursive: true, force: true });
  }
}

await main();
process.exit(0);
