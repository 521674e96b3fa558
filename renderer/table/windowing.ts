/**
 * Windowing math for a table with fixed-height rows inside a scroll container whose sticky
 * header covers the top of the viewport. Pure numbers, so the virtualized table is unit-tested.
 *
 * Coordinates are in the scroll container's content: the rows start at `bodyOffset` (the
 * header's height), row `i` spans [bodyOffset + i·rowHeight, bodyOffset + (i+1)·rowHeight).
 */

/** The scroll container's geometry. */
export interface Viewport {
  readonly rowCount: number;
  readonly rowHeight: number;
  /** The container's scrollTop. */
  readonly scrollTop: number;
  /** The container's clientHeight, sticky header included. */
  readonly height: number;
  /** Where the first row starts, and the height of the sticky header that covers the top. */
  readonly bodyOffset: number;
}

/** The rows to render, `start` inclusive to `end` exclusive, and the space the others take. */
export interface RowWindow {
  readonly start: number;
  readonly end: number;
  readonly paddingTop: number;
  readonly paddingBottom: number;
}

/** The rows at least partly visible, plus `overscan` rows either side, clamped to the table. */
export function computeWindow(viewport: Viewport, overscan: number): RowWindow {
  const { rowCount, rowHeight, height, bodyOffset } = viewport;
  if (rowCount <= 0 || rowHeight <= 0) return { start: 0, end: 0, paddingTop: 0, paddingBottom: 0 };
  // A scrollTop read before the rows shrank (a filter) may point past the end; the browser
  // clamps it, and so do we, so that render already shows the last rows.
  const scrollTop = Math.min(viewport.scrollTop, Math.max(0, bodyOffset + rowCount * rowHeight - height));
  // The first row below the sticky header starts at content y = scrollTop + bodyOffset.
  const firstVisible = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const lastVisible = Math.ceil(Math.max(0, scrollTop + height - bodyOffset) / rowHeight);
  const start = clamp(firstVisible - overscan, 0, rowCount);
  const end = clamp(Math.max(lastVisible, firstVisible + 1) + overscan, start, rowCount);
  return { start, end, paddingTop: start * rowHeight, paddingBottom: (rowCount - end) * rowHeight };
}

/** Whole rows that fit below the sticky header: the PageUp/PageDown step, at least 1. */
export function pageSize(viewport: Pick<Viewport, 'rowHeight' | 'height' | 'bodyOffset'>): number {
  if (viewport.rowHeight <= 0) return 1;
  return Math.max(1, Math.floor((viewport.height - viewport.bodyOffset) / viewport.rowHeight));
}

/**
 * The scrollTop that shows row `index` whole below the sticky header, moving as little as
 * possible: unchanged when it is already visible.
 */
export function scrollTopToReveal(viewport: Viewport, index: number): number {
  const { rowHeight, scrollTop, height, bodyOffset } = viewport;
  const rowTop = bodyOffset + index * rowHeight;
  const rowBottom = rowTop + rowHeight;
  // The header covers [scrollTop, scrollTop + bodyOffset).
  if (rowTop < scrollTop + bodyOffset) return Math.max(0, rowTop - bodyOffset);
  if (rowBottom > scrollTop + height) return rowBottom - height;
  return scrollTop;
}

/** Keys that move the focused row. */
export type NavigationKey = 'ArrowUp' | 'ArrowDown' | 'PageUp' | 'PageDown' | 'Home' | 'End';

/** True for a key {@link nextRowIndex} handles. */
export function isNavigationKey(key: string): key is NavigationKey {
  return ['ArrowUp', 'ArrowDown', 'PageUp', 'PageDown', 'Home', 'End'].includes(key);
}

/** The row a navigation key moves focus to, from `current`, in a table of `rowCount` rows. */
export function nextRowIndex(current: number, key: NavigationKey, rowCount: number, page: number): number {
  if (rowCount <= 0) return -1;
  const from = clamp(current, 0, rowCount - 1);
  switch (key) {
    case 'ArrowUp':
      return Math.max(0, from - 1);
    case 'ArrowDown':
      return Math.min(rowCount - 1, from + 1);
    case 'PageUp':
      return Math.max(0, from - page);
    case 'PageDown':
      return Math.min(rowCount - 1, from + page);
    case 'Home':
      return 0;
    case 'End':
      return rowCount - 1;
  }
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}
