/**
 * Time-axis ticks for the fleet charts, computed once per update instead of by recharts: a
 * category axis over 900 points measures every candidate label in the DOM on each render,
 * which was most of the overview's frame time at 500 nodes. Framework-free, unit-tested.
 */

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** Round clock intervals a time axis may step by, shortest first. */
const CLOCK_STEPS: readonly number[] = [
  SECOND,
  2 * SECOND,
  5 * SECOND,
  10 * SECOND,
  15 * SECOND,
  30 * SECOND,
  MINUTE,
  2 * MINUTE,
  5 * MINUTE,
  10 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  24 * HOUR,
];

/**
 * At most `maxTicks` ticks on whole multiples of the shortest round clock step (1 s, 2 s, 5 s,
 * … 1 min, 2 min, 5 min …) that fits, within [start, end]. A single point gets one tick; an
 * empty or invalid range none.
 */
export function clockTicks(start: number, end: number, maxTicks: number): number[] {
  if (!Number.isFinite(start) || !Number.isFinite(end) || end < start || maxTicks < 1) return [];
  if (end === start) return [start];
  const fits = (step: number) => Math.floor(end / step) - Math.ceil(start / step) + 1 <= maxTicks;
  const step = CLOCK_STEPS.find(fits) ?? (CLOCK_STEPS.at(-1) as number);
  const ticks: number[] = [];
  for (let tick = Math.ceil(start / step) * step; tick <= end && ticks.length < maxTicks; tick += step) {
    ticks.push(tick);
  }
  return ticks;
}
