import type { NodeStatus } from '../../../main/common/models.js';

/**
 * Where drain, undrain and shed will live (issue 6, operator workflows). The buttons show what
 * is coming and are disabled until then; the region keeps its name and place for them.
 */
export function DrainPanel({ status }: { readonly status: NodeStatus }) {
  return (
    <section className="panel drain-panel" aria-labelledby="drain-heading" data-slot="drain-controls">
      <h3 id="drain-heading">Drain controls</h3>
      <p className="empty-state">Drain, undrain and shed arrive with operator workflows.</p>
      <div className="drain-buttons">
        <button type="button" disabled>
          Drain…
        </button>
        <button type="button" disabled>
          Undrain
        </button>
        <button type="button" disabled>
          Shed…
        </button>
      </div>
      <p className="drain-state">
        The node is <strong>{status}</strong>.
      </p>
    </section>
  );
}
