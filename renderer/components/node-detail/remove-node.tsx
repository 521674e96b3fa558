/**
 * "Remove node…" in the node detail: a confirm that says what will happen (drain over the
 * deadline, stop through the provisioner, forget), then the progress of each step (the drain's
 * bar, connections left, rate and ETA; stopping; removed) until the end or a readable failure.
 * The remove runs in the console: hiding the dialog does not stop it, and a line beside the
 * button keeps showing where it is. It stays mounted when the node leaves the fleet, so the end
 * stays on screen.
 */
import { type FormEvent, useId, useState } from 'react';
import type { NodeView, OperationRecord, ProvisionerInfo } from '../../../main/common/models.js';
import type { ViewApi } from '../../app.js';
import { formatCount } from '../../format.js';
import { DEFAULT_DEADLINE_MS, deadlineText, parseDeadline } from '../../operations/deadline.js';
import {
  describeProvisioner,
  REMOVE_STEPS,
  type RemoveStage,
  removeStage,
  removeStepStates,
} from '../../operations/provisioning.js';
import { routeHref } from '../../router.js';
import { DeadlineField } from '../operations/deadline-field.js';
import { DrainProgressDetails } from '../operations/drain-progress.js';
import { ModalDialog } from '../operations/modal-dialog.js';
import { useNow, usePendingAction } from '../operations/use-operation.js';
import { useOperationEnd, useProvisioner } from '../operations/use-provisioner.js';
import '../operations/add-remove.css';

/** The requests the remove control makes. */
export type RemoveNodeApi = Pick<ViewApi, 'getOperations' | 'getActivity' | 'removeNode'>;

const STAGE_TEXT: Readonly<Record<RemoveStage, string>> = {
  draining: 'draining',
  stopping: 'stopping',
  removed: 'removed',
  failed: 'failed',
};

function ConfirmStep({
  nodeId,
  view,
  info,
  api,
  onStarted,
  onClose,
  headingId,
  bodyId,
}: {
  readonly nodeId: string;
  readonly view: NodeView;
  readonly info: ProvisionerInfo;
  readonly api: RemoveNodeApi;
  readonly onStarted: (record: OperationRecord) => void;
  readonly onClose: () => void;
  readonly headingId: string;
  readonly bodyId: string;
}) {
  const [deadline, setDeadline] = useState(deadlineText(DEFAULT_DEADLINE_MS));
  const parsed = parseDeadline(deadline);
  const action = usePendingAction();
  const open = view.connections?.open ?? null;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!parsed.ok) return;
    void action.run(async () => onStarted(await api.removeNode(nodeId, parsed.ms)));
  };
  const seconds = parsed.ok ? `${deadlineText(parsed.ms)} s` : 'the deadline';
  return (
    <form className="operation-dialog-content" onSubmit={submit} noValidate>
      <h2 id={headingId}>Remove {nodeId}?</h2>
      <div id={bodyId} className="operation-dialog-body">
        <p>This takes {nodeId} out of the fleet for good, in three steps:</p>
        <ol className="remove-plan">
          <li>
            <strong>Drain</strong> over {seconds}: {nodeId} stops taking new connections, and its{' '}
            {open === null
              ? 'open connections are'
              : `${formatCount(open)} open connection${open === 1 ? ' is' : 's are'}`}{' '}
            closed at a pace; clients reconnect to the other nodes.
          </li>
          <li>
            <strong>Stop</strong> it through {describeProvisioner(info)}
            {info.kind === 'local' ? ', which also takes it out of the balancer' : ''}, once it is empty.
          </li>
          <li>
            <strong>Forget</strong> it: it leaves this console
            {info.kind === 'command' ? ' and the fleet file' : ''}.
          </li>
        </ol>
      </div>
      <DeadlineField
        text={deadline}
        parsed={parsed}
        onText={setDeadline}
        hint="The drain closes connections over 80 % of it and whatever is left at the end."
      />
      {action.error !== null && (
        <p className="operation-error" role="alert">
          Could not remove {nodeId}: {action.error}
        </p>
      )}
      <div className="operation-dialog-actions">
        <button type="button" className="operation-button" onClick={onClose}>
          Cancel
        </button>
        <button
          type="submit"
          className="operation-button is-destructive"
          disabled={action.busy || !parsed.ok}
        >
          {action.busy ? 'Starting…' : `Drain, stop and remove ${nodeId}`}
        </button>
      </div>
    </form>
  );
}

function ProgressStep({
  nodeId,
  view,
  info,
  stage,
  failedAt,
  message,
  onClose,
  headingId,
  bodyId,
}: {
  readonly nodeId: string;
  readonly view: NodeView | null;
  readonly info: ProvisionerInfo;
  readonly stage: RemoveStage;
  readonly failedAt: 'draining' | 'stopping' | null;
  readonly message: string | null;
  readonly onClose: () => void;
  readonly headingId: string;
  readonly bodyId: string;
}) {
  const now = useNow(1_000, stage === 'draining');
  const states = removeStepStates(stage, failedAt);
  const title =
    stage === 'removed'
      ? `${nodeId} removed`
      : stage === 'failed'
        ? `Removing ${nodeId} failed`
        : `Removing ${nodeId}`;
  return (
    <div className="operation-dialog-content">
      <h2 id={headingId}>{title}</h2>
      <ol className="remove-steps" aria-label="Steps">
        {REMOVE_STEPS.map((step, index) => (
          <li key={step.step} data-step={step.step} data-state={states[index]}>
            <span className="remove-step-mark" aria-hidden="true" />
            {step.label}
            <span className="visually-hidden">: {states[index]}</span>
          </li>
        ))}
      </ol>
      <div id={bodyId} className="operation-dialog-body" role="status" data-stage={stage}>
        {stage === 'draining' && view !== null && (
          <>
            <DrainProgressDetails view={view} now={now} balancer={null} />
            {view.drain == null && <p>Asking {nodeId} to drain…</p>}
          </>
        )}
        {stage === 'stopping' && (
          <div className="add-node-running">
            <progress className="add-node-bar" aria-label={`Stopping ${nodeId}`} />
            <span>
              {nodeId} is empty. Stopping it through {describeProvisioner(info)}, then forgetting it…
            </span>
          </div>
        )}
        {stage === 'removed' && <p>{message ?? `${nodeId} was drained, stopped and removed.`}</p>}
        {stage === 'failed' && (
          <p className="operation-error" role="alert">
            {message ?? `Removing ${nodeId} failed.`}
          </p>
        )}
      </div>
      {(stage === 'draining' || stage === 'stopping') && (
        <p className="operation-hint">
          Hiding this does not stop the removal; its progress stays beside the button.
        </p>
      )}
      <div className="operation-dialog-actions">
        {stage === 'removed' && (
          <a className="operation-button" href={routeHref({ view: 'nodes' })}>
            Back to the nodes
          </a>
        )}
        <button type="button" className="operation-button is-primary" onClick={onClose}>
          {stage === 'removed' || stage === 'failed' ? 'Close' : 'Hide'}
        </button>
      </div>
    </div>
  );
}

/** "Remove node…" and the removal's dialog and progress; nothing when the provisioner cannot remove. */
export function RemoveNode({
  nodeId,
  view,
  api,
}: {
  readonly nodeId: string;
  /** The node's live view; null once it has left the fleet. */
  readonly view: NodeView | null;
  readonly api: RemoveNodeApi;
}) {
  const provisioner = useProvisioner(api, nodeId);
  const [open, setOpen] = useState(false);
  const [record, setRecord] = useState<OperationRecord | null>(null);
  const [failedAt, setFailedAt] = useState<'draining' | 'stopping' | null>(null);
  const end = useOperationEnd(api, record);
  const headingId = useId();
  const bodyId = useId();
  const info = provisioner.state === 'ready' ? provisioner.info : null;
  if (info === null || !info.canRemove) return null;

  const stage = record !== null && end !== null ? removeStage(end.outcome, view) : null;
  // A node that is not in the fleet, and no removal of it to show: nothing to offer.
  if (stage === null && view === null) return null;
  // Remember the step it was in, to mark the one that failed.
  const liveStage = stage === 'draining' || stage === 'stopping' ? stage : null;
  if (liveStage !== null && liveStage !== failedAt) setFailedAt(liveStage);
  const reachable =
    view !== null && (view.status === 'active' || view.status === 'draining' || view.status === 'drained');
  const close = () => setOpen(false);

  return (
    <div className="remove-node">
      {stage !== null && !open && (
        <span className="remove-node-status" role="status" data-stage={stage}>
          Remove: {STAGE_TEXT[stage]}
          {stage === 'draining' && view?.connections ? `, ${formatCount(view.connections.open)} open` : ''}
        </span>
      )}
      {(stage === null || !open) && (
        <button
          type="button"
          className="operation-button is-destructive-outline"
          aria-haspopup="dialog"
          disabled={stage === null ? !reachable : false}
          title={
            stage === null && !reachable
              ? `${nodeId} must be reachable to be drained before it is removed`
              : undefined
          }
          onClick={() => setOpen(true)}
        >
          {stage === null || stage === 'failed' ? 'Remove node…' : 'Show removal'}
        </button>
      )}
      {open && (
        <ModalDialog
          labelledBy={headingId}
          describedBy={bodyId}
          onCancel={close}
          name="remove-node"
          className="remove-node-dialog"
        >
          {stage === null ? (
            view !== null && (
              <ConfirmStep
                nodeId={nodeId}
                view={view}
                info={info}
                api={api}
                onStarted={(started) => {
                  setFailedAt(null);
                  setRecord(started);
                }}
                onClose={close}
                headingId={headingId}
                bodyId={bodyId}
              />
            )
          ) : (
            <ProgressStep
              nodeId={nodeId}
              view={view}
              info={info}
              stage={stage}
              failedAt={failedAt}
              message={end?.message ?? null}
              onClose={() => {
                close();
                // A failed remove can be tried again from the button.
                if (stage === 'failed') setRecord(null);
              }}
              headingId={headingId}
              bodyId={bodyId}
            />
          )}
        </ModalDialog>
      )}
    </div>
  );
}
