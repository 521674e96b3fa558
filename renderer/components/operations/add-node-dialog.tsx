/**
 * "Add node…" in the nodes view and its dialog: the fields the fleet's provisioner asks for,
 * a bar while the provisioner runs, then the new node as the console sees it (connecting, then
 * active and taking connections), with a link to it. Readable errors; keyboard throughout.
 */
import { type FormEvent, useId, useState } from 'react';
import type { NodeView, OperationRecord } from '../../../main/common/models.js';
import type { ViewApi } from '../../app.js';
import { formatCount } from '../../format.js';
import {
  type AddField,
  addFormFields,
  describeProvisioner,
  parseAddForm,
} from '../../operations/provisioning.js';
import { routeHref } from '../../router.js';
import { StatusBadge } from '../status-badge.js';
import { ModalDialog } from './modal-dialog.js';
import { usePendingAction } from './use-operation.js';
import { useProvisioner } from './use-provisioner.js';
import './add-remove.css';

/** The requests the add control makes. */
export type AddNodeApi = Pick<ViewApi, 'getOperations' | 'addNode'>;

type Values = Partial<Record<AddField['name'], string>>;

function AddNodeDialog({
  api,
  fields,
  provisioner,
  nodes,
  onClose,
}: {
  readonly api: AddNodeApi;
  readonly fields: readonly AddField[];
  readonly provisioner: string;
  readonly nodes: readonly NodeView[];
  readonly onClose: () => void;
}) {
  const headingId = useId();
  const bodyId = useId();
  const fieldIds = useId();
  const [values, setValues] = useState<Values>({});
  const [showErrors, setShowErrors] = useState(false);
  const [added, setAdded] = useState<OperationRecord | null>(null);
  const action = usePendingAction();
  const parsed = parseAddForm(fields, values);
  const errors = showErrors && !parsed.ok ? parsed.errors : {};

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setShowErrors(true);
    if (!parsed.ok) return;
    void action.run(async () => setAdded(await api.addNode(parsed.request)));
  };

  const newNode = added?.nodeId ? (nodes.find((node) => node.id === added.nodeId) ?? null) : null;

  return (
    <ModalDialog
      labelledBy={headingId}
      describedBy={bodyId}
      onCancel={onClose}
      name="add-node"
      className="add-node-dialog"
    >
      {added === null ? (
        <form className="operation-dialog-content" onSubmit={submit} noValidate aria-busy={action.busy}>
          <h2 id={headingId}>Add a node</h2>
          <p id={bodyId} className="operation-dialog-body">
            {provisioner === 'the local launcher'
              ? 'The local launcher starts a new reference node, puts it behind the balancer and writes it to its fleet file.'
              : "The fleet file's add command starts a new node; the console then links to it and writes it to the fleet file."}{' '}
            It takes new connections once it is active.
          </p>
          {fields.map((field) => {
            const id = `${fieldIds}-${field.name}`;
            const error = errors[field.name];
            return (
              <div className="operation-field" key={field.name}>
                <label htmlFor={id}>
                  {field.label}
                  {field.required ? '' : ' (optional)'}
                </label>
                <input
                  id={id}
                  className="operation-input add-node-input"
                  type="text"
                  inputMode={field.name === 'port' ? 'numeric' : undefined}
                  autoComplete="off"
                  spellCheck={false}
                  required={field.required}
                  placeholder={field.name === 'id' ? 'next free node-N' : undefined}
                  value={values[field.name] ?? ''}
                  aria-invalid={error ? true : undefined}
                  aria-describedby={`${id}-hint ${id}-message`}
                  disabled={action.busy}
                  onChange={(event) => setValues({ ...values, [field.name]: event.target.value })}
                />
                <p id={`${id}-hint`} className="operation-hint">
                  {field.hint}
                </p>
                <p id={`${id}-message`} className="operation-field-message">
                  {error ?? ''}
                </p>
              </div>
            );
          })}
          {action.busy && (
            <div className="add-node-running" role="status">
              <progress className="add-node-bar" aria-label="Adding a node" />
              <span>Running {provisioner}… this can take a while for a cloud provisioner.</span>
            </div>
          )}
          {action.error !== null && (
            <p className="operation-error" role="alert">
              Could not add the node: {action.error}
            </p>
          )}
          <div className="operation-dialog-actions">
            <button type="button" className="operation-button" onClick={onClose}>
              {action.busy ? 'Hide' : 'Cancel'}
            </button>
            <button type="submit" className="operation-button is-primary" disabled={action.busy}>
              {action.busy ? 'Adding…' : 'Add node'}
            </button>
          </div>
        </form>
      ) : (
        <div className="operation-dialog-content">
          <h2 id={headingId}>Added {added.nodeId ?? 'a node'}</h2>
          <div id={bodyId} className="operation-dialog-body add-node-result" role="status">
            {newNode === null ? (
              <p>{added.message}</p>
            ) : newNode.status === 'active' ? (
              <p>
                {newNode.id} is <StatusBadge status={newNode.status} /> and takes new connections
                {newNode.connections ? ` (${formatCount(newNode.connections.open)} open now).` : '.'}
              </p>
            ) : (
              <p>
                {newNode.id} is <StatusBadge status={newNode.status} />: the console is linking to it
                {newNode.problem ? ` (${newNode.problem})` : ''}…
              </p>
            )}
          </div>
          <div className="operation-dialog-actions">
            {added.nodeId !== null && (
              <a className="operation-button" href={routeHref({ view: 'node', nodeId: added.nodeId })}>
                Show {added.nodeId}
              </a>
            )}
            <button type="button" className="operation-button is-primary" onClick={onClose}>
              Done
            </button>
          </div>
        </div>
      )}
    </ModalDialog>
  );
}

/** The "Add node…" button and its dialog; a note when the fleet file names no provisioner that can add. */
export function AddNode({
  api,
  nodes,
  fleetName,
}: {
  readonly api: AddNodeApi;
  readonly nodes: readonly NodeView[];
  /** The open fleet: a switch asks the provisioner again. */
  readonly fleetName: string;
}) {
  const provisioner = useProvisioner(api, fleetName);
  const [open, setOpen] = useState(false);
  if (provisioner.state !== 'ready') return null;
  const info = provisioner.info;
  if (info === null || !info.canAdd) {
    return (
      <p className="add-node-none">Adding nodes needs a provisioner in the fleet file (see docs/fleet.md).</p>
    );
  }
  return (
    <div className="add-node">
      <button
        type="button"
        className="operation-button is-primary"
        aria-haspopup="dialog"
        onClick={() => setOpen(true)}
      >
        Add node…
      </button>
      {open && (
        <AddNodeDialog
          api={api}
          fields={addFormFields(info)}
          provisioner={describeProvisioner(info)}
          nodes={nodes}
          onClose={() => setOpen(false)}
        />
      )}
    </div>
  );
}
