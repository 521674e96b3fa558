/** A yes/no question before an action: what will happen, the action's own name on the button. */
import { type ReactNode, useId } from 'react';
import { ModalDialog } from './modal-dialog.js';
import { usePendingAction } from './use-operation.js';

/** Props of {@link ConfirmDialog}. */
export interface ConfirmDialogProps {
  readonly title: string;
  /** What will happen, in a sentence or two. */
  readonly children: ReactNode;
  /** The button that does it, e.g. "Undrain node-2". */
  readonly confirmLabel: string;
  /** Red button for what cannot be taken back. */
  readonly destructive?: boolean;
  /** Does the action; a rejection shows its message in the dialog, which stays open. */
  readonly onConfirm: () => Promise<unknown>;
  /** Cancel, Escape, and a successful confirm. */
  readonly onClose: () => void;
  /** `data-dialog` of the dialog. */
  readonly name: string;
}

/** Asks before acting; shows the action's error in place when it fails. */
export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  destructive = false,
  onConfirm,
  onClose,
  name,
}: ConfirmDialogProps) {
  const headingId = useId();
  const bodyId = useId();
  const action = usePendingAction();
  const confirm = async () => {
    if (await action.run(onConfirm)) onClose();
  };
  return (
    <ModalDialog labelledBy={headingId} describedBy={bodyId} onCancel={onClose} name={name}>
      <form
        className="operation-dialog-content"
        onSubmit={(event) => {
          event.preventDefault();
          void confirm();
        }}
      >
        <h2 id={headingId}>{title}</h2>
        <div id={bodyId} className="operation-dialog-body">
          {children}
        </div>
        {action.error !== null && (
          <p className="operation-error" role="alert">
            {action.error}
          </p>
        )}
        <div className="operation-dialog-actions">
          <button type="button" className="operation-button" onClick={onClose}>
            Cancel
          </button>
          <button
            type="submit"
            className={destructive ? 'operation-button is-destructive' : 'operation-button is-primary'}
            disabled={action.busy}
          >
            {action.busy ? `${confirmLabel}…` : confirmLabel}
          </button>
        </div>
      </form>
    </ModalDialog>
  );
}
