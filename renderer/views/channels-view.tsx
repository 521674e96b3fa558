import { type KeyboardEvent, useCallback, useEffect, useId, useRef, useState } from 'react';
import type { BrokerView, ChannelsSnapshot } from '../../main/common/models.js';
import type { ViewApi } from '../app.js';
import { brokerHeadline } from '../channels/broker-model.js';
import {
  type ChannelColumnKey,
  type ChannelSort,
  consoleSortFor,
  nextChannelSort,
} from '../channels/channel-columns.js';
import { describeChannelFilter, parseChannelFilter } from '../channels/channel-filter.js';
import { channelCountText, formatFactor, plural } from '../channels/channel-format.js';
import { appendRecent, NO_RECENT_ACTIVITY, type RecentActivity } from '../channels/channel-recent.js';
import { channelsTableModel } from '../channels/channels-model.js';
import {
  type ChannelsTab,
  loadChannelsState,
  type StateStorage,
  saveChannelsState,
} from '../channels/channels-state.js';
import { BrokerPanel } from '../components/channels/broker-panel.js';
import { ChannelsTable } from '../components/channels/channels-table.js';
import { usePoll } from '../components/channels/use-poll.js';
import { formatClock } from '../format.js';
import '../components/channels/channels.css';

/** Rows asked of the console: enough to scroll well past the hot ones, few enough to send each second. */
export const CHANNELS_TOP = 500;
/** The channels are asked for this often while the view is open, ms. */
const CHANNELS_POLL_MS = 1_000;
/** The broker is asked for this often, ms: INFO and NUMSUB cost Redis more than our own merge. */
const BROKER_POLL_MS = 5_000;
/** Typing waits this long before the console is asked; the rows held narrow at once meanwhile. */
const FILTER_DEBOUNCE_MS = 250;
const MAX_FILTER_LENGTH = 256;

function sessionStorageOrNull(): StateStorage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

function isTyping(target: EventTarget | null): boolean {
  return (
    target instanceof HTMLElement &&
    (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName))
  );
}

/** `value`, once it has stayed the same for `delayMs`. */
function useDebounced<T>(value: T, delayMs: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), delayMs);
    return () => clearTimeout(timer);
  }, [value, delayMs]);
  return settled;
}

/** One answer of the console, with the filter it answered and the sparklines up to it. */
interface ChannelsAnswer {
  readonly filter: string;
  readonly snapshot: ChannelsSnapshot;
  readonly recent: RecentActivity;
}

function EmptyRows({
  snapshot,
  filterText,
  onClear,
}: {
  readonly snapshot: ChannelsSnapshot;
  readonly filterText: string;
  readonly onClear: () => void;
}) {
  if (filterText !== '') {
    return (
      <>
        No hot channel has {describeChannelFilter(parseChannelFilter(filterText))}.{' '}
        <button type="button" onClick={onClear}>
          Clear filter
        </button>
      </>
    );
  }
  if (snapshot.nodesReporting === 0) {
    return (
      <>
        No node reports channel figures yet. The agent counts channels when its host calls{' '}
        <code>agent.channels.published</code> and <code>agent.channels.delivered</code>.
      </>
    );
  }
  return <>No channel activity in the latest interval.</>;
}

function ChannelsPanel({
  answer,
  error,
  filterText,
  onFilterText,
  sort,
  onSort,
  focusedName,
  onFocusName,
}: {
  readonly answer: ChannelsAnswer | null;
  readonly error: string | null;
  readonly filterText: string;
  readonly onFilterText: (text: string) => void;
  readonly sort: ChannelSort;
  readonly onSort: (column: ChannelColumnKey) => void;
  readonly focusedName: string | null;
  readonly onFocusName: (name: string) => void;
}) {
  const filterId = useId();
  const filterRef = useRef<HTMLInputElement>(null);

  // "/" jumps to the filter box, as in the nodes table; the browser's own Ctrl+F is left alone.
  useEffect(() => {
    const onKeyDown = (event: globalThis.KeyboardEvent) => {
      if (event.key !== '/' || event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target))
        return;
      event.preventDefault();
      filterRef.current?.focus();
    };
    document.addEventListener('keydown', onKeyDown);
    return () => document.removeEventListener('keydown', onKeyDown);
  }, []);

  const typed = filterText.trim();
  const model = answer === null ? null : channelsTableModel(answer.snapshot, answer.filter, typed, sort);
  return (
    <>
      <div className="nodes-toolbar channels-toolbar">
        <label htmlFor={filterId} className="nodes-filter-label">
          Filter channels
        </label>
        <input
          ref={filterRef}
          id={filterId}
          className="nodes-filter channels-filter"
          type="search"
          value={filterText}
          maxLength={MAX_FILTER_LENGTH}
          placeholder="part of a name, or a glob like chat:*"
          spellCheck={false}
          autoComplete="off"
          aria-describedby={`${filterId}-count`}
          onChange={(event) => onFilterText(event.target.value)}
        />
        <span
          id={`${filterId}-count`}
          className="nodes-count channels-count"
          data-count={model?.rows.length ?? 0}
        >
          {answer === null || model === null
            ? ''
            : channelCountText(
                model.rows.length,
                model.provisional ? model.rows.length : answer.snapshot.matchedChannels,
                answer.snapshot.trackedChannels,
                typed,
              )}
        </span>
      </div>
      {error !== null && (
        <p className="channels-error" role="status">
          {answer === null
            ? `Cannot load channels: ${error}`
            : `Refresh failed: ${error}. The figures may be stale.`}
        </p>
      )}
      {answer === null || model === null ? (
        <p className="placeholder">{error === null ? 'Loading channels…' : ''}</p>
      ) : (
        <ChannelsTable
          model={model}
          listedCount={answer.snapshot.channels.length}
          recent={answer.recent}
          rule={{
            threshold: answer.snapshot.risingThreshold,
            floorPerSec: answer.snapshot.risingFloorPerSec,
          }}
          sort={sort}
          onSort={onSort}
          focusedName={focusedName}
          onFocusName={onFocusName}
          empty={<EmptyRows snapshot={answer.snapshot} filterText={typed} onClear={() => onFilterText('')} />}
        />
      )}
    </>
  );
}

const TABS: ReadonlyArray<{ readonly id: ChannelsTab; readonly label: string }> = [
  { id: 'channels', label: 'Hottest channels' },
  { id: 'broker', label: 'Broker' },
];

function BrokerTabNote({ view }: { readonly view: BrokerView | null }) {
  if (view === null) return null;
  const headline = brokerHeadline(view);
  if (headline.tone === 'ok') return null;
  const text =
    headline.tone === 'unconfigured'
      ? 'not configured'
      : headline.tone === 'error'
        ? 'unreachable'
        : 'disagrees';
  return (
    <span className="tab-note" data-tone={headline.tone}>
      {text}
    </span>
  );
}

/**
 * Hot channels: the fleet's channels ranked by the console (polled every second, filtered by the
 * console, narrowed at once while typing), with the lines that add up to the fleet's totals,
 * and the broker seen directly (polled every five seconds) in a second tab.
 */
export function ChannelsView({ api }: { readonly api: ViewApi }) {
  const [initial] = useState(() => loadChannelsState(sessionStorageOrNull()));
  const [sort, setSort] = useState(initial.sort);
  const [filterText, setFilterText] = useState(initial.filterText);
  const [tab, setTab] = useState<ChannelsTab>(initial.tab);
  const [focusedName, setFocusedName] = useState<string | null>(initial.focusedName);
  const sentFilter = useDebounced(filterText.trim(), FILTER_DEBOUNCE_MS);
  const recent = useRef<RecentActivity>(NO_RECENT_ACTIVITY);
  const tabIds = useId();

  const rankBy = consoleSortFor(sort.column);
  const channels = usePoll<ChannelsAnswer>(
    `channels\n${sentFilter}\n${rankBy}`,
    async () => {
      const query =
        sentFilter === ''
          ? { top: CHANNELS_TOP, sort: rankBy }
          : { top: CHANNELS_TOP, sort: rankBy, filter: sentFilter };
      const snapshot = await api.getChannels(query);
      recent.current = appendRecent(recent.current, snapshot.channels, snapshot.time);
      return { filter: sentFilter, snapshot, recent: recent.current };
    },
    CHANNELS_POLL_MS,
    { retryMs: 2 * CHANNELS_POLL_MS },
  );
  const broker = usePoll('broker', () => api.getBroker(), BROKER_POLL_MS);

  useEffect(() => {
    saveChannelsState(sessionStorageOrNull(), { sort, filterText, tab, focusedName });
  }, [sort, filterText, tab, focusedName]);

  const onSort = useCallback(
    (column: ChannelColumnKey) => setSort((current) => nextChannelSort(current, column)),
    [],
  );

  // Arrow keys move between the tabs, as the ARIA tabs pattern has it.
  const onTabKey = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight') return;
    event.preventDefault();
    const next: ChannelsTab = tab === 'channels' ? 'broker' : 'channels';
    setTab(next);
    document.getElementById(`${tabIds}-${next}-tab`)?.focus();
  };

  const snapshot = channels.value?.snapshot ?? null;
  return (
    <section className="channels-view" data-tab={tab} aria-labelledby="channels-heading">
      <div className="channels-header">
        <h2 id="channels-heading">Channels</h2>
        {snapshot !== null && (
          <p className="channels-summary">
            <span data-field="tracked">{plural(snapshot.trackedChannels, 'channel')} tracked</span>
            <span data-field="nodes-reporting">{plural(snapshot.nodesReporting, 'node')} reporting</span>
            <span>rising marks {formatFactor(snapshot.risingThreshold)} in a minute</span>
            <span>as of {formatClock(snapshot.time)}</span>
          </p>
        )}
        <div className="channels-tabs" role="tablist" aria-label="Channels panels" onKeyDown={onTabKey}>
          {TABS.map((entry) => (
            <button
              key={entry.id}
              type="button"
              role="tab"
              id={`${tabIds}-${entry.id}-tab`}
              aria-selected={tab === entry.id}
              aria-controls={`${tabIds}-${entry.id}-panel`}
              tabIndex={tab === entry.id ? 0 : -1}
              className="channels-tab"
              onClick={() => setTab(entry.id)}
            >
              {entry.label}
              {entry.id === 'broker' && <BrokerTabNote view={broker.value} />}
            </button>
          ))}
        </div>
      </div>
      {TABS.map((entry) =>
        entry.id === tab ? (
          <div
            key={entry.id}
            role="tabpanel"
            id={`${tabIds}-${entry.id}-panel`}
            aria-labelledby={`${tabIds}-${entry.id}-tab`}
            className="channels-tabpanel"
          >
            {entry.id === 'channels' ? (
              <ChannelsPanel
                answer={channels.value}
                error={channels.error}
                filterText={filterText}
                onFilterText={setFilterText}
                sort={sort}
                onSort={onSort}
                focusedName={focusedName}
                onFocusName={setFocusedName}
              />
            ) : (
              <BrokerPanel view={broker.value} error={broker.error} />
            )}
          </div>
        ) : (
          // The other panel stays in the page, hidden, so each tab's aria-controls names an element.
          <div
            key={entry.id}
            role="tabpanel"
            id={`${tabIds}-${entry.id}-panel`}
            aria-labelledby={`${tabIds}-${entry.id}-tab`}
            hidden
          />
        ),
      )}
    </section>
  );
}
