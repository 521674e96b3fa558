/**
 * The node detail's drain controls: Drain… and Shed… with their previews, the progress while
 * it runs (bar, left, rate, ETA, deadline, the balancer's view), "safe to stop" at the end, and
 * Undrain / Abort at any time, each behind a confirm. Everything is a button: keyboard-reachable.
 */
import { useState } from 'react';
import type { NodeView } from '../../../main/common/models.js';
import type { ViewApi } from '../../app.js';
import { formatClock, formatCount } from '../../format.js';
import { describeBalancerReading } from '../../operations/balancer-reading.js';
import { drainPhase } from '../../operations/drain-progress.js';
import { ConfirmDialog } from '../operations/confirm-dialog.js';
import { DrainDialog } from '../operations/drain-dialog.js';
import { DrainProgressDetails } from '../operations/drain-progress.js';
import { ShedDialog } from '../operations/shed-dialog.js';
import { useBalancerReading, useNow } from '../operations/use-operation.js';
import '../operations/operations.css';

/** The requests the panel makes. */
export type DrainPanelApi = Pick<
  ViewApi,
  'previewDrain' | 'drainNode' | 'undrainNode' | 'previewShed' | 'shedNode' | 'getBalancer'
>;

type OpenDialog = 'drain' | 'shed' | 'undrain' | null;

/** Drain, shed and undrain for one node, with their progress. */
export function DrainPanel({ view, api }: { readonly view: NodeView; readonly api: DrainPanelApi }) {
  const [dialog, setDialog] = useState<OpenDialog>(null);
  const phase = drainPhase(view);
  const running = phase === 'draining' || phase === 'shedding';
  const now = useNow(1_000, running);
  const balancer = useBalancerReading(api, view.id, phase !== 'idle' && phase !== 'unknown');
  const close = () => setDialog(null);
  const open = view.connections?.open ?? null;

  const undrainText = {
    title:
      phase === 'draining'
        ? `Abort the drain of ${view.id}?`
        : phase === 'shedding'
          ? `Stop the shed of ${view.id}?`
          : `Undrain ${view.id}?`,
    body:
      phase === 'draining'
        ? `${view.id} stops closing connections and takes new ones again. The connections already moved stay where they are.`
        : phase === 'shedding'
          ? `${view.id} stops closing connections. Those already moved stay where they are.`
          : `${view.id} becomes active: its health check passes again and the balancer sends it new connections.`,
    label: phase === 'draining' ? 'Abort drain' : phase === 'shedding' ? 'Stop shed' : `Undrain ${view.id}`,
  };

  return (
    <section
      className="panel drain-panel is-live"
      aria-labelledby="drain-heading"
      data-slot="drain-controls"
      data-phase={phase}
    >
      <h3 id="drain-heading">Drain controls</h3>
      <div role="status" className="drain-status">
        {phase === 'unknown' && (
          <p className="drain-state">
            The console cannot act on {view.id} while it is <strong>{view.status}</strong>; the controls come
            back when its link is up.
          </p>
        )}
        {phase === 'idle' && (
          <p className="drain-state">
            {view.id} is <strong>active</strong> and takes new connections
            {open === null ? '.' : `; ${formatCount(open)} open.`}
          </p>
        )}
        {phase === 'safe-to-stop' && (
          <p className="safe-to-stop" data-safe-to-stop="true">
            <strong>Safe to stop:</strong> 0 connections, drained at {formatClock(view.statusSince)}.
          </p>
        )}
        {phase === 'drained' && (
          <p className="drain-state">
            {view.id} is <strong>drained</strong> but still reports {formatCount(open)} open connection
            {open === 1 ? '' : 's'}: not yet safe to stop.
          </p>
        )}
      </div>
      {running && <DrainProgressDetails view={view} now={now} balancer={balancer} />}
      {(phase === 'safe-to-stop' || phase === 'drained') && (
        <p className="drain-balancer">{describeBalancerReading(balancer)}</p>
      )}
      <div className="drain-buttons">
        {(phase === 'idle' || phase === 'shedding' || phase === 'unknown') && (
          <button
            type="button"
            className="operation-button is-destructive-outline"
            aria-haspopup="dialog"
            disabled={phase === 'unknown'}
            onClick={() => setDialog('drain')}
          >
            Drain…
          </button>
        )}
        {(phase === 'idle' || phase === 'unknown') && (
          <button
            type="button"
            className="operation-button"
            aria-haspopup="dialog"
            disabled={phase === 'unknown'}
            onClick={() => setDialog('shed')}
          >
            Shed…
          </button>
        )}
        {phase !== 'idle' && phase !== 'unknown' && (
          <button
            type="button"
            className="operation-button"
            aria-haspopup="dialog"
            onClick={() => setDialog('undrain')}
          >
            {phase === 'draining' ? 'Abort drain…' : phase === 'shedding' ? 'Stop shed…' : 'Undrain…'}
          </button>
        )}
      </div>
      {dialog === 'drain' && <DrainDialog node={view} api={api} onClose={close} />}
      {dialog === 'shed' && <ShedDialog node={view} api={api} onClose={close} />}
      {dialog === 'undrain' && (
        <ConfirmDialog
          name="undrain"
          title={undrainText.title}
          confirmLabel={undrainText.label}
          onConfirm={() => api.undrainNode(view.id)}
          onClose={close}
        >
          <p>{undrainText.body}</p>
        </ConfirmDialog>
      )}
    </section>
  );
}
