/**
 * The rolling drain planner: which nodes (every active one by default), how many at once, each
 * drain's deadline and the fewest active nodes to keep, a preview of the plan (order, batches,
 * the minimum kept), and Start behind a confirm that says exactly what will happen.
 */
import { useId, useMemo, useState } from 'react';
import type { NodeView, ProvisionerInfo, RollPlan, RollRequest } from '../../../main/common/models.js';
import type { ViewApi } from '../../app.js';
import { formatCount } from '../../format.js';
import { ConfirmDialog } from '../operations/confirm-dialog.js';
import { StatusBadge } from '../status-badge.js';
import {
  DEADLINE_PRESETS_SECONDS,
  DEFAULT_DEADLINE_SECONDS,
  keepSentence,
  planFromForm,
  type RollForm,
} from './roll-model.js';

/** Props of {@link RollPlanner}. */
export interface RollPlannerProps {
  readonly nodes: readonly NodeView[];
  /** The fleet's provisioner; undefined while it is being read. */
  readonly provisioner: ProvisionerInfo | null | undefined;
  readonly api: Pick<ViewApi, 'startRoll'>;
  /** Called with the plan the console started. */
  readonly onStarted: (plan: RollPlan) => void;
}

function presetLabel(seconds: number): string {
  return seconds >= 60 ? `${seconds / 60} min` : `${seconds} s`;
}

/** Plans a roll and starts it after a confirm. */
export function RollPlanner({ nodes, provisioner, api, onStarted }: RollPlannerProps) {
  const ids = useId();
  // Every active node is chosen to begin with; the choice survives nodes coming and going.
  const [unchosen, setUnchosen] = useState<ReadonlySet<string>>(() => new Set());
  const [concurrency, setConcurrency] = useState(1);
  const [deadlineSeconds, setDeadlineSeconds] = useState(DEFAULT_DEADLINE_SECONDS);
  const [minActiveText, setMinActiveText] = useState('');
  const [confirming, setConfirming] = useState<RollRequest | null>(null);

  const form: RollForm = useMemo(() => {
    const selected = new Set(
      nodes.filter((node) => !unchosen.has(node.id) && node.status === 'active').map((node) => node.id),
    );
    const minActive = minActiveText.trim() === '' ? null : Number(minActiveText);
    return {
      selected,
      concurrency,
      deadlineSeconds,
      minActive: minActive !== null && Number.isInteger(minActive) && minActive >= 0 ? minActive : null,
    };
  }, [nodes, unchosen, concurrency, deadlineSeconds, minActiveText]);
  const { request, preview, problem } = planFromForm(nodes, form, provisioner);
  const minActiveInvalid =
    minActiveText.trim() !== '' && !(Number.isInteger(Number(minActiveText)) && Number(minActiveText) >= 0);

  const toggle = (id: string) =>
    setUnchosen((previous) => {
      const next = new Set(previous);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  return (
    <section className="panel roll-planner" aria-labelledby={`${ids}-heading`}>
      <h3 id={`${ids}-heading`}>Plan a rolling drain</h3>
      <p className="roll-intro">
        Each node in turn: drain it over the deadline → wait until it is empty → restart it through the
        provisioner → wait until it is back, active and free of alerts → the next. A new critical alert about
        any other node stops the roll.
      </p>
      <div className="roll-planner-grid">
        <fieldset className="roll-nodes">
          <legend>Nodes to roll, in this order</legend>
          <div className="roll-node-actions">
            <button
              type="button"
              className="operation-button is-small"
              onClick={() => setUnchosen(new Set())}
            >
              All
            </button>
            <button
              type="button"
              className="operation-button is-small"
              onClick={() => setUnchosen(new Set(nodes.map((node) => node.id)))}
            >
              None
            </button>
          </div>
          <ul className="roll-node-list">
            {nodes.map((node) => {
              const active = node.status === 'active';
              return (
                <li key={node.id}>
                  <label className="roll-node" data-disabled={active ? undefined : 'true'}>
                    <input
                      type="checkbox"
                      checked={form.selected.has(node.id)}
                      disabled={!active}
                      onChange={() => toggle(node.id)}
                    />
                    <span className="roll-node-id">{node.id}</span>
                    <StatusBadge status={node.status} />
                    <span className="roll-node-open">
                      {node.connections === null ? '' : `${formatCount(node.connections.open)} open`}
                    </span>
                  </label>
                </li>
              );
            })}
          </ul>
        </fieldset>
        <div className="roll-settings">
          <div className="operation-field">
            <label htmlFor={`${ids}-concurrency`}>Nodes at a time</label>
            <input
              id={`${ids}-concurrency`}
              className="operation-input roll-number"
              type="number"
              min={1}
              max={Math.max(1, request.nodeIds.length)}
              value={concurrency}
              onChange={(event) => setConcurrency(Math.max(1, Number(event.target.value) || 1))}
            />
          </div>
          <div className="operation-field">
            <label htmlFor={`${ids}-deadline`}>Drain deadline per node (seconds)</label>
            <div className="deadline-row">
              <input
                id={`${ids}-deadline`}
                className="operation-input roll-number"
                type="number"
                min={1}
                max={3600}
                value={deadlineSeconds}
                aria-invalid={deadlineSeconds < 1 || deadlineSeconds > 3600 ? 'true' : undefined}
                onChange={(event) => setDeadlineSeconds(Number(event.target.value))}
              />
              <span className="deadline-presets">
                {DEADLINE_PRESETS_SECONDS.map((seconds) => (
                  <button
                    key={seconds}
                    type="button"
                    className="operation-button is-small"
                    aria-pressed={deadlineSeconds === seconds}
                    onClick={() => setDeadlineSeconds(seconds)}
                  >
                    {presetLabel(seconds)}
                  </button>
                ))}
              </span>
            </div>
          </div>
          <div className="operation-field">
            <label htmlFor={`${ids}-min-active`}>Keep at least this many nodes active</label>
            <input
              id={`${ids}-min-active`}
              className="operation-input roll-number"
              type="number"
              min={0}
              placeholder={String(preview.minActive)}
              value={minActiveText}
              aria-invalid={minActiveInvalid ? 'true' : undefined}
              aria-describedby={`${ids}-min-active-hint`}
              onChange={(event) => setMinActiveText(event.target.value)}
            />
            <span id={`${ids}-min-active-hint`} className="operation-hint">
              Empty: all active nodes but the ones rolled at once ({preview.minActive} now).
            </span>
          </div>
        </div>
      </div>
      <section className="roll-preview" aria-labelledby={`${ids}-preview`} aria-live="polite">
        <h4 id={`${ids}-preview`}>Plan</h4>
        {request.nodeIds.length > 0 && (
          <ol className="roll-batches">
            {preview.batches.map((batch) => (
              <li key={batch.join(',')}>{batch.join(' + ')}</li>
            ))}
          </ol>
        )}
        {problem === null ? (
          <p className="roll-keep">
            {keepSentence(preview, request.concurrency)} Each drain has {deadlineSeconds} s.
          </p>
        ) : (
          <p className="operation-error" role="alert">
            {problem}
          </p>
        )}
        {provisioner === undefined && (
          <p className="operation-hint">Reading what this fleet's provisioner can do…</p>
        )}
      </section>
      <div className="roll-actions">
        <button
          type="button"
          className="operation-button is-primary"
          disabled={problem !== null || provisioner === undefined}
          onClick={() => setConfirming(request)}
        >
          Start rolling drain…
        </button>
      </div>
      {confirming !== null && (
        <ConfirmDialog
          name="roll-start"
          title={`Roll ${confirming.nodeIds.length} node${confirming.nodeIds.length === 1 ? '' : 's'}?`}
          confirmLabel="Start rolling drain"
          destructive
          onClose={() => setConfirming(null)}
          onConfirm={async () => onStarted(await api.startRoll(confirming))}
        >
          <p>
            In this order, {confirming.concurrency} at a time:{' '}
            <strong>{confirming.nodeIds.join(' → ')}</strong>.
          </p>
          <p>
            Each node is drained over {confirming.deadlineMs / 1000} s (its clients reconnect to the other
            nodes), restarted by the {provisioner?.kind ?? ''} provisioner once empty, and must come back
            active and healthy before the next one starts.
          </p>
          <p>{keepSentence(preview, confirming.concurrency)}</p>
          <p>You can pause or abort at any time; an abort undrains the node being drained.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}
