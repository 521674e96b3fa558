/**
 * A roll under way (or just ended): its state, a progress bar over the steps, each step's phase
 * with its times and what it waits for, Pause / Resume / Abort (abort behind a confirm), and
 * why it halted when it did.
 */
import { useId, useState } from 'react';
import type { NodeView, RollPlan, RollStep } from '../../../main/common/models.js';
import { isInFlight } from '../../../main/common/roll-plan.js';
import type { ViewApi } from '../../app.js';
import { formatClock, formatCount } from '../../format.js';
import { ConfirmDialog } from '../operations/confirm-dialog.js';
import { useNow, usePendingAction } from '../operations/use-operation.js';
import {
  isRollLive,
  progressLabel,
  rollControls,
  rollFraction,
  STATE_LABELS,
  stepDuration,
  stepLabel,
} from './roll-model.js';

/**
 * What a step says: its message, or while its node drains, how far the agent's drain is (the
 * runner has nothing to add then).
 */
function stepDetails(step: RollStep, view: NodeView | undefined, now: number): string {
  const drain = view?.drain ?? null;
  if (step.message === null && isInFlight(step) && step.phase === 'draining' && drain?.kind === 'drain') {
    const left = Math.max(0, Math.ceil((drain.deadlineAt - now) / 1000));
    return `Closed ${formatCount(drain.closed)} of ${formatCount(drain.total)} connections; deadline in ${left} s.`;
  }
  return step.message ?? '';
}

/** Props of {@link RollProgress}. */
export interface RollProgressProps {
  readonly plan: RollPlan;
  readonly nodes: readonly NodeView[];
  readonly api: Pick<ViewApi, 'controlRoll'>;
  /** Called with the plan a control returned. */
  readonly onChange: (plan: RollPlan) => void;
  /** Shown once the roll has ended: back to the planner. */
  readonly onPlanAnother: () => void;
}

/** The plan of a roll with its controls. */
export function RollProgress({ plan, nodes, api, onChange, onPlanAnother }: RollProgressProps) {
  const ids = useId();
  const live = isRollLive(plan);
  const now = useNow(500, live);
  const controls = rollControls(plan.state);
  const action = usePendingAction();
  const [confirmAbort, setConfirmAbort] = useState(false);
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const percent = Math.round(rollFraction(plan) * 100);
  const draining = plan.steps.filter((step) => step.phase === 'draining' && step.endedAt === null);
  const control = (which: 'pause' | 'resume') =>
    void action.run(async () => onChange(await api.controlRoll(plan.id, which)));

  return (
    <section className="panel roll-progress" aria-labelledby={`${ids}-heading`} data-roll-state={plan.state}>
      <div className="roll-progress-head">
        <h3 id={`${ids}-heading`}>
          Roll of {plan.steps.length} node{plan.steps.length === 1 ? '' : 's'}{' '}
          <span className="roll-state" data-roll-state={plan.state}>
            {STATE_LABELS[plan.state]}
          </span>
        </h3>
        <p className="roll-meta">
          Started {formatClock(plan.startedAt)}
          {plan.endedAt !== null ? `, ended ${formatClock(plan.endedAt)}` : ''} ·{' '}
          {Math.round(((plan.endedAt ?? now) - plan.startedAt) / 1000)} s · {plan.concurrency} at a time ·
          drain deadline {plan.deadlineMs / 1000} s · at least {plan.minActive} active
        </p>
      </div>
      <div className="roll-bar-row">
        <div
          className="roll-bar"
          role="progressbar"
          aria-label="Roll progress"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={percent}
          aria-valuetext={progressLabel(plan)}
        >
          <div className="roll-bar-fill" style={{ width: `${percent}%` }} data-roll-state={plan.state} />
        </div>
        <span className="roll-bar-label">{progressLabel(plan)}</span>
      </div>
      {plan.stopReason !== null && (
        <p
          className={
            plan.state === 'aborting' || plan.state === 'aborted' ? 'roll-reason' : 'roll-reason is-alert'
          }
          role="alert"
        >
          {plan.stopReason}
        </p>
      )}
      <div className="roll-controls">
        {controls.pause && (
          <button
            type="button"
            className="operation-button"
            disabled={action.busy}
            onClick={() => control('pause')}
          >
            Pause
          </button>
        )}
        {controls.resume && (
          <button
            type="button"
            className="operation-button is-primary"
            disabled={action.busy}
            onClick={() => control('resume')}
          >
            Resume
          </button>
        )}
        {controls.abort && (
          <button
            type="button"
            className="operation-button is-destructive-outline"
            disabled={action.busy}
            onClick={() => setConfirmAbort(true)}
          >
            Abort…
          </button>
        )}
        {!live && (
          <button type="button" className="operation-button is-primary" onClick={onPlanAnother}>
            Plan another roll
          </button>
        )}
        {action.error !== null && (
          <span className="operation-error" role="alert">
            {action.error}
          </span>
        )}
      </div>
      <table className="roll-steps">
        <caption className="visually-hidden">Steps of the roll</caption>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Node</th>
            <th scope="col">Phase</th>
            <th scope="col">Started</th>
            <th scope="col" className="numeric">
              Took
            </th>
            <th scope="col" className="numeric">
              Open
            </th>
            <th scope="col">Details</th>
          </tr>
        </thead>
        <tbody>
          {plan.steps.map((step, index) => {
            const view = byId.get(step.nodeId);
            return (
              <tr key={step.nodeId} data-node={step.nodeId} data-phase={step.phase}>
                <td>{index + 1}</td>
                <th scope="row">
                  <a href={`#/nodes/${encodeURIComponent(step.nodeId)}`}>{step.nodeId}</a>
                </th>
                <td>
                  <span
                    className="roll-phase"
                    data-phase={step.phase}
                    data-halted={step.endedAt !== null && step.phase === 'draining' ? 'true' : undefined}
                  >
                    <span className="roll-phase-dot" aria-hidden="true" />
                    {stepLabel(step)}
                  </span>
                </td>
                <td>{step.startedAt === null ? '' : formatClock(step.startedAt)}</td>
                <td className="numeric">{stepDuration(step, now)}</td>
                <td className="numeric">
                  {view?.connections == null ? '' : formatCount(view.connections.open)}
                </td>
                <td className="roll-step-message">{stepDetails(step, view, now)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {confirmAbort && (
        <ConfirmDialog
          name="roll-abort"
          title="Abort the rolling drain?"
          confirmLabel="Abort roll"
          destructive
          onClose={() => setConfirmAbort(false)}
          onConfirm={async () => onChange(await api.controlRoll(plan.id, 'abort'))}
        >
          <p>
            {draining.length > 0
              ? `${draining.map((step) => step.nodeId).join(', ')} ${draining.length === 1 ? 'is' : 'are'} undrained and take${draining.length === 1 ? 's' : ''} new connections again. `
              : ''}
            A node restarting now is waited for until it is back. The nodes not rolled yet are left as they
            are: every node ends active.
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}
