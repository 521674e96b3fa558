/**
 * The confirm dialog of a state change at the balancer: what will happen, then Cancel or the
 * action. A modal `<dialog>`: focus stays inside, Escape cancels, focus returns to the button
 * that opened it. Cancel has the focus first, so Enter alone never changes the balancer.
 */
import { useEffect, useId, useRef, useState } from 'react';
import type {
  BalancerServer,
  BalancerStateName,
  NodeStatus,
  OperationRecord,
} from '../../../main/common/models.js';
import { actionPlan } from './balancer-model.js';

/** The action a dialog asks about. */
export interface PendingAction {
  readonly server: BalancerServer;
  readonly state: BalancerStateName;
  readonly agentStatus: NodeStatus | null;
  /** The button that opened it, to give the focus back to. */
  readonly opener: HTMLElement | null;
}

export function BalancerActionDialog({
  action,
  perform,
  onDone,
  onClose,
}: {
  readonly action: PendingAction;
  /** Runs the action; rejects with a readable error. */
  readonly perform: () => Promise<OperationRecord>;
  readonly onDone: (record: OperationRecord) => void;
  readonly onClose: () => void;
}) {
  const dialogRef = useRef<HTMLDialogElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const titleId = useId();
  const plan = actionPlan(action.server, action.state, action.agentStatus);

  useEffect(() => {
    const dialog = dialogRef.current;
    if (dialog === null) return;
    dialog.showModal();
    cancelRef.current?.focus();
    const opener = action.opener;
    return () => {
      if (dialog.open) dialog.close();
      opener?.focus();
    };
  }, [action.opener]);

  const confirm = () => {
    if (busy) return;
    setBusy(true);
    setError(null);
    perform().then(
      (record) => {
        setBusy(false);
        onDone(record);
      },
      (reason: unknown) => {
        setBusy(false);
        setError(reason instanceof Error ? reason.message : String(reason));
      },
    );
  };

  return (
    <dialog
      ref={dialogRef}
      className="balancer-dialog"
      aria-labelledby={titleId}
      aria-busy={busy}
      onCancel={(event) => {
        // Escape: close through React so the opener gets the focus back; not while it runs.
        event.preventDefault();
        if (!busy) onClose();
      }}
    >
      <h2 id={titleId} className="balancer-dialog-title">
        {plan.title}
      </h2>
      <ul className="balancer-dialog-effects">
        {plan.effects.map((effect) => (
          <li key={effect}>{effect}</li>
        ))}
      </ul>
      {error !== null && (
        <p className="balancer-dialog-error" role="alert">
          {error}
        </p>
      )}
      <div className="balancer-dialog-buttons">
        <button type="button" ref={cancelRef} onClick={onClose} disabled={busy}>
          Cancel
        </button>
        <button type="button" className="balancer-confirm" onClick={confirm} disabled={busy}>
          {busy ? 'Working…' : plan.confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
