/**
 * A running drain or shed: the bar, connections left, closed of total, close rate, ETA, the
 * deadline countdown and the balancer's word on the node; then the "safe to stop" state. Also
 * the thin bar the nodes table puts under a node's state.
 */
import type { CSSProperties } from 'react';
import type { NodeView } from '../../../main/common/models.js';
import { formatClock, formatCount } from '../../format.js';
import { type BalancerReading, describeBalancerReading } from '../../operations/balancer-reading.js';
import { type ProgressFigures, progressFigures, progressValueText } from '../../operations/drain-progress.js';
import { formatClosesPerSec, formatDuration } from '../../operations/operation-format.js';
import './operations.css';

/** The bar itself: role="progressbar" with closed of total. */
export function ProgressBar({
  figures,
  label,
  compact = false,
}: {
  readonly figures: ProgressFigures;
  readonly label: string;
  readonly compact?: boolean;
}) {
  const percent = Math.round(figures.fraction * 1000) / 10;
  return (
    <span
      className={compact ? 'operation-progress is-compact' : 'operation-progress'}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={figures.total}
      aria-valuenow={figures.closed}
      aria-valuetext={progressValueText(figures)}
      data-kind={figures.kind}
    >
      <span className="operation-progress-fill" style={{ '--progress': `${percent}%` } as CSSProperties} />
    </span>
  );
}

function Figure({
  name,
  label,
  children,
}: {
  readonly name: string;
  readonly label: string;
  readonly children: string;
}) {
  return (
    <div className="progress-figure" data-figure={name}>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

/** The running drain or shed of `view` at `now`, in full; nothing when none runs. */
export function DrainProgressDetails({
  view,
  now,
  balancer,
}: {
  readonly view: NodeView;
  readonly now: number;
  /** The balancer's reading of the node; null to leave it out. */
  readonly balancer: BalancerReading | null;
}) {
  const figures = progressFigures(view, now);
  if (figures === null) return null;
  const what = figures.kind === 'drain' ? 'Drain' : 'Shed';
  const deadline =
    figures.deadlineInMs > 0
      ? `in ${formatDuration(figures.deadlineInMs)} (${formatClock(figures.deadlineAt)})`
      : figures.kind === 'drain'
        ? `passed at ${formatClock(figures.deadlineAt)}: closing what remains`
        : `passed at ${formatClock(figures.deadlineAt)}`;
  return (
    <div className="drain-progress" data-progress={figures.kind}>
      <p className="drain-progress-title">
        <strong>
          {what} in progress: {formatCount(figures.left)} connection{figures.left === 1 ? '' : 's'} left
        </strong>
        <span className="drain-progress-started"> since {formatClock(figures.startedAt)}</span>
      </p>
      <ProgressBar figures={figures} label={`${what} progress of ${view.id}`} />
      <dl className="progress-figures">
        <Figure name="left" label="Connections left">
          {formatCount(figures.left)}
        </Figure>
        <Figure name="closed" label="Closed">
          {`${formatCount(figures.closed)} / ${formatCount(figures.total)}`}
        </Figure>
        <Figure name="rate" label="Close rate">
          {formatClosesPerSec(figures.closeRate)}
        </Figure>
        <Figure name="eta" label="ETA">
          {figures.etaMs === null
            ? '—'
            : figures.etaMs === 0
              ? 'any moment'
              : `about ${formatDuration(figures.etaMs)}`}
        </Figure>
        <Figure name="deadline" label="Deadline">
          {deadline}
        </Figure>
      </dl>
      {balancer !== null && (
        <p
          className="drain-balancer"
          data-balancer={balancer.state === 'server' ? balancer.server.state : balancer.state}
        >
          {describeBalancerReading(balancer)}
        </p>
      )}
    </div>
  );
}

/** The compact bar under a node's state in the nodes table; nothing when no drain or shed runs. */
export function RowDrainProgress({ view }: { readonly view: NodeView }) {
  if (!view.drain) return null;
  // The table re-renders a row when its view changes (a sample a second): that clock is enough.
  const figures = progressFigures(view, view.lastSampleAt ?? view.drain.startedAt);
  if (figures === null) return null;
  return (
    <ProgressBar
      figures={figures}
      label={`${figures.kind === 'drain' ? 'Drain' : 'Shed'} progress of ${view.id}`}
      compact
    />
  );
}
