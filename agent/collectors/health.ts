/** Process health over each sample interval: event-loop delay, CPU share, memory, errors. */
import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import type { HealthStats } from '../protocol.js';

/**
 * Default histogram resolution in ms: the timer fires this often. Measured here: 1 ms costs
 * about 4 % of a core on an idle process and 10 ms about 0.6 %; on a busy server each wake-up
 * also splits the loop's I/O batches, so the default is 20 ms (50 wake-ups a second), which
 * still sees every stall long enough to matter to clients.
 */
export const DEFAULT_LOOP_RESOLUTION_MS = 20;

/** Collects health lazily: the work happens only when a sample is due. */
export class HealthCollector {
  errors = 0;
  private readonly loopDelay: IntervalHistogram;
  private lastCpu = process.cpuUsage();
  private lastTime = process.hrtime.bigint();

  constructor(private readonly resolutionMs = DEFAULT_LOOP_RESOLUTION_MS) {
    this.loopDelay = monitorEventLoopDelay({ resolution: resolutionMs });
    this.loopDelay.enable();
  }

  /**
   * The figures for a sample, and a fresh interval for the next one. Each system call counts
   * (one costs 5–20 µs on a virtual machine), so: one `getrusage` rather than two, and RSS
   * plus V8's heap statistics rather than `process.memoryUsage()`, which also walks the
   * external and array-buffer allocations (measured here: 20 µs against 70 µs).
   */
  collect(): HealthStats {
    const now = process.hrtime.bigint();
    const cpuNow = process.cpuUsage();
    const cpuMicros = cpuNow.user - this.lastCpu.user + (cpuNow.system - this.lastCpu.system);
    const elapsedMicros = Number(now - this.lastTime) / 1000;
    this.lastCpu = cpuNow;
    this.lastTime = now;
    const heap = getHeapStatistics();
    // The histogram records the whole timer period (resolution + delay): subtract the period.
    // A fresh histogram reads NaN or 0; both become 0.
    const toMs = (nanos: number) =>
      Number.isFinite(nanos) ? Math.max(0, Math.round(nanos / 1e4) / 100 - this.resolutionMs) : 0;
    const health: HealthStats = {
      rssBytes: process.memoryUsage.rss(),
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

  /** Stops the loop-delay timer. */
  dispose(): void {
    this.loopDelay.disable();
  }
}
