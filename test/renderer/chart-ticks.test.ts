import { describe, expect, it } from 'vitest';
import { clockTicks } from '../../renderer/components/chart-ticks.js';

const MINUTE = 60_000;
/** A whole hour, so the expected ticks are easy to read as offsets from it. */
const HOUR_START = Date.UTC(2026, 0, 1, 10, 0, 0);

describe('clockTicks', () => {
  it('puts 15 minutes of history on 5-minute marks, at most six ticks', () => {
    const ticks = clockTicks(HOUR_START + 37_000, HOUR_START + 15 * MINUTE + 37_000, 6);
    expect(ticks).toEqual([5, 10, 15].map((minutes) => HOUR_START + minutes * MINUTE));
  });

  it('uses a shorter round step when the span is short', () => {
    const ticks = clockTicks(HOUR_START, HOUR_START + 50_000, 6);
    expect(ticks).toEqual([0, 10, 20, 30, 40, 50].map((seconds) => HOUR_START + seconds * 1000));
  });

  it('never returns more than maxTicks, however long the span', () => {
    const ticks = clockTicks(HOUR_START, HOUR_START + 30 * 24 * 60 * MINUTE, 6);
    expect(ticks.length).toBeLessThanOrEqual(6);
    expect(ticks.length).toBeGreaterThan(0);
  });

  it('keeps every tick inside the span and in order', () => {
    const start = HOUR_START + 12_345;
    const end = start + 7 * MINUTE;
    const ticks = clockTicks(start, end, 6);
    expect(ticks.every((tick) => tick >= start && tick <= end)).toBe(true);
    expect([...ticks].sort((a, b) => a - b)).toEqual(ticks);
    expect(ticks).toEqual([2, 4, 6].map((minutes) => HOUR_START + minutes * MINUTE));
  });

  it('gives one tick for a single point and none for an empty or invalid span', () => {
    expect(clockTicks(HOUR_START, HOUR_START, 6)).toEqual([HOUR_START]);
    expect(clockTicks(HOUR_START, HOUR_START - 1, 6)).toEqual([]);
    expect(clockTicks(Number.NaN, HOUR_START, 6)).toEqual([]);
    expect(clockTicks(HOUR_START, HOUR_START + MINUTE, 0)).toEqual([]);
  });
});
