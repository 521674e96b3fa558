import { describe, expect, it } from 'vitest';
import {
  DEFAULT_WINDOW_SIZE,
  fitWindowState,
  MIN_WINDOW_SIZE,
  parseWindowState,
  parseWindowStateText,
  serializeWindowState,
  type WindowState,
} from '../../../main/core/window-state.js';

// A laptop at the origin (menu bar on top) and a monitor to its right.
const LAPTOP = { x: 0, y: 25, width: 1440, height: 875 };
const MONITOR = { x: 1440, y: 0, width: 2560, height: 1440 };

describe('parseWindowState', () => {
  it('accepts a saved state and round-trips through the file text', () => {
    const state: WindowState = { x: -1200, y: 40, width: 1000, height: 700, maximized: true };
    expect(parseWindowState(state)).toEqual(state);
    expect(parseWindowStateText(serializeWindowState(state))).toEqual(state);
  });

  it('treats a missing maximized flag as false', () => {
    expect(parseWindowState({ x: 1, y: 2, width: 900, height: 600 })).toEqual({
      x: 1,
      y: 2,
      width: 900,
      height: 600,
      maximized: false,
    });
  });

  it.each([
    ['not JSON', '{"x": 1,'],
    ['an array', '[1, 2, 3, 4]'],
    ['null', 'null'],
    ['a missing field', '{"x": 1, "y": 2, "width": 900}'],
    ['a string coordinate', '{"x": "1", "y": 2, "width": 900, "height": 600}'],
    ['a fractional size', '{"x": 1, "y": 2, "width": 900.5, "height": 600}'],
    ['a zero size', '{"x": 1, "y": 2, "width": 0, "height": 600}'],
    ['an absurd coordinate', '{"x": 1e12, "y": 2, "width": 900, "height": 600}'],
    ['a non-boolean flag', '{"x": 1, "y": 2, "width": 900, "height": 600, "maximized": "yes"}'],
  ])('rejects %s', (_name, text) => {
    expect(parseWindowStateText(text)).toBeNull();
  });
});

describe('fitWindowState', () => {
  it('centres the default size on the primary display when nothing was saved', () => {
    expect(fitWindowState(null, [LAPTOP, MONITOR], LAPTOP)).toEqual({
      x: 80,
      y: 25 + 37,
      ...DEFAULT_WINDOW_SIZE,
      maximized: false,
    });
  });

  it('keeps a window that is fully on a display where it was', () => {
    const saved = { x: 1600, y: 100, width: 1500, height: 1000, maximized: false };
    expect(fitWindowState(saved, [LAPTOP, MONITOR], LAPTOP)).toEqual(saved);
  });

  it('moves a window saved on an unplugged monitor to the primary display, keeping size and maximized', () => {
    const saved = { x: 1600, y: 100, width: 1200, height: 700, maximized: true };
    expect(fitWindowState(saved, [LAPTOP], LAPTOP)).toEqual({
      x: 120,
      y: 25 + 87,
      width: 1200,
      height: 700,
      maximized: true,
    });
  });

  it('moves a window that only shows a sliver on a display to the primary one', () => {
    const saved = { x: 1440 - 50, y: 300, width: 1000, height: 600, maximized: false };
    // 50 px on the laptop is too little to grab; most of it is on the monitor, which is still there.
    expect(fitWindowState(saved, [LAPTOP, MONITOR], LAPTOP).x).toBe(1440);
    // Without the monitor, it comes back whole on the laptop.
    expect(fitWindowState(saved, [LAPTOP], LAPTOP)).toEqual({
      x: 220,
      y: 25 + 137,
      width: 1000,
      height: 600,
      maximized: false,
    });
  });

  it('pulls a window that hangs over an edge back inside the work area it overlaps most', () => {
    const saved = { x: 1000, y: -200, width: 1000, height: 800, maximized: false };
    expect(fitWindowState(saved, [LAPTOP], LAPTOP)).toEqual({
      x: 440,
      y: 25,
      width: 1000,
      height: 800,
      maximized: false,
    });
  });

  it('shrinks a window larger than its display, and grows one below the minimum size', () => {
    const huge = { x: 0, y: 25, width: 3000, height: 2000, maximized: false };
    expect(fitWindowState(huge, [LAPTOP], LAPTOP)).toEqual({ ...LAPTOP, maximized: false });
    const tiny = { x: 10, y: 30, width: 200, height: 100, maximized: false };
    expect(fitWindowState(tiny, [LAPTOP], LAPTOP)).toEqual({
      x: 10,
      y: 30,
      ...MIN_WINDOW_SIZE,
      maximized: false,
    });
  });

  it('lets a display smaller than the minimum size win over the minimum', () => {
    const small = { x: 0, y: 0, width: 640, height: 480 };
    expect(fitWindowState(null, [small], small)).toEqual({ ...small, maximized: false });
  });
});
