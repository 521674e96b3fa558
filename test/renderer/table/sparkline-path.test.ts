import { describe, expect, it } from 'vitest';
import { sparklineShape } from '../../../renderer/table/sparkline-path.js';

const box = { width: 100, height: 20, points: 5, inset: 0 };

describe('sparklineShape', () => {
  it('scales a full series from 0 to its maximum, oldest at the left', () => {
    expect(sparklineShape([0, 2, 4, 2, 0], box)).toEqual({
      path: 'M0 20L25 10L50 0L75 10L100 20',
      min: 0,
      max: 4,
      last: 0,
    });
  });

  it('breaks the line at nulls and draws a lone point as a dot', () => {
    expect(sparklineShape([1, 1, null, 2, null], box).path).toBe('M0 10L25 10M75 0h0');
  });

  it('draws a young series against the right edge', () => {
    expect(sparklineShape([4, 4], box).path).toBe('M75 0L100 0');
  });

  it('draws a series that never moves along the bottom, and nothing without a value', () => {
    expect(sparklineShape([0, 0, 0, 0, 0], box).path).toBe('M0 20L25 20L50 20L75 20L100 20');
    expect(sparklineShape([null, null], box)).toEqual({ path: '', min: null, max: null, last: null });
    expect(sparklineShape([], box).path).toBe('');
  });

  it('keeps the stroke inside the inset and spans negative series from their minimum', () => {
    expect(sparklineShape([-2, 2], { width: 10, height: 10, points: 2, inset: 1 }).path).toBe('M1 9L9 1');
  });

  it('stays inside the box for any values', () => {
    const values = Array.from({ length: 120 }, (_, index) =>
      index % 7 === 0 ? null : Math.sin(index) * 50 + 50,
    );
    const shape = sparklineShape(values, { width: 96, height: 20, points: 120, inset: 1.5 });
    const numbers = shape.path.match(/-?\d+(\.\d+)?/g)?.map(Number) ?? [];
    expect(numbers.length).toBeGreaterThan(100);
    for (const number of numbers) {
      expect(number).toBeGreaterThanOrEqual(0);
      expect(number).toBeLessThanOrEqual(96);
    }
  });
});
