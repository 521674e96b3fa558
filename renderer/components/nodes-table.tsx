import {
  type CSSProperties,
  createContext,
  type FocusEvent,
  type KeyboardEvent,
  type MouseEvent,
  memo,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useId,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
} from 'react';
import type { NodeView } from '../../main/common/models.js';
import type { ViewApi } from '../app.js';
import {
  formatBytes,
  formatBytesPerSecond,
  formatCount,
  formatMs,
  formatPercent,
  formatRate,
  formatUptime,
} from '../format.js';
import { navigate, routeHref } from '../router.js';
import {
  COLUMNS,
  type ColumnKey,
  type ColumnSpec,
  liveStartedAt,
  numericValue,
  versionOf,
} from '../table/columns.js';
import { EMPTY_FILTER, FILTER_EXAMPLES, filterNodes, type NodeFilter, parseFilter } from '../table/filter.js';
import { nextSort, type SortState, sortNodes } from '../table/sorting.js';
import { loadTableState, type StateStorage, saveTableState } from '../table/table-state.js';
import {
  computeWindow,
  isNavigationKey,
  nextRowIndex,
  pageSize,
  scrollTopToReveal,
  type Viewport,
} from '../table/windowing.js';
import { DrainDialog } from './operations/drain-dialog.js';
import { RowDrainProgress } from './operations/drain-progress.js';
import { Sparkline } from './sparkline.js';
import { StatusBadge } from './status-badge.js';
import { useSparklines } from './use-sparklines.js';
import './nodes-table.css';
import { SpacerRow } from './spacer-row.js';

/** Every row is exactly this tall (px), which is what makes windowing exact. */
export const ROW_HEIGHT = 34;
/** Rows rendered beyond each edge of the viewport, so fast scrolling shows no blank rows. */
const OVERSCAN = 10;
const SPARKLINE_OPTIONS = {
  series: 'connectionsOpen',
  points: 120,
  refreshMs: 5_000,
  debounceMs: 250,
} as const;
// Data columns plus the sparkline.
const COLUMN_COUNT = COLUMNS.length + 1;

/** The clock uptime cells read; only they re-render when it ticks, not the memoized rows. */
const NowContext = createContext(0);

function sessionStorageOrNull(): StateStorage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

/**
 * The fleet's time (from the latest delta), advanced by the local clock every second between
 * deltas, so uptimes tick without trusting the browser's clock against the console's.
 */
function useTickingNow(fleetTime: number): number {
  const [tick, setTick] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setTick(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  const anchor = useRef({ fleetTime, receivedAt: Date.now() });
  if (anchor.current.fleetTime !== fleetTime) anchor.current = { fleetTime, receivedAt: Date.now() };
  return fleetTime + Math.max(0, tick - anchor.current.receivedAt);
}

function UptimeCell({ node }: { readonly node: NodeView }) {
  const now = useContext(NowContext);
  return (
    <td data-column="uptime" className="numeric">
      {formatUptime(liveStartedAt(node), now)}
    </td>
  );
}

function figure(node: NodeView, key: ColumnKey): string {
  const value = numericValue(node, key, 0);
  switch (key) {
    case 'connections':
      return formatCount(value);
    case 'bandwidth-in':
    case 'bandwidth-out':
      return formatBytesPerSecond(value);
    case 'messages':
      return formatRate(value);
    case 'loop-p99':
      return formatMs(value);
    case 'cpu':
      return formatPercent(value);
    case 'memory':
      return formatBytes(value);
    default:
      return '';
  }
}

function cell(node: NodeView, column: ColumnSpec): ReactNode {
  switch (column.key) {
    case 'node':
      return (
        <th key={column.key} scope="row" data-column="node">
          {/* A real link (middle-click opens a tab); out of the tab order: the row is the stop. */}
          <a href={routeHref({ view: 'node', nodeId: node.id })} tabIndex={-1}>
            {node.id}
          </a>
        </th>
      );
    case 'state':
      return (
        <td key={column.key} data-column="state">
          <StatusBadge status={node.status} />
          {node.problem !== null && <span className="node-problem">{node.problem}</span>}
          <RowDrainProgress view={node} />
        </td>
      );
    case 'version':
      return (
        <td key={column.key} data-column="version">
          {versionOf(node) ?? '—'}
        </td>
      );
    case 'uptime':
      return <UptimeCell key={column.key} node={node} />;
    default:
      return (
        <td key={column.key} data-column={column.key} className="numeric">
          {figure(node, column.key)}
        </td>
      );
  }
}

// Memoized: the store keeps unchanged nodes' identity across deltas, so only changed rows render.
const NodeRow = memo(function NodeRow({
  node,
  rowIndex,
  tabStop,
  sparkline,
}: {
  readonly node: NodeView;
  /** 1-based, counting the header row, for aria-rowindex. */
  readonly rowIndex: number;
  readonly tabStop: boolean;
  readonly sparkline: readonly (number | null)[] | undefined;
}) {
  return (
    <tr
      data-node-id={node.id}
      data-sample-at={node.lastSampleAt ?? undefined}
      data-status={node.status}
      className={node.status === 'unreachable' ? 'node-row is-unreachable' : 'node-row'}
      title={node.problem ?? undefined}
      aria-rowindex={rowIndex}
      aria-keyshortcuts="Enter D"
      tabIndex={tabStop ? 0 : -1}
    >
      {COLUMNS.map((column) => cell(node, column))}
      <td data-column="sparkline" className="sparkline-cell">
        {sparkline !== undefined && (
          <Sparkline values={sparkline} points={SPARKLINE_OPTIONS.points} format={formatCount} />
        )}
      </td>
    </tr>
  );
});

function SortHeader({
  column,
  sort,
  onSort,
}: {
  readonly column: ColumnSpec;
  readonly sort: SortState;
  readonly onSort: (column: ColumnKey) => void;
}) {
  const sorted = sort.column === column.key ? sort.direction : null;
  return (
    <th
      scope="col"
      data-column={column.key}
      className={column.numeric ? 'numeric' : undefined}
      aria-sort={sorted ?? undefined}
    >
      <button
        type="button"
        className="sort-button"
        onClick={() => onSort(column.key)}
        title={`Sort by ${column.label.toLowerCase()}. Filter with ${column.filterExample}`}
      >
        {column.label}
        <span className="sort-indicator" aria-hidden="true">
          {sorted === 'ascending' ? '▲' : sorted === 'descending' ? '▼' : ''}
        </span>
      </button>
    </th>
  );
}

/** The filter as typed, and the last one that parsed, which the table shows. */
interface FilterState {
  readonly text: string;
  readonly applied: NodeFilter;
  readonly appliedText: string;
  /** Why `text` does not parse; '' when it does. */
  readonly message: string;
}

function filterStateFor(text: string, previous: FilterState | null): FilterState {
  const parsed = parseFilter(text);
  if (parsed.ok) return { text, applied: parsed.filter, appliedText: text.trim(), message: '' };
  return {
    text,
    applied: previous?.applied ?? EMPTY_FILTER,
    appliedText: previous?.appliedText ?? '',
    message: parsed.message,
  };
}

function isTyping(target: EventTarget | null): boolean {
  return (
    target instanceof HTMLElement &&
    (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName))
  );
}

function rowOf(target: EventTarget | null): HTMLTableRowElement | null {
  return target instanceof Element ? target.closest<HTMLTableRowElement>('tr[data-node-id]') : null;
}

/**
 * The live nodes table, built for a thousand nodes: sortable by every column, filtered by a
 * small query language, virtualized (only the rows on screen, plus an overscan, are in the
 * DOM, between spacer rows), one tab stop with arrow-key navigation, a sparkline per row.
 */
export function NodesTable({
  nodes,
  time,
  api,
}: {
  readonly nodes: readonly NodeView[];
  /** The fleet state's time (epoch ms), for uptimes. */
  readonly time: number;
  readonly api: Pick<ViewApi, 'getSparklines' | 'previewDrain' | 'drainNode'>;
}) {
  const [initial] = useState(() => loadTableState(sessionStorageOrNull()));
  const [sort, setSort] = useState<SortState>(initial.sort);
  const [filter, setFilter] = useState<FilterState>(() => filterStateFor(initial.filterText, null));
  const [focusedId, setFocusedId] = useState<string | null>(initial.focusedId);
  const [scrollTop, setScrollTop] = useState(0);
  // The node whose drain dialog is open ("d" on a focused row).
  const [drainId, setDrainId] = useState<string | null>(null);
  const [size, setSize] = useState({ height: 0, bodyOffset: 0 });
  const scrollRef = useRef<HTMLDivElement>(null);
  const headRef = useRef<HTMLTableSectionElement>(null);
  const filterRef = useRef<HTMLInputElement>(null);
  const focusPending = useRef(false);
  const now = useTickingNow(time);
  const filterId = useId();
  const hintId = useId();

  const rows = useMemo(
    () => sortNodes(filterNodes(nodes, filter.applied, time), sort, time),
    [nodes, filter.applied, sort, time],
  );

  useEffect(() => {
    saveTableState(sessionStorageOrNull(), { sort, filterText: filter.text, focusedId });
  }, [sort, filter.text, focusedId]);

  // The viewport's size and the sticky header's height, kept current as the window resizes.
  useLayoutEffect(() => {
    const container = scrollRef.current;
    const head = headRef.current;
    if (!container || !head) return;
    // Rounded towards the safe side: a fractional box must not hide a sliver of the revealed row.
    const measure = () => {
      const frame = container.offsetHeight - container.clientHeight;
      const height = Math.max(0, Math.floor(container.getBoundingClientRect().height) - frame);
      const bodyOffset = Math.ceil(head.getBoundingClientRect().height);
      setSize((previous) =>
        previous.height === height && previous.bodyOffset === bodyOffset ? previous : { height, bodyOffset },
      );
    };
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(container);
    observer.observe(head);
    return () => observer.disconnect();
  }, []);

  const viewport: Viewport = {
    rowCount: rows.length,
    rowHeight: ROW_HEIGHT,
    scrollTop,
    height: size.height,
    bodyOffset: size.bodyOffset,
  };
  const rowWindow = computeWindow(viewport, OVERSCAN);
  const focusedIndex = focusedId === null ? -1 : rows.findIndex((node) => node.id === focusedId);
  // The body keeps one tab stop: the focused row, or the first rendered one when it is gone.
  const tabStopIndex =
    focusedIndex >= rowWindow.start && focusedIndex < rowWindow.end ? focusedIndex : rowWindow.start;
  const visibleIds = rows.slice(rowWindow.start, rowWindow.end).map((node) => node.id);
  const sparklines = useSparklines(api, visibleIds, SPARKLINE_OPTIONS);

  // Coming back from a node's detail: show the row that was focused.
  const restored = useRef(false);
  useLayoutEffect(() => {
    if (restored.current || size.height === 0) return;
    restored.current = true;
    const container = scrollRef.current;
    if (!container || focusedIndex < 0) return;
    const top = scrollTopToReveal({ ...viewport, scrollTop: container.scrollTop }, focusedIndex);
    container.scrollTop = top;
    setScrollTop(top);
  });

  // Keyboard moves: focus the new row once it is rendered.
  useLayoutEffect(() => {
    if (!focusPending.current || focusedId === null) return;
    focusPending.current = false;
    const row = scrollRef.current?.querySelector<HTMLElement>(`tr[data-node-id="${CSS.escape(focusedId)}"]`);
    row?.focus({ preventScroll: true });
  });

  // "/" jumps to the filter box, as on many sites; the browser's own Ctrl+F is left alone.
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

  const onSort = useCallback((column: ColumnKey) => setSort((current) => nextSort(current, column)), []);
  const onFilterText = useCallback(
    (text: string) => setFilter((previous) => filterStateFor(text, previous)),
    [],
  );

  const onKeyDown = (event: KeyboardEvent<HTMLTableSectionElement>) => {
    const row = rowOf(event.target);
    if (!row || event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key === 'Enter') {
      event.preventDefault();
      navigate({ view: 'node', nodeId: row.dataset.nodeId as string });
      return;
    }
    if (event.key === 'd' || event.key === 'D') {
      event.preventDefault();
      setDrainId(row.dataset.nodeId as string);
      return;
    }
    if (!isNavigationKey(event.key)) return;
    event.preventDefault();
    const current = rows.findIndex((node) => node.id === row.dataset.nodeId);
    const next = nextRowIndex(current, event.key, rows.length, pageSize(viewport));
    const target = rows[next];
    const container = scrollRef.current;
    if (!target || !container) return;
    const top = scrollTopToReveal({ ...viewport, scrollTop: container.scrollTop }, next);
    container.scrollTop = top;
    setScrollTop(top);
    setFocusedId(target.id);
    focusPending.current = true;
  };

  const onClick = (event: MouseEvent<HTMLTableSectionElement>) => {
    const row = rowOf(event.target);
    if (!row || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey)
      return;
    // The id's link navigates by itself; a drag that selected text is not a click on the row.
    if (event.target instanceof Element && event.target.closest('a')) return;
    if ((document.getSelection()?.toString() ?? '') !== '') return;
    navigate({ view: 'node', nodeId: row.dataset.nodeId as string });
  };

  const onFocus = (event: FocusEvent<HTMLTableSectionElement>) => {
    const row = rowOf(event.target);
    if (row?.dataset.nodeId !== undefined) setFocusedId(row.dataset.nodeId);
  };

  const filtered = filter.appliedText !== '';
  const drainNode = drainId === null ? undefined : nodes.find((node) => node.id === drainId);
  return (
    <div className="nodes-table-panel">
      <div className="nodes-toolbar">
        <label htmlFor={filterId} className="nodes-filter-label">
          Filter nodes
        </label>
        <input
          ref={filterRef}
          id={filterId}
          className="nodes-filter"
          type="search"
          value={filter.text}
          placeholder={`e.g. ${FILTER_EXAMPLES}`}
          spellCheck={false}
          autoComplete="off"
          aria-invalid={filter.message === '' ? undefined : true}
          aria-describedby={`${filterId}-message`}
          onChange={(event) => onFilterText(event.target.value)}
        />
        <span className="nodes-count" data-count={rows.length}>
          {filtered
            ? `${formatCount(rows.length)} of ${formatCount(nodes.length)} nodes`
            : `${formatCount(nodes.length)} nodes`}
        </span>
        {/* Always in the page, empty when all is well: live regions announce only changes. */}
        <p id={`${filterId}-message`} role="status" className="nodes-filter-message">
          {filter.message}
        </p>
      </div>
      <div
        ref={scrollRef}
        className="nodes-table-scroll"
        onScroll={(event) => setScrollTop(event.currentTarget.scrollTop)}
      >
        <table
          className="nodes-table"
          aria-rowcount={rows.length + 1}
          aria-describedby={hintId}
          style={{ '--row-height': `${ROW_HEIGHT}px` } as CSSProperties}
        >
          <caption className="visually-hidden">Nodes</caption>
          <colgroup>
            {COLUMNS.map((column) => (
              <col key={column.key} className={`column-${column.key}`} />
            ))}
            <col className="column-sparkline" />
          </colgroup>
          <thead ref={headRef}>
            <tr aria-rowindex={1}>
              {COLUMNS.map((column) => (
                <SortHeader key={column.key} column={column} sort={sort} onSort={onSort} />
              ))}
              <th scope="col" data-column="sparkline" title="Open connections over the last 2 minutes">
                <span className="visually-hidden">Connections, </span>Last 2 min
              </th>
            </tr>
          </thead>
          <NowContext value={now}>
            <tbody onKeyDown={onKeyDown} onClick={onClick} onFocus={onFocus}>
              <SpacerRow height={rowWindow.paddingTop} columns={COLUMN_COUNT} />
              {rows.slice(rowWindow.start, rowWindow.end).map((node, offset) => (
                <NodeRow
                  key={node.id}
                  node={node}
                  rowIndex={rowWindow.start + offset + 2}
                  tabStop={rowWindow.start + offset === tabStopIndex}
                  sparkline={sparklines.get(node.id)}
                />
              ))}
              <SpacerRow height={rowWindow.paddingBottom} columns={COLUMN_COUNT} />
              {rows.length === 0 && nodes.length > 0 && (
                <tr className="empty-row">
                  <td colSpan={COLUMN_COUNT}>
                    No node matches “{filter.appliedText}”.{' '}
                    <button type="button" onClick={() => onFilterText('')}>
                      Clear filter
                    </button>
                  </td>
                </tr>
              )}
            </tbody>
          </NowContext>
        </table>
      </div>
      <p id={hintId} className="visually-hidden">
        Arrow keys, Page Up, Page Down, Home and End move between rows; Enter opens the node; D drains it.
      </p>
      {drainNode !== undefined && <DrainDialog node={drainNode} api={api} onClose={() => setDrainId(null)} />}
    </div>
  );
}
