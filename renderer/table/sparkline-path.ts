/** The geometry of a row's sparkline: SVG path data from a series with gaps. Pure. */

/** A sparkline's box and how many points a full series has. */
export interface SparklineBox {
  readonly width: number;
  readonly height: number;
  /** Points in a full series; a shorter one is drawn against the right edge (newest at right). */
  readonly points: number;
  /** Room kept inside the box so the stroke is not clipped. */
  readonly inset: number;
}

/** The SVG path and the range it spans; `path` is '' when there is nothing to draw. */
export interface SparklineShape {
  readonly path: string;
  readonly min: number | null;
  readonly max: number | null;
  /** The newest value that is not null. */
  readonly last: number | null;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

/**
 * A path for `values` (oldest first): one `M … L …` run per stretch without nulls, so a null is
 * a gap. The y range starts at 0 for non-negative series (a flat 3 reads low, not mid-height);
 * a lone point between gaps is a zero-length run, which a round line cap draws as a dot.
 */
export function sparklineShape(values: readonly (number | null)[], box: SparklineBox): SparklineShape {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let last: number | null = null;
  for (const value of values) {
    if (value === null || !Number.isFinite(value)) continue;
    min = Math.min(min, value);
    max = Math.max(max, value);
    last = value;
  }
  if (last === null) return { path: '', min: null, max: null, last: null };
  const low = Math.min(0, min);
  const span = max - low;
  const slots = Math.max(box.points, values.length);
  const offset = slots - values.length;
  const innerWidth = box.width - 2 * box.inset;
  const innerHeight = box.height - 2 * box.inset;
  const xOf = (index: number) =>
    round(box.inset + (slots <= 1 ? innerWidth : ((offset + index) / (slots - 1)) * innerWidth));
  // A series that never moves is drawn as a line along the bottom.
  const yOf = (value: number) =>
    round(box.inset + innerHeight - (span === 0 ? 0 : ((value - low) / span) * innerHeight));
  const parts: string[] = [];
  let inRun = false;
  values.forEach((value, index) => {
    if (value === null || !Number.isFinite(value)) {
      inRun = false;
      return;
    }
    parts.push(`${inRun ? 'L' : 'M'}${xOf(index)} ${yOf(value)}`);
    inRun = true;
  });
  // A run of one point gets a zero-length segment so the round cap shows it.
  const path = parts
    .map((part, index) => (part.startsWith('M') && !parts[index + 1]?.startsWith('L') ? `${part}h0` : part))
    .join('');
  return { path, min, max, last };
}
