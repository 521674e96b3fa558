import type { NodeStatus } from '../../main/common/models.js';

// A Record over the union: adding a status without a description is a compile error.
const STATUS_DESCRIPTIONS: Readonly<Record<NodeStatus, string>> = {
  connecting: 'The console is connecting to this node',
  active: 'Serving and taking new connections',
  draining: 'Moving its connections off; takes no new ones',
  drained: 'Empty and safe to stop',
  unreachable: 'The console cannot reach this node',
};

/** A node's status as its exact name plus a coloured dot; the text, not the colour, carries it. */
export function StatusBadge({ status }: { readonly status: NodeStatus }) {
  return (
    <span className="status-badge" data-status={status} title={STATUS_DESCRIPTIONS[status]}>
      <span className="status-dot" aria-hidden="true" />
      <span className="status-label">{status}</span>
    </span>
  );
}
