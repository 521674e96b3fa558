/**
 * The renderer half of `bench:console`: the web-mode console (main/web/server.ts over the
 * console core) serving the built renderer to Debian's Chromium, with 500 fake agents behind
 * it, measured from inside the page (bench/fixtures/page-probe.ts) on the overview and on the
 * nodes view: frame times, long tasks and the agent-sample-to-DOM latency, plus what Chromium's
 * DevTools protocol says the page's main thread did.
 *
 * The fleet history is filled to 900 points before the browser opens, so the charts draw what
 * they draw after 15 minutes of uptime, not the few seconds the bench has been running.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, stat } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { Browser, CDPSession, Page } from '@playwright/test';
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
import type {
  ConsoleCoreCalls,
  ConsoleCoreReady,
  CoreWindow,
  FakeAgentsWindow,
} from './fixtures/console-ipc.js';
import { type OwnedProcess, type ProcessGroup, ROOT } from './fixtures/ipc.js';
import { type PageProbeReport, pageProbeScript } from './fixtures/page-probe.js';

/** The targets for the renderer, at 500 nodes. */
export const RENDERER_TARGETS = {
  nodes: 500,
  frameP95Ms: 50,
  latencyP99Ms: 1_500,
} as const;
/** The viewport the screenshots are judged at, as in test/e2e/playwright.config.ts. */
const VIEWPORT = { width: 1280, height: 800 } as const;
/** Points of fleet history the charts hold after 15 minutes (renderer/stores/health-store.ts). */
const HISTORY_POINTS = 900;
/** After every node is active: each has sent a second sample, so its rates are known. */
const RATES_WARMUP_MS = 2_500;
/** After a view has its data: fonts, the history fetch and the first renders are done. */
const SETTLE_MS = 3_000;
/** How long a view may take to show the fleet. */
const VIEW_TIMEOUT_MS = 30_000;

/**
 * What is measured: a view by its fragment (renderer/router.ts) and `main[data-view]`, and where
 * the page is scrolled. The overview twice: as it opens (tiles, node map, the first charts), and
 * scrolled down to the charts, which redraw every second only while in view.
 */
const VIEWS = [
  { name: 'overview', label: 'overview', route: 'overview', hash: '#/', scrollTo: null },
  {
    name: 'overview-charts',
    label: 'overview, scrolled to the charts',
    route: 'overview',
    hash: '#/',
    scrollTo: '[data-chart]',
  },
  { name: 'nodes', label: 'nodes view', route: 'nodes', hash: '#/nodes', scrollTo: null },
] as const;
type ViewName = (typeof VIEWS)[number]['name'];

/** p50, p95, p99 and max of a list of values; null when it is empty. */
interface Distribution {
  readonly count: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

/** What the page's main thread did over the window, from DevTools' Performance.getMetrics. */
interface MainThread {
  /** Share of wall time the renderer main thread ran tasks. */
  readonly busy: number;
  readonly script: number;
  /** Style recalculation plus layout. */
  readonly styleLayout: number;
  readonly jsHeapBytes: number;
  readonly domNodes: number;
}

/** Everything measured on one view. */
export interface ViewResult {
  readonly view: ViewName;
  readonly label: string;
  readonly probe: PageProbeReport;
  readonly frames: Distribution | null;
  readonly latency: Distribution | null;
  readonly mainThread: MainThread | null;
  /** The console process (core + web transport) over the same window. */
  readonly console: CoreWindow;
  readonly agents: readonly FakeAgentsWindow[];
  readonly loadAverage: number;
  /** Node-map cells in the page when the window started (the overview should have one per node). */
  readonly mapCells: number;
}

/** The renderer half's result, or why it did not run. */
export type RendererResult =
  | {
      readonly ran: true;
      readonly nodes: number;
      readonly seconds: number;
      readonly views: readonly ViewResult[];
      readonly screenshots: string;
    }
  | { readonly ran: false; readonly reason: string };

/** Nearest-rank percentiles. */
function distribution(values: readonly number[]): Distribution | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (share: number) =>
    sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)] ?? 0;
  return { count: sorted.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: sorted.at(-1) ?? 0 };
}

function milliseconds(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(value < 100 ? 1 : 0)} ms`;
}

function describeDistribution(figures: Distribution | null): string {
  if (!figures) return 'n/a';
  return `${[figures.p50, figures.p95, figures.p99].map((value) => milliseconds(value)).join(' / ')} / ${milliseconds(figures.max)}`;
}

// ---------------------------------------------------------------------------------------------
// The build and the browser

const STATIC_DIR = join(ROOT, 'dist', 'renderer');

/** Newest modification time of the renderer's sources, to tell a stale build from a fresh one. */
async function newestSource(directory: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(directory, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !/\.(tsx?|css|html)$/.test(entry.name)) continue;
    newest = Math.max(newest, (await stat(join(entry.parentPath, entry.name))).mtimeMs);
  }
  return newest;
}

/** Null when dist/renderer can be served, else why not; warns when it is older than its sources. */
async function checkBuild(): Promise<string | null> {
  const index = join(STATIC_DIR, 'index.html');
  if (!existsSync(index)) {
    return 'dist/renderer is missing: the renderer bench serves the built renderer; run `npm run build:renderer` (or `npm run build`) first';
  }
  const built = (await stat(index)).mtimeMs;
  const sources = Math.max(
    await newestSource(join(ROOT, 'renderer')),
    await newestSource(join(ROOT, 'main', 'common')),
  );
  if (sources > built) {
    process.stdout.write(
      'WARNING: dist/renderer is older than renderer/ or main/common/; these figures are of the old build.\n' +
        '         Run `npm run build:renderer` to measure the current code.\n',
    );
  }
  return null;
}

/** Debian's Chromium with the e2e suite's flags (test/e2e/playwright.config.ts is the one source of both). */
async function launchChromium(): Promise<Browser> {
  const [{ chromium }, config] = await Promise.all([
    import('@playwright/test'),
    import('../test/e2e/playwright.config.js'),
  ]);
  return chromium.launch({
    executablePath: config.CHROMIUM,
    args: [...(config.default.use?.launchOptions?.args ?? [])],
  });
}

async function readMetrics(session: CDPSession): Promise<Map<string, number>> {
  const { metrics } = await session.send('Performance.getMetrics');
  return new Map(metrics.map((metric) => [metric.name, metric.value]));
}

function mainThreadOf(before: Map<string, number>, after: Map<string, number>): MainThread | null {
  const change = (name: string) => (after.get(name) ?? 0) - (before.get(name) ?? 0);
  // Timestamp and the durations are in seconds.
  const seconds = change('Timestamp');
  if (!(seconds > 0)) return null;
  return {
    busy: change('TaskDuration') / seconds,
    script: change('ScriptDuration') / seconds,
    styleLayout: (change('RecalcStyleDuration') + change('LayoutDuration')) / seconds,
    jsHeapBytes: after.get('JSHeapUsedSize') ?? 0,
    domNodes: after.get('Nodes') ?? 0,
  };
}

/** Opens a view in a fresh page and waits until it shows the fleet and has settled. */
async function openView(browser: Browser, url: string, view: (typeof VIEWS)[number]): Promise<Page> {
  const page = await browser.newPage({ viewport: VIEWPORT });
  await page.addInitScript({ content: pageProbeScript() });
  await page.goto(`${url}${view.hash}`);
  await page.waitForSelector(`main[data-view="${view.route}"]`, { timeout: VIEW_TIMEOUT_MS });
  // "Connecting to the console…" carries aria-busy until the first fleet state arrives.
  await page.locator('main [aria-busy="true"]').waitFor({ state: 'detached', timeout: VIEW_TIMEOUT_MS });
  if (view.scrollTo !== null) {
    await page.waitForSelector(view.scrollTo, { timeout: VIEW_TIMEOUT_MS });
    await page.evaluate(
      `document.querySelector(${JSON.stringify(view.scrollTo)}).scrollIntoView({ block: 'start' })`,
    );
  }
  await delay(SETTLE_MS);
  return page;
}

// ---------------------------------------------------------------------------------------------
// The run

/**
 * Runs the renderer half: agents, the console with its web server, then each view for
 * `settings.rendererSeconds`. Every process it starts is stopped before it returns.
 */
export async function runRendererBench(group: ProcessGroup, settings: Settings): Promise<RendererResult> {
  const problem = await checkBuild();
  if (problem) return { ran: false, reason: problem };
  const nodes = settings.rendererNodes;
  const screenshots = settings.screenshots ?? (await mkdtemp(join(tmpdir(), 'fleetdeck-console-bench-')));
  await mkdir(screenshots, { recursive: true });

  const started: OwnedProcess[] = [];
  let browser: Browser | null = null;
  try {
    const agents = await startAgents(group, nodes, settings);
    started.push(...agents);
    const core = await group.start<ConsoleCoreCalls, ConsoleCoreReady>(
      `web console (${nodes} nodes)`,
      'bench/fixtures/console-core.ts',
      [],
      { nodeFlags: CORE_NODE_FLAGS },
    );
    started.unshift(core);
    const startedAt = performance.now();
    const { url } = await core.call('startWeb', {
      fleet: fleetOf(nodes, agents, settings.token),
      staticDir: STATIC_DIR,
    });
    const activeMs = await waitActive(core, nodes, startedAt);
    if (activeMs === null) {
      return { ran: false, reason: `not every node was active after ${ACTIVE_TIMEOUT_MS / 1000} s` };
    }
    // Every node has a second sample, hence rates, before the fleet is copied into the past.
    await delay(RATES_WARMUP_MS);
    await core.call('prefillHistory', { points: HISTORY_POINTS - 1 });
    browser = await launchChromium();
    process.stdout.write(
      `  ${integer.format(nodes)} nodes active in ${(activeMs / 1000).toFixed(1)} s; Chromium ${browser.version()}, ` +
        `${VIEWPORT.width}×${VIEWPORT.height}; fleet history filled to ${HISTORY_POINTS} points\n`,
    );

    const views: ViewResult[] = [];
    for (const view of VIEWS) {
      const page = await openView(browser, url, view);
      const session = await page.context().newCDPSession(page);
      await session.send('Performance.enable');
      const mapCells = await page.locator('[data-node-cell]').count();
      const before = await readMetrics(session);
      await Promise.all([core.call('mark', {}), ...agents.map((fixture) => fixture.call('mark', {}))]);
      // Strings, not functions: tsx would wrap a function in a helper the page does not have.
      await page.evaluate('window.__fleetdeckBench.start()');
      await delay(settings.rendererSeconds * 1000);
      const probe = (await page.evaluate('window.__fleetdeckBench.stop()')) as PageProbeReport;
      const [consoleWindow, agentWindows, after] = await Promise.all([
        core.call('read', {}),
        Promise.all(agents.map((fixture) => fixture.call('read', {}))),
        readMetrics(session),
      ]);
      const result: ViewResult = {
        view: view.name,
        label: view.label,
        probe,
        frames: distribution(probe.frames),
        latency: distribution(probe.latencies),
        mainThread: mainThreadOf(before, after),
        console: consoleWindow,
        agents: agentWindows,
        loadAverage: loadavg()[0] ?? 0,
        mapCells,
      };
      views.push(result);
      process.stdout.write(`${describeView(result, nodes)}\n`);
      await page.screenshot({ path: join(screenshots, `${view.name}-${nodes}.png`) });
      if (view.route === 'overview' && view.scrollTo === null) {
        await page.screenshot({ path: join(screenshots, `${view.name}-${nodes}-full.png`), fullPage: true });
      }
      await session.detach();
      await page.close();
    }
    return { ran: true, nodes, seconds: settings.rendererSeconds, views, screenshots };
  } finally {
    await browser?.close();
    for (const fixture of started) await group.stop(fixture);
  }
}

function describeView(result: ViewResult, nodes: number): string {
  const { probe, mainThread } = result;
  const longTotal = probe.longTasks.reduce((sum, duration) => sum + duration, 0);
  let line =
    `  ${result.view.padEnd(15)} frames p95 ${result.frames ? milliseconds(result.frames.p95) : 'n/a'} ` +
    `(${integer.format(probe.frames.length)} frames), ${probe.longTasks.length} long tasks (${milliseconds(longTotal)}), ` +
    `sample→DOM p99 ${result.latency ? milliseconds(result.latency.p99) : 'n/a'} ` +
    `(${integer.format(probe.latencies.length)} updates of ${integer.format(probe.changedElements)} elements), ` +
    `main thread ${mainThread ? percent(mainThread.busy) : 'n/a'}, console CPU ${percent(cpuShare(result.console))}, ` +
    `load ${result.loadAverage.toFixed(2)}`;
  if (result.view !== 'nodes' && result.mapCells !== nodes) {
    line += `\n        WARNING: the node map had ${result.mapCells} cells for ${nodes} nodes`;
  }
  if (!probe.longTasksSupported) line += '\n        NOTE: this Chromium does not report long tasks';
  return line;
}

// ---------------------------------------------------------------------------------------------
// Report

/** Prints the renderer table, its legend and its targets. */
export function printRendererReport(result: RendererResult): void {
  if (!result.ran) {
    process.stdout.write(`n/a   renderer targets: the renderer bench did not run: ${result.reason}\n`);
    return;
  }
  const rows: string[][] = [
    [
      'view',
      'frames',
      'frame p50 / p95 / p99 / max',
      'long tasks',
      'sample→DOM p50 / p95 / p99 / max',
      'updates',
      'main thread',
      'script',
      'style+layout',
      'JS heap',
      'DOM nodes',
      'console CPU',
      'load 1m',
    ],
  ];
  for (const view of result.views) {
    const { probe, mainThread } = view;
    const longTotal = probe.longTasks.reduce((sum, duration) => sum + duration, 0);
    rows.push([
      view.view,
      integer.format(probe.frames.length),
      describeDistribution(view.frames),
      `${probe.longTasks.length} (${milliseconds(longTotal)})`,
      describeDistribution(view.latency),
      `${integer.format(probe.latencies.length)} (${integer.format(probe.changedElements)} el.)`,
      mainThread ? percent(mainThread.busy) : 'n/a',
      mainThread ? percent(mainThread.script) : 'n/a',
      mainThread ? percent(mainThread.styleLayout) : 'n/a',
      mainThread ? mebibytes(mainThread.jsHeapBytes) : 'n/a',
      mainThread ? integer.format(mainThread.domNodes) : 'n/a',
      percent(cpuShare(view.console)),
      view.loadAverage.toFixed(2),
    ]);
  }
  process.stdout.write(`${table(rows)}\n`);
  process.stdout.write(
    'frames: gaps between requestAnimationFrame callbacks (16.7 ms at 60 Hz). long tasks: main-thread tasks over\n' +
      '50 ms, count (total). sample→DOM: Date.now() in the page − the sample time the agent sent, taken when a\n' +
      'data-sample-at attribute changes (node map cells); updates: changes seen (distinct elements). main thread,\n' +
      "script, style+layout: share of the window the page's main thread spent, from DevTools. console CPU: the\n" +
      'console process (core and web server) over the window, % of one core.\n' +
      `Screenshots: ${result.screenshots}\n`,
  );
}

/** The PASS/FAIL lines of the renderer's targets. */
export function rendererTargetLines(result: RendererResult): string[] {
  if (!result.ran) return [`n/a   renderer targets: ${result.reason}`];
  const lines: string[] = [];
  const at = `at ${integer.format(result.nodes)} nodes`;
  const judged = result.nodes === RENDERER_TARGETS.nodes;
  const mark = (passed: boolean) => (judged ? verdict(passed) : 'n/a ');
  for (const view of result.views) {
    const name = view.label;
    lines.push(
      view.frames
        ? `${mark(view.frames.p95 <= RENDERER_TARGETS.frameP95Ms)}  p95 frame ≤ ${RENDERER_TARGETS.frameP95Ms} ms ${at}, ${name}: ` +
            `${milliseconds(view.frames.p95)}`
        : `FAIL  p95 frame ${at}, ${name}: no frames were recorded`,
    );
    lines.push(
      view.latency
        ? `${mark(view.latency.p99 <= RENDERER_TARGETS.latencyP99Ms)}  p99 sample-to-DOM latency ≤ ${milliseconds(RENDERER_TARGETS.latencyP99Ms)} ${at}, ` +
            `${name}: ${milliseconds(view.latency.p99)} (${integer.format(view.latency.count)} updates)`
        : `n/a   p99 sample-to-DOM latency, ${name}: no element there carries data-sample-at`,
    );
  }
  if (!judged)
    lines.push(
      `      (the targets are judged at ${RENDERER_TARGETS.nodes} nodes; this run had ${result.nodes})`,
    );
  return lines;
}
