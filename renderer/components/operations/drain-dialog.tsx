/**
 * The drain dialog: a deadline (presets or typed), a live preview of what the drain will do
 * (connections, where they go, the pace, capacity warnings), and the confirm button that names
 * the node. Errors, such as a read-only fleet file's refusal, show in place.
 */
import { useId, useState } from 'react';
import type { NodeView, OperationRecord } from '../../../main/common/models.js';
import type { ViewApi } from '../../app.js';
import { formatCount } from '../../format.js';
import { DEFAULT_DEADLINE_MS, deadlineText, parseDeadline } from '../../operations/deadline.js';
import { DeadlineField } from './deadline-field.js';
import { ModalDialog } from './modal-dialog.js';
import { MovePreviewPanel, useMovePreview } from './move-preview.js';
import { usePendingAction } from './use-operation.js';

/** Props of {@link DrainDialog}. */
export interface DrainDialogProps {
  readonly node: NodeView;
  readonly api: Pick<ViewApi, 'previewDrain' | 'drainNode'>;
  /** Cancel, Escape, or after the drain started. */
  readonly onClose: () => void;
  readonly onStarted?: (record: OperationRecord) => void;
}

/** Asks for a deadline, shows what the drain will do, and starts it. */
export function DrainDialog({ node, api, onClose, onStarted }: DrainDialogProps) {
  const headingId = useId();
  const introId = useId();
  const [text, setText] = useState(() => deadlineText(DEFAULT_DEADLINE_MS));
  const parsed = parseDeadline(text);
  const deadlineMs = parsed.ok ? parsed.ms : null;
  const preview = useMovePreview(deadlineMs === null ? null : String(deadlineMs), () =>
    api.previewDrain(node.id, deadlineMs ?? DEFAULT_DEADLINE_MS),
  );
  const action = usePendingAction();
  const open = node.connections?.open ?? null;

  const start = async () => {
    if (deadlineMs === null) return;
    const started: { record: OperationRecord | null } = { record: null };
    const ok = await action.run(async () => {
      started.record = await api.drainNode(node.id, deadlineMs);
    });
    if (!ok) return;
    if (started.record !== null) onStarted?.(started.record);
    onClose();
  };

  return (
    <ModalDialog
      labelledBy={headingId}
      describedBy={introId}
      onCancel={onClose}
      name="drain"
      className="drain-dialog"
    >
      <form
        className="operation-dialog-content"
        onSubmit={(event) => {
          event.preventDefault();
          void start();
        }}
      >
        <h2 id={headingId}>Drain {node.id}</h2>
        <p id={introId} className="operation-dialog-body">
          {node.id} stops taking new connections (its health check fails, so the balancer routes around it)
          and closes its {open === null ? '' : `${formatCount(open)} `}open connection{open === 1 ? '' : 's'}{' '}
          gradually; the clients reconnect to the other nodes. It stays drained, safe to stop, until you
          undrain it.
          {node.status !== 'active' && <strong className="operation-note"> It is {node.status} now.</strong>}
        </p>
        <DeadlineField
          text={text}
          parsed={parsed}
          onText={(value) => {
            setText(value);
            action.clearError();
          }}
          hint="Closes are spread over most of the deadline; whatever is still open at the deadline is closed then."
        />
        <MovePreviewPanel state={preview} />
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
            className="operation-button is-destructive"
            disabled={deadlineMs === null || action.busy}
          >
            {action.busy ? `Draining ${node.id}…` : `Drain ${node.id}`}
          </button>
        </div>
      </form>
    </ModalDialog>
  );
}
