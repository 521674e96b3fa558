/**
 * The main window's remembered position, size and maximized flag: parsing what was saved
 * (any file content, trusted for nothing) and fitting it to the displays there are now, so a
 * window saved on a monitor that has since been unplugged reopens on one that is there.
 * Plain logic; main/electron/main-window.ts reads and writes the file.
 */

/** A rectangle in screen coordinates (Electron's `Rectangle`). */
export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** What is saved: the normal (not maximized) bounds, and whether the window was maximized. */
export interface WindowState extends Rect {
  readonly maximized: boolean;
}

/** The size a window opens at when nothing was saved: what the screenshots are judged at. */
export const DEFAULT_WINDOW_SIZE = { width: 1280, height: 800 } as const;
/** Below this the header and the tables stop making sense; a smaller display wins, though. */
export const MIN_WINDOW_SIZE = { width: 800, height: 560 } as const;
/**
 * How much of a saved window must overlap a display for it to stay there: enough of the title
 * bar to grab. Less than that and the window is moved to the primary display.
 */
export const MIN_VISIBLE = { width: 120, height: 40 } as const;
/** Saved sizes beyond this are nonsense (or a corrupt file), not a giant monitor. */
const MAX_COORDINATE = 100_000;

/** Validates saved JSON; null for anything that is not a whole, plausible window state. */
export function parseWindowState(json: unknown): WindowState | null {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return null;
  const record = json as Record<string, unknown>;
  const { x, y, width, height, maximized } = record;
  const coordinate = (value: unknown): value is number =>
    typeof value === 'number' && Number.isInteger(value) && Math.abs(value) <= MAX_COORDINATE;
  const size = (value: unknown): value is number => coordinate(value) && value > 0;
  if (!coordinate(x) || !coordinate(y) || !size(width) || !size(height)) return null;
  if (maximized !== undefined && typeof maximized !== 'boolean') return null;
  return { x, y, width, height, maximized: maximized === true };
}

/** Parses the text of a saved file; null when it is not JSON or not a window state. */
export function parseWindowStateText(text: string): WindowState | null {
  try {
    return parseWindowState(JSON.parse(text));
  } catch {
    return null;
  }
}

/** The text to save. */
export function serializeWindowState(state: WindowState): string {
  const { x, y, width, height, maximized } = state;
  return `${JSON.stringify({ x, y, width, height, maximized })}\n`;
}

function overlap(left: Rect, right: Rect): Rect | null {
  const x = Math.max(left.x, right.x);
  const y = Math.max(left.y, right.y);
  const width = Math.min(left.x + left.width, right.x + right.width) - x;
  const height = Math.min(left.y + left.height, right.y + right.height) - y;
  return width > 0 && height > 0 ? { x, y, width, height } : null;
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(Math.max(value, low), Math.max(low, high));
}

/** A size no smaller than the minimum and no larger than `area` (a small display wins over the minimum). */
function fitSize(width: number, height: number, area: Rect): { width: number; height: number } {
  return {
    width: Math.min(Math.max(width, MIN_WINDOW_SIZE.width), area.width),
    height: Math.min(Math.max(height, MIN_WINDOW_SIZE.height), area.height),
  };
}

function centered(width: number, height: number, area: Rect): Rect {
  const size = fitSize(width, height, area);
  return {
    x: area.x + Math.floor((area.width - size.width) / 2),
    y: area.y + Math.floor((area.height - size.height) / 2),
    ...size,
  };
}

/**
 * Where the window opens: the saved bounds on the display they overlap most, resized to fit
 * its work area and moved fully inside it; centred on `primary` when nothing was saved or the
 * saved bounds are (nearly) off every display. `workAreas` are the displays' work areas
 * (without taskbars and docks); `primary` should be one of them.
 */
export function fitWindowState(
  saved: WindowState | null,
  workAreas: readonly Rect[],
  primary: Rect,
): WindowState {
  if (saved === null) {
    return { ...centered(DEFAULT_WINDOW_SIZE.width, DEFAULT_WINDOW_SIZE.height, primary), maximized: false };
  }
  let best: { area: Rect; visible: number } | null = null;
  for (const area of workAreas) {
    const shared = overlap(saved, area);
    if (shared === null || shared.width < MIN_VISIBLE.width || shared.height < MIN_VISIBLE.height) continue;
    const visible = shared.width * shared.height;
    if (best === null || visible > best.visible) best = { area, visible };
  }
  if (best === null) return { ...centered(saved.width, saved.height, primary), maximized: saved.maximized };
  const { area } = best;
  const size = fitSize(saved.width, saved.height, area);
  return {
    x: clamp(saved.x, area.x, area.x + area.width - size.width),
    y: clamp(saved.y, area.y, area.y + area.height - size.height),
    ...size,
    maximized: saved.maximized,
  };
}
