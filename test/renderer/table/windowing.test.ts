import { describe, expect, it } from 'vitest';
import {
  computeWindow,
  isNavigationKey,
  nextRowIndex,
  pageSize,
  scrollTopToReveal,
  type Viewport,
} from '../../../renderer/table/windowing.js';

// 1,000 rows of 34 px under a 40 px sticky header, in a 600 px box.
const viewport: Viewport = { rowCount: 1000, rowHeight: 34, scrollTop: 0, height: 600, bodyOffset: 40 };

describe('computeWindow', () => {
  it('renders the visible rows and the overscan below at the top', () => {
    // Rows 0–16 are (partly) visible: 40 + 17·34 = 618 > 600.
    expect(computeWindow(viewport, 10)).toEqual({
      start: 0,
      end: 27,
      paddingTop: 0,
      paddingBottom: 973 * 34,
    });
  });

  it('keeps overscan on both sides in the middle, and the spacers add up to the full height', () => {
    const window = computeWindow({ ...viewport, scrollTop: 34 * 500 + 10 }, 10);
    // The first row below the header is 500 (partly hidden), the last partly visible is 516.
    expect(window).toEqual({ start: 490, end: 527, paddingTop: 490 * 34, paddingBottom: 473 * 34 });
    expect(window.paddingTop + (window.end - window.start) * 34 + window.paddingBottom).toBe(1000 * 34);
  });

  it('ends exactly at the last row at the bottom, and clamps a stale scrollTop past the end', () => {
    const bottom = 40 + 1000 * 34 - 600;
    expect(computeWindow({ ...viewport, scrollTop: bottom }, 10)).toEqual({
      start: 973,
      end: 1000,
      paddingTop: 973 * 34,
      paddingBottom: 0,
    });
    // A filter left 20 rows while the box was scrolled far down: the render shows them all.
    expect(computeWindow({ ...viewport, rowCount: 20, scrollTop: 20_000 }, 10)).toEqual({
      start: 0,
      end: 20,
      paddingTop: 0,
      paddingBottom: 0,
    });
  });

  it('renders every row of a short table and nothing of an empty or unmeasured one', () => {
    expect(computeWindow({ ...viewport, rowCount: 3 }, 10)).toEqual({
      start: 0,
      end: 3,
      paddingTop: 0,
      paddingBottom: 0,
    });
    expect(computeWindow({ ...viewport, rowCount: 0 }, 10)).toEqual({
      start: 0,
      end: 0,
      paddingTop: 0,
      paddingBottom: 0,
    });
    // Before the box is measured (height 0), the first row and the overscan still render.
    expect(computeWindow({ ...viewport, height: 0 }, 10).end).toBe(11);
  });

  it('never renders more than a screenful plus twice the overscan, wherever it scrolls', () => {
    for (let scrollTop = 0; scrollTop <= 40 + 1000 * 34; scrollTop += 997) {
      const window = computeWindow({ ...viewport, scrollTop }, 10);
      expect(window.end - window.start).toBeLessThanOrEqual(Math.ceil(600 / 34) + 1 + 20);
      expect(window.start).toBeGreaterThanOrEqual(0);
      expect(window.end).toBeLessThanOrEqual(1000);
    }
  });
});

describe('scrollTopToReveal', () => {
  it('leaves a visible row alone', () => {
    expect(scrollTopToReveal({ ...viewport, scrollTop: 340 }, 12)).toBe(340);
  });

  it('scrolls up so a row above sits right below the sticky header', () => {
    expect(scrollTopToReveal({ ...viewport, scrollTop: 340 }, 5)).toBe(5 * 34);
    // Row 10 starts at 40 + 340 = 380, under the header that covers 340–380.
    expect(scrollTopToReveal({ ...viewport, scrollTop: 341 }, 10)).toBe(340);
    expect(scrollTopToReveal({ ...viewport, scrollTop: 100 }, 0)).toBe(0);
  });

  it('scrolls down so a row below sits at the bottom edge', () => {
    // Row 20 ends at 40 + 21·34 = 754.
    expect(scrollTopToReveal(viewport, 20)).toBe(754 - 600);
    expect(scrollTopToReveal(viewport, 999)).toBe(40 + 1000 * 34 - 600);
  });
});

describe('keyboard navigation', () => {
  it('pages by the whole rows that fit below the header', () => {
    expect(pageSize(viewport)).toBe(16);
    expect(pageSize({ ...viewport, height: 10 })).toBe(1);
  });

  it('moves by one, a page, or to either end, within the table', () => {
    expect(nextRowIndex(5, 'ArrowDown', 10, 4)).toBe(6);
    expect(nextRowIndex(9, 'ArrowDown', 10, 4)).toBe(9);
    expect(nextRowIndex(0, 'ArrowUp', 10, 4)).toBe(0);
    expect(nextRowIndex(5, 'PageDown', 10, 4)).toBe(9);
    expect(nextRowIndex(8, 'PageDown', 10, 4)).toBe(9);
    expect(nextRowIndex(5, 'PageUp', 10, 4)).toBe(1);
    expect(nextRowIndex(2, 'PageUp', 10, 4)).toBe(0);
    expect(nextRowIndex(5, 'Home', 10, 4)).toBe(0);
    expect(nextRowIndex(5, 'End', 10, 4)).toBe(9);
    expect(nextRowIndex(-1, 'ArrowDown', 10, 4)).toBe(1);
    expect(nextRowIndex(0, 'ArrowDown', 0, 4)).toBe(-1);
  });

  it('knows which keys are its own', () => {
    expect(isNavigationKey('PageDown')).toBe(true);
    expect(isNavigationKey('Enter')).toBe(false);
    expect(isNavigationKey('a')).toBe(false);
  });
});
