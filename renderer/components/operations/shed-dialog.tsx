/**
 * The shed dialog: close some of a node's connections at a pace, without draining it (to even
 * out a hot node). A count or a percent, a deadline, the same preview as a drain.
 */
import { useId, useState } from 'react';
import type { NodeView } from '../../../main/common/models.js';
import type { ViewApi } from '../../app.js';
import { formatCount } from '../../format.js';
import { DEFAULT_DEADLINE_MS, deadlineText, parseDeadline } from '../../operations/deadline.js';
import { parseShedAmount, type ShedMode, shedConnections } from '../../operations/shed-amount.js';
import { DeadlineField } from './deadline-field.js';
import { ModalDialog } from './modal-dialog.js';
import { MovePreviewPanel, useMovePreview } from './move-preview.js';
import { usePendingAction } from './use-operation.js';

/** Props of {@link ShedDialog}. */
export interface ShedDialogProps {
  readonly node: NodeView;
  readonly api: Pick<ViewApi, 'previewShed' | 'shedNode'>;
  readonly onClose: () => void;
}

/** Asks how many connections to move off and over how long, previews it and starts it. */
export function ShedDialog({ node, api, onClose }: ShedDialogProps) {
  const headingId = useId();
  const introId = useId();
  const amountId = useId();
  const amountMessageId = useId();
  const [mode, setMode] = useState<ShedMode>('percent');
  const [amountText, setAmountText] = useState('10');
  const [deadline, setDeadline] = useState(() => deadlineText(DEFAULT_DEADLINE_MS));
  const amount = parseShedAmount(mode, amountText);
  const parsedDeadline = parseDeadline(deadline);
  const valid = amount.ok && parsedDeadline.ok;
  const deadlineMs = parsedDeadline.ok ? parsedDeadline.ms : DEFAULT_DEADLINE_MS;
  const key = amount.ok && parsedDeadline.ok ? JSON.stringify([amount.amount, parsedDeadline.ms]) : null;
  const preview = useMovePreview(key, () =>
    amount.ok
      ? api.previewShed(node.id, amount.amount, deadlineMs)
      : Promise.reject(new Error(amount.message)),
  );
  const action = usePendingAction();
  const open = node.connections?.open ?? 0;
  const closing =
    preview.state === 'ready'
      ? preview.preview.connections
      : amount.ok
        ? shedConnections(amount.amount, open)
        : null;

  const start = async () => {
    if (!amount.ok || !parsedDeadline.ok) return;
    if (await action.run(() => api.shedNode(node.id, amount.amount, parsedDeadline.ms))) onClose();
  };
  const changed = () => action.clearError();

  return (
    <ModalDialog
      labelledBy={headingId}
      describedBy={introId}
      onCancel={onClose}
      name="shed"
      className="shed-dialog"
    >
      <form
        className="operation-dialog-content"
        onSubmit={(event) => {
          event.preventDefault();
          void start();
        }}
      >
        <h2 id={headingId}>Shed connections from {node.id}</h2>
        <p id={introId} className="operation-dialog-body">
          Closes some of {node.id}’s {formatCount(open)} open connection{open === 1 ? '' : 's'} at a pace; the
          clients reconnect through the balancer, most of them to other nodes. {node.id} keeps serving and
          taking new connections.
        </p>
        <div className="operation-field">
          <fieldset className="shed-mode">
            <legend>Amount</legend>
            <label>
              <input
                type="radio"
                name="shed-mode"
                value="percent"
                checked={mode === 'percent'}
                onChange={() => {
                  setMode('percent');
                  changed();
                }}
              />
              Percent of its connections
            </label>
            <label>
              <input
                type="radio"
                name="shed-mode"
                value="count"
                checked={mode === 'count'}
                onChange={() => {
                  setMode('count');
                  changed();
                }}
              />
              Number of connections
            </label>
          </fieldset>
          <label htmlFor={amountId}>{mode === 'percent' ? 'Percent' : 'Connections'}</label>
          <input
            id={amountId}
            className="operation-input amount-input"
            type="text"
            inputMode="decimal"
            autoComplete="off"
            spellCheck={false}
            value={amountText}
            aria-invalid={amount.ok ? undefined : true}
            aria-describedby={amountMessageId}
            onChange={(event) => {
              setAmountText(event.target.value);
              changed();
            }}
          />
          <p id={amountMessageId} className="operation-field-message" role="status">
            {amount.ok ? '' : amount.message}
          </p>
        </div>
        <DeadlineField
          text={deadline}
          parsed={parsedDeadline}
          onText={(value) => {
            setDeadline(value);
            changed();
          }}
          hint="Closes are spread evenly over the deadline."
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
          <button type="submit" className="operation-button is-destructive" disabled={!valid || action.busy}>
            {closing === null
              ? `Shed from ${node.id}`
              : `Shed ${formatCount(closing)} connection${closing === 1 ? '' : 's'} from ${node.id}`}
          </button>
        </div>
      </form>
    </ModalDialog>
  );
}
