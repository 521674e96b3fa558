/** Process health over each sample interval: event-loop delay, CPU share, memory, errors. */
import { createHistogram, performance, type RecordableHistogram } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import type { HealthStats } from '../protocol.js';
import { ResidentMemory } from './rss.js';

/**
 * Default resolution of the event-loop delay monitor in ms: its timer fires this often, and
 * every firing wakes a sleeping loop. Measured here: 1 ms costs about 4 % of an idle core,
 * 10 ms about 0.6 %, 20 ms 0.13–0.16 % and 100 ms about 0.05 %. On a server at a quarter of a
 * core the wake-ups of a 20 ms monitor showed in `npm run bench:agent` as 3–4 % more sleeps
 * per message, about 1 % of its CPU per message. At 100 ms a stall of 100 ms or more always
 * shows, delayed by at least (stall − 100 ms); a shorter one shows when it spans a firing. The
 * console's default alert is a p99 of 200 ms, so 100 ms is the default; hosts that care about
 * shorter stalls set less.
 */
export const DEFAULT_LOOP_RESOLUTION_MS = 100;
/** Delays are recorded in µs, up to a minute (a longer one counts as a minute), 2 significant figures. */
const MAX_DELAY_MICROS = 60_000_000;

/**
 * Collects health lazily: the work happens only when a sample is due, except the loop-delay
 * timer.
 *
 * The delay monitor is a perf_hooks histogram fed by an unref'd timer rather than
 * `monitorEventLoopDelay`: that one forgets its previous firing on `reset()`, so the first
 * firing of every interval records nothing, and a stall that spans it (say, one that starts
 * just after a sample) never shows. Here the previous firing's time survives the reset. The
 * histogram is small (2 significant figures, up to a minute), so reading and resetting it
 * takes about 3 µs against 55–80 µs for `monitorEventLoopDelay`'s.
 */
export class HealthCollector {
  errors = 0;
  private readonly loopDelay: RecordableHistogram = createHistogram({
    lowest: 1,
    highest: MAX_DELAY_MICROS,
    figures: 2,
  });
  private readonly loopTimer: NodeJS.Timeout;
  private lastFiring = performance.now();
  private lastCpu = process.cpuUsage();
  private lastTime = process.hrtime.bigint();
  private readonly resident = new ResidentMemory();

  constructor(private readonly resolutionMs = DEFAULT_LOOP_RESOLUTION_MS) {
    // Never keeps the host alive.
    this.loopTimer = setInterval(() => this.recordFiring(), resolutionMs).unref();
  }

  /** One firing: how late it came, beyond the period, in µs (at least 1, the histogram's floor). */
  private recordFiring(): void {
    const now = performance.now();
    const lateMicros = (now - this.lastFiring - this.resolutionMs) * 1000;
    this.lastFiring = now;
    this.loopDelay.record(Math.min(MAX_DELAY_MICROS, Math.max(1, Math.round(lateMicros))));
  }

  /**
   * The figures for a sample, and a fresh interval for the next one. Each system call counts
   * (one costs 5–20 µs on a virtual machine), so: one `getrusage` rather than two, and RSS
   * plus V8's heap statistics rather than `process.memoryUsage()`, which also walks the
   * external and array-buffer allocations (measured here: 20 µs against 70 µs). RSS is one
   * read of a file kept open (see rss.ts).
   */
  collect(): HealthStats {
    const now = process.hrtime.bigint();
    const cpuNow = process.cpuUsage();
    const cpuMicros = cpuNow.user - this.lastCpu.user + (cpuNow.system - this.lastCpu.system);
    const elapsedMicros = Number(now - this.lastTime) / 1000;
    this.lastCpu = cpuNow;
    this.lastTime = now;
    const heap = getHeapStatistics();
    // µs to ms with 2 decimals; an interval with no firing yet reads 0.
    const empty = this.loopDelay.count === 0;
    const toMs = (micros: number) => (empty || !Number.isFinite(micros) ? 0 : Math.round(micros / 10) / 100);
    const health: HealthStats = {
      rssBytes: this.resident.read(),
      heapUsedBytes: heap.used_heap_size,
      heapTotalBytes: heap.total_heap_size,
      cpu: elapsedMicros > 0 ? Math.round((cpuMicros / elapsedMicros) * 1000) / 1000 : 0,
      loopDelayP50Ms: toMs(this.loopDelay.percentile(50)),
      loopDelayP99Ms: toMs(this.loopDelay.percentile(99)),
      loopDelayMaxMs: toMs(this.loopDelay.max),
      errors: this.errors,
    };
    this.loopDelay.reset();
    return health;
  }

  /** Stops the loop-delay timer and closes the RSS file. */
  dispose(): void {
    clearInterval(this.loopTimer);
    this.resident.close();
  }
}
