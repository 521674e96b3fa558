import type { ReactNode } from 'react';
import type { NodeView } from '../../../main/common/models.js';
import { uptimeText } from '../../detail/node-detail-model.js';
import { formatDateTime, MISSING_VALUE } from '../../format.js';
import { useNow } from './use-node-data.js';

function Field({
  name,
  label,
  children,
}: {
  readonly name: string;
  readonly label: string;
  readonly children: ReactNode;
}) {
  return (
    <div className="identity-field" data-field={name}>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

/** Uptime on its own, so only it re-renders as the seconds tick. */
function Uptime({ view }: { readonly view: NodeView }) {
  const now = useNow(1_000);
  return <>{uptimeText(view, now)}</>;
}

/** Who the node is: its agent's hello (name, version, host, pid, labels, start) and where it is reached. */
export function IdentityPanel({ view }: { readonly view: NodeView }) {
  const { identity } = view;
  const labels = Object.entries(identity?.labels ?? {});
  return (
    <section className="panel identity-panel" aria-labelledby="identity-heading">
      <h3 id="identity-heading">Identity</h3>
      {identity === null && (
        <p className="empty-state">
          Waiting for the node’s agent to say hello: name, version, host and pid arrive with it.
        </p>
      )}
      <dl className="identity-fields">
        <Field name="name" label="Name">
          {identity?.name ?? MISSING_VALUE}
        </Field>
        <Field name="version" label="Version">
          {identity?.version ?? MISSING_VALUE}
        </Field>
        <Field name="host" label="Host">
          {identity?.host ?? MISSING_VALUE}
        </Field>
        <Field name="pid" label="PID">
          {identity?.pid ?? MISSING_VALUE}
        </Field>
        <Field name="started-at" label="Started at">
          {formatDateTime(identity?.startedAt)}
        </Field>
        <Field name="uptime" label="Uptime">
          <Uptime view={view} />
        </Field>
        <Field name="admin-url" label="Admin URL">
          <code>{view.adminUrl}</code>
        </Field>
        <Field name="public-url" label="Public URL">
          {view.publicUrl === null ? 'not in the fleet file' : <code>{view.publicUrl}</code>}
        </Field>
        <Field name="labels" label="Labels">
          {labels.length === 0 ? (
            'none'
          ) : (
            <ul className="label-chips" aria-label="Labels">
              {labels.map(([key, value]) => (
                <li key={key} className="label-chip">
                  {key}={value}
                </li>
              ))}
            </ul>
          )}
        </Field>
      </dl>
    </section>
  );
}
