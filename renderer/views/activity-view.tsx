/**
 * The audit log: every operator action (who, from where, what, which node, arguments, outcome,
 * times), newest first, refreshed every 2 s while the view is open; filters by action, outcome
 * and node; exports of what is shown as JSON lines or CSV; where the log file is.
 */
import { useEffect, useId, useMemo, useState } from 'react';
import {
  type ActivityPage,
  OPERATION_ACTIONS,
  OPERATION_OUTCOMES,
  type OperationAction,
  type OperationOutcome,
  type OperationRecord,
} from '../../main/common/models.js';
import type { ViewApi } from '../app.js';
import { messageOf, useNow } from '../components/operations/use-operation.js';
import { formatCount, formatDateTime } from '../format.js';
import {
  type ActivityFilter,
  activityDurationMs,
  activityNodes,
  exportFileName,
  filterActivity,
  isActivityFiltered,
  NO_ACTIVITY_FILTER,
  summarizeArgs,
  toCsv,
  toJsonLines,
} from '../operations/activity.js';
import { formatElapsed } from '../operations/operation-format.js';
import { routeHref } from '../router.js';
import '../components/operations/operations.css';

/** Entries the view asks for. */
export const ACTIVITY_LIMIT = 200;
/** Time between two reads of the log, ms. */
export const ACTIVITY_POLL_MS = 2_000;

interface Loaded {
  readonly page: ActivityPage | null;
  readonly error: string | null;
}

/** The log, read now and every {@link ACTIVITY_POLL_MS} after the previous read settles. */
function useActivity(api: Pick<ViewApi, 'getActivity'>): Loaded {
  const [loaded, setLoaded] = useState<Loaded>({ page: null, error: null });
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = () => {
      api.getActivity(ACTIVITY_LIMIT).then(
        (page) => {
          if (stopped) return;
          setLoaded({ page, error: null });
          timer = setTimeout(poll, ACTIVITY_POLL_MS);
        },
        (error: unknown) => {
          if (stopped) return;
          // A failed refresh keeps the entries on screen, with the reason above them.
          setLoaded((previous) => ({ page: previous.page, error: messageOf(error) }));
          timer = setTimeout(poll, ACTIVITY_POLL_MS);
        },
      );
    };
    poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [api]);
  return loaded;
}

/** Saves `text` as a file through a temporary object URL and a download link. */
function download(text: string, fileName: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.style.display = 'none';
  document.body.append(link);
  link.click();
  link.remove();
  // After the click has handed the blob to the download.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

const OUTCOME_LABELS: Readonly<Record<OperationOutcome, string>> = {
  running: 'running',
  succeeded: 'succeeded',
  failed: 'failed',
  aborted: 'aborted',
};

function OutcomeBadge({ outcome }: { readonly outcome: OperationOutcome }) {
  return (
    <span className="outcome-badge" data-outcome={outcome}>
      {OUTCOME_LABELS[outcome]}
    </span>
  );
}

function Filters({
  filter,
  onFilter,
  nodes,
}: {
  readonly filter: ActivityFilter;
  readonly onFilter: (filter: ActivityFilter) => void;
  readonly nodes: readonly string[];
}) {
  const actionId = useId();
  const outcomeId = useId();
  const nodeId = useId();
  return (
    <div className="activity-filters">
      <label htmlFor={actionId}>Action</label>
      <select
        id={actionId}
        className="operation-input"
        value={filter.action}
        onChange={(event) => onFilter({ ...filter, action: event.target.value as OperationAction | 'all' })}
      >
        <option value="all">All actions</option>
        {OPERATION_ACTIONS.map((action) => (
          <option key={action} value={action}>
            {action}
          </option>
        ))}
      </select>
      <label htmlFor={outcomeId}>Outcome</label>
      <select
        id={outcomeId}
        className="operation-input"
        value={filter.outcome}
        onChange={(event) => onFilter({ ...filter, outcome: event.target.value as OperationOutcome | 'all' })}
      >
        <option value="all">All outcomes</option>
        {OPERATION_OUTCOMES.map((outcome) => (
          <option key={outcome} value={outcome}>
            {outcome}
          </option>
        ))}
      </select>
      <label htmlFor={nodeId}>Node</label>
      <select
        id={nodeId}
        className="operation-input"
        value={filter.nodeId}
        onChange={(event) => onFilter({ ...filter, nodeId: event.target.value })}
      >
        <option value="">All nodes</option>
        {/* A node filtered on and then gone from the log stays selectable, so the filter shows. */}
        {(filter.nodeId !== '' && !nodes.includes(filter.nodeId) ? [filter.nodeId, ...nodes] : nodes).map(
          (id) => (
            <option key={id} value={id}>
              {id}
            </option>
          ),
        )}
      </select>
      {isActivityFiltered(filter) && (
        <button
          type="button"
          className="operation-button is-small"
          onClick={() => onFilter(NO_ACTIVITY_FILTER)}
        >
          Clear filters
        </button>
      )}
    </div>
  );
}

function ActivityRow({ entry, now }: { readonly entry: OperationRecord; readonly now: number }) {
  return (
    <tr data-activity-id={entry.id} data-action={entry.action} data-outcome={entry.outcome}>
      <td data-column="time" className="nowrap">
        {formatDateTime(entry.startedAt)}
      </td>
      <td data-column="user">{entry.user}</td>
      <td data-column="source">{entry.source}</td>
      <td data-column="action">{entry.action}</td>
      <td data-column="node">
        {entry.nodeId === null ? (
          '—'
        ) : (
          <a href={routeHref({ view: 'node', nodeId: entry.nodeId })}>{entry.nodeId}</a>
        )}
      </td>
      <td data-column="args">{summarizeArgs(entry.args) || '—'}</td>
      <td data-column="outcome">
        <OutcomeBadge outcome={entry.outcome} />
      </td>
      <td data-column="duration" className="numeric nowrap">
        {formatElapsed(activityDurationMs(entry, now))}
      </td>
      <td data-column="message">{entry.message ?? ''}</td>
    </tr>
  );
}

/** The Activity view. */
export function ActivityView({ api }: { readonly api: ViewApi }) {
  const { page, error } = useActivity(api);
  const [filter, setFilter] = useState<ActivityFilter>(NO_ACTIVITY_FILTER);
  const entries = page?.entries ?? [];
  const shown = useMemo(() => filterActivity(entries, filter), [entries, filter]);
  const nodes = useMemo(() => activityNodes(entries), [entries]);
  const anyRunning = entries.some((entry) => entry.outcome === 'running');
  const now = useNow(1_000, anyRunning);

  return (
    <section className="activity-view" aria-labelledby="activity-heading">
      <div className="activity-head">
        <h2 id="activity-heading">Activity</h2>
        <p className="activity-path">
          {page === null ? (
            ''
          ) : page.path === null ? (
            'No log file yet: the first action creates it.'
          ) : (
            <>
              Log file: <code data-log-path>{page.path}</code>
            </>
          )}
        </p>
      </div>
      {error !== null && (
        <p className="operation-error" role="alert">
          Could not read the audit log: {error}. Retrying every {ACTIVITY_POLL_MS / 1000} s.
        </p>
      )}
      <div className="activity-toolbar">
        <Filters filter={filter} onFilter={setFilter} nodes={nodes} />
        <span className="activity-count" role="status">
          {page === null
            ? 'Reading the audit log…'
            : isActivityFiltered(filter)
              ? `${formatCount(shown.length)} of ${formatCount(entries.length)} entries`
              : `${formatCount(entries.length)} entr${entries.length === 1 ? 'y' : 'ies'}`}
        </span>
        <div className="activity-exports">
          <button
            type="button"
            className="operation-button is-small"
            disabled={shown.length === 0}
            onClick={() =>
              download(toJsonLines(shown), exportFileName('jsonl', Date.now()), 'application/x-ndjson')
            }
          >
            Export JSON lines
          </button>
          <button
            type="button"
            className="operation-button is-small"
            disabled={shown.length === 0}
            onClick={() => download(toCsv(shown), exportFileName('csv', Date.now()), 'text/csv')}
          >
            Export CSV
          </button>
        </div>
      </div>
      <div className="activity-table-scroll">
        <table className="activity-table">
          <caption className="visually-hidden">Operator actions, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">User</th>
              <th scope="col">Source</th>
              <th scope="col">Action</th>
              <th scope="col">Node</th>
              <th scope="col">Arguments</th>
              <th scope="col">Outcome</th>
              <th scope="col" className="numeric">
                Duration
              </th>
              <th scope="col">Message</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((entry) => (
              <ActivityRow key={entry.id} entry={entry} now={now} />
            ))}
            {page !== null && shown.length === 0 && (
              <tr className="empty-row">
                <td colSpan={9}>
                  {entries.length === 0
                    ? 'No operator action yet. Drains, sheds, adds, removes and rolls show here, from this console and from the CLI.'
                    : 'No entry matches these filters.'}
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
    </section>
  );
}
