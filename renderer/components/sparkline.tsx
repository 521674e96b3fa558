import { memo } from 'react';
import { sparklineShape } from '../table/sparkline-path.js';

const WIDTH = 96;
const HEIGHT = 20;
const INSET = 1.5;

/**
 * A row's trend as a tiny inline SVG path (no chart library: a thousand rows would not scroll).
 * Nulls are gaps. The drawing is hidden from assistive technology; `summary` puts its range
 * into words instead, e.g. "0 to 4, now 3".
 */
export const Sparkline = memo(function Sparkline({
  values,
  points,
  format,
}: {
  readonly values: readonly (number | null)[];
  /** Points in a full series, so a young series grows from the right edge. */
  readonly points: number;
  readonly format: (value: number) => string;
}) {
  const shape = sparklineShape(values, { width: WIDTH, height: HEIGHT, points, inset: INSET });
  if (shape.path === '' || shape.min === null || shape.max === null || shape.last === null) return null;
  return (
    <>
      <svg
        className="sparkline"
        width={WIDTH}
        height={HEIGHT}
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        aria-hidden="true"
        focusable="false"
      >
        {/* The 2-minute frame, so a young series at the right edge reads as recent, not as a glitch. */}
        <line className="sparkline-track" x1={0} x2={WIDTH} y1={HEIGHT - 0.5} y2={HEIGHT - 0.5} />
        <path d={shape.path} />
      </svg>
      <span className="visually-hidden">
        {format(shape.min)} to {format(shape.max)}, now {format(shape.last)}
      </span>
    </>
  );
});
