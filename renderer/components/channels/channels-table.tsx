import {
  type CSSProperties,
  type FocusEvent,
  type KeyboardEvent,
  type MouseEvent,
  memo,
  type ReactNode,
  useId,
  useLayoutEffect,
  useRef,
  useState,
} from 'react';
import type { ChannelTotals } from '../../../main/common/models.js';
import {
  CHANNEL_COLUMNS,
  type ChannelColumn,
  type ChannelColumnKey,
  type ChannelSort,
  type RankedChannel,
} from '../../channels/channel-columns.js';
import { errorNote, formatFactor, risingDescription, risingLabel } from '../../channels/channel-format.js';
import { RECENT_POINTS, type RecentActivity, recentLine } from '../../channels/channel-recent.js';
import type { ChannelsTableModel } from '../../channels/channels-model.js';
import { formatBytesPerSecond, formatCount, formatPercent, formatRate } from '../../format.js';
import { navigate, routeHref } from '../../router.js';
import {
  computeWindow,
  isNavigationKey,
  nextRowIndex,
  pageSize,
  scrollTopToReveal,
  type Viewport,
} from '../../table/windowing.js';
import { Sparkline } from '../sparkline.js';
// The toolbar, sort buttons and base table look are the nodes table's.
import '../nodes-table.css';
import './channels.css';
import { SpacerRow } from '../spacer-row.js';

/** Every row is exactly this tall (px), which is what makes windowing exact. */
export const CHANNEL_ROW_HEIGHT = 34;
/** Rows rendered beyond each edge of the viewport, so fast scrolling shows no blank rows. */
const OVERSCAN = 10;
// Data columns plus the sparkline.
const COLUMN_COUNT = CHANNEL_COLUMNS.length + 1;
// Where the sparkline goes: before the rising marker, so the two read as the trend.
const SPARKLINE_BEFORE: ChannelColumnKey = 'rising';

function ShareBar({ share }: { readonly share: number }) {
  const clamped = Math.min(1, Math.max(0, share));
  return (
    <span className="share">
      <span className="share-track" aria-hidden="true">
        <span className="share-fill" style={{ width: `${clamped * 100}%` }} />
      </span>
      <span className="share-text">{formatPercent(share)}</span>
    </span>
  );
}

/** The console's rule for marking a channel rising. */
export interface RisingRule {
  readonly threshold: number;
  readonly floorPerSec: number;
}

function RisingMarker({ factor, rule }: { readonly factor: number | null; readonly rule: RisingRule }) {
  const label = risingLabel({ risingFactor: factor });
  if (factor === null || label === null) return null;
  return (
    <span className="rising-marker" title={risingDescription(factor, rule)}>
      <span aria-hidden="true">▲ </span>
      {label}
    </span>
  );
}

function cell(entry: RankedChannel, column: ChannelColumn, rule: RisingRule) {
  const { row } = entry;
  switch (column.key) {
    case 'rank':
      return (
        <td key={column.key} data-column="rank" className="numeric rank-cell">
          {entry.rank}
        </td>
      );
    case 'name':
      return (
        <th key={column.key} scope="row" data-column="name" title={row.name}>
          {/* A real link (middle-click opens a tab); out of the tab order: the row is the stop. */}
          <a href={routeHref({ view: 'channel', name: row.name })} tabIndex={-1}>
            {row.name}
          </a>
        </th>
      );
    case 'publish':
    case 'deliveries': {
      const note = errorNote(row);
      return (
        <td
          key={column.key}
          data-column={column.key}
          className={note === null ? 'numeric' : 'numeric has-error-note'}
          title={note ?? undefined}
        >
          {formatRate(column.key === 'publish' ? row.publishPerSec : row.deliveriesPerSec)}
        </td>
      );
    }
    case 'bytes-in':
      return (
        <td key={column.key} data-column={column.key} className="numeric">
          {formatBytesPerSecond(row.bytesInPerSec)}
        </td>
      );
    case 'bytes-out':
      return (
        <td key={column.key} data-column={column.key} className="numeric">
          {formatBytesPerSecond(row.bytesOutPerSec)}
        </td>
      );
    case 'share':
      return (
        <td key={column.key} data-column="share" className="numeric">
          <ShareBar share={row.shareOfBytesOut} />
        </td>
      );
    case 'subscribers':
      return (
        <td key={column.key} data-column="subscribers" className="numeric">
          {formatCount(row.subscribers)}
        </td>
      );
    case 'fan-out':
      return (
        <td key={column.key} data-column="fan-out" className="numeric">
          {formatRate(row.fanOut)}
        </td>
      );
    case 'nodes':
      return (
        <td key={column.key} data-column="nodes" className="numeric">
          {formatCount(row.nodes)}
        </td>
      );
    case 'rising':
      return (
        <td key={column.key} data-column="rising" className="numeric">
          <RisingMarker factor={row.risingFactor} rule={rule} />
        </td>
      );
  }
}

// Memoized: a row whose figures and line did not change since the last poll is not rendered again.
const ChannelTableRow = memo(function ChannelTableRow({
  entry,
  rowIndex,
  tabStop,
  recent,
  rule,
}: {
  readonly entry: RankedChannel;
  /** 1-based, counting the header row, for aria-rowindex. */
  readonly rowIndex: number;
  readonly tabStop: boolean;
  readonly recent: readonly (number | null)[] | undefined;
  readonly rule: RisingRule;
}) {
  const rising = entry.row.risingFactor !== null;
  return (
    <tr
      data-channel={entry.row.name}
      data-rank={entry.rank}
      className={rising ? 'channel-row is-rising' : 'channel-row'}
      aria-rowindex={rowIndex}
      tabIndex={tabStop ? 0 : -1}
    >
      {CHANNEL_COLUMNS.map((column) =>
        column.key === SPARKLINE_BEFORE
          ? [
              <td key="sparkline" data-column="sparkline" className="sparkline-cell">
                {recent !== undefined && (
                  <Sparkline values={recent} points={RECENT_POINTS} format={formatRate} />
                )}
              </td>,
              cell(entry, column, rule),
            ]
          : cell(entry, column, rule),
      )}
    </tr>
  );
});

function SortHeader({
  column,
  sort,
  onSort,
}: {
  readonly column: ChannelColumn;
  readonly sort: ChannelSort;
  readonly onSort: (column: ChannelColumnKey) => void;
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
        title={`${column.description}. Click to sort.`}
      >
        {column.key === 'rank' ? (
          <>
            <span aria-hidden="true">#</span>
            <span className="visually-hidden">Rank</span>
          </>
        ) : (
          column.label
        )}
        <span className="sort-indicator" aria-hidden="true">
          {sorted === 'ascending' ? '▲' : sorted === 'descending' ? '▼' : ''}
        </span>
      </button>
    </th>
  );
}

/** One of the lines under the rows: listed, other, all. */
function TotalsRow({
  label,
  totals,
  bytesOutOfAll,
  kind,
  title,
}: {
  readonly label: string;
  readonly totals: ChannelTotals;
  readonly bytesOutOfAll: number;
  readonly kind: 'listed' | 'other' | 'all';
  readonly title: string;
}) {
  const share = bytesOutOfAll > 0 ? totals.bytesOutPerSec / bytesOutOfAll : 0;
  return (
    <tr className={`totals-row totals-${kind}`} data-totals={kind} title={title}>
      <th scope="row" colSpan={2}>
        {label}
      </th>
      <td className="numeric" data-column="publish">
        {formatRate(totals.publishPerSec)}
      </td>
      <td className="numeric" data-column="deliveries">
        {formatRate(totals.deliveriesPerSec)}
      </td>
      <td className="numeric" data-column="bytes-in">
        {formatBytesPerSecond(totals.bytesInPerSec)}
      </td>
      <td className="numeric" data-column="bytes-out">
        {formatBytesPerSecond(totals.bytesOutPerSec)}
      </td>
      <td className="numeric" data-column="share">
        {bytesOutOfAll > 0 && <ShareBar share={share} />}
      </td>
      <td colSpan={COLUMN_COUNT - 7} />
    </tr>
  );
}

function rowOf(target: EventTarget | null): HTMLTableRowElement | null {
  return target instanceof Element ? target.closest<HTMLTableRowElement>('tr[data-channel]') : null;
}

/**
 * The ranked channels, built for the console's full answer (up to a thousand rows): sortable by
 * every figure, virtualized (only the rows on screen plus an overscan are in the DOM, between
 * spacer rows), one tab stop with arrow-key navigation, Enter opens the channel, and a footer
 * that stays in view with the lines that add up: listed + other = all.
 */
export function ChannelsTable({
  model,
  listedCount,
  recent,
  rule,
  sort,
  onSort,
  empty,
  focusedName,
  onFocusName,
}: {
  readonly model: ChannelsTableModel;
  /** Rows the console listed (before a provisional narrowing). */
  readonly listedCount: number;
  /** Sparkline values the view gathered, for rows the console sent no line for. */
  readonly recent: RecentActivity;
  readonly rule: RisingRule;
  readonly sort: ChannelSort;
  readonly onSort: (column: ChannelColumnKey) => void;
  /** What the body says when there is no row. */
  readonly empty: ReactNode;
  readonly focusedName: string | null;
  readonly onFocusName: (name: string) => void;
}) {
  const { rows } = model;
  const [scrollTop, setScrollTop] = useState(0);
  const [size, setSize] = useState({ height: 0, bodyOffset: 0, footer: 0 });
  const scrollRef = useRef<HTMLDivElement>(null);
  const headRef = useRef<HTMLTableSectionElement>(null);
  const footRef = useRef<HTMLTableSectionElement>(null);
  const focusPending = useRef(false);
  const hintId = useId();

  // The viewport, the sticky header and the sticky footer, kept current as the window resizes.
  useLayoutEffect(() => {
    const container = scrollRef.current;
    const head = headRef.current;
    const foot = footRef.current;
    if (!container || !head || !foot) return;
    // Rounded towards the safe side: a fractional box must not hide a sliver of the revealed row.
    const measure = () => {
      const frame = container.offsetHeight - container.clientHeight;
      const footer = Math.ceil(foot.getBoundingClientRect().height);
      const height = Math.max(0, Math.floor(container.getBoundingClientRect().height) - frame - footer);
      const bodyOffset = Math.ceil(head.getBoundingClientRect().height);
      setSize((previous) =>
        previous.height === height && previous.bodyOffset === bodyOffset && previous.footer === footer
          ? previous
          : { height, bodyOffset, footer },
      );
    };
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(container);
    observer.observe(head);
    observer.observe(foot);
    return () => observer.disconnect();
  }, []);

  // The footer covers the bottom of the box: rows count as visible only above it.
  const viewport: Viewport = {
    rowCount: rows.length,
    rowHeight: CHANNEL_ROW_HEIGHT,
    scrollTop,
    height: size.height,
    bodyOffset: size.bodyOffset,
  };
  const rowWindow = computeWindow(viewport, OVERSCAN);
  const focusedIndex = focusedName === null ? -1 : rows.findIndex((entry) => entry.row.name === focusedName);
  // The body keeps one tab stop: the focused row, or the first rendered one when it is gone.
  const tabStopIndex =
    focusedIndex >= rowWindow.start && focusedIndex < rowWindow.end ? focusedIndex : rowWindow.start;

  // Coming back from a channel's drill-down: show the row that was focused.
  const restored = useRef(false);
  useLayoutEffect(() => {
    if (restored.current || size.height === 0 || rows.length === 0) return;
    restored.current = true;
    const container = scrollRef.current;
    if (!container || focusedIndex < 0) return;
    const top = scrollTopToReveal({ ...viewport, scrollTop: container.scrollTop }, focusedIndex);
    container.scrollTop = top;
    setScrollTop(top);
  });

  // Keyboard moves: focus the new row once it is rendered.
  useLayoutEffect(() => {
    if (!focusPending.current || focusedName === null) return;
    focusPending.current = false;
    const row = scrollRef.current?.querySelector<HTMLElement>(
      `tr[data-channel="${CSS.escape(focusedName)}"]`,
    );
    row?.focus({ preventScroll: true });
  });

  const onKeyDown = (event: KeyboardEvent<HTMLTableSectionElement>) => {
    const row = rowOf(event.target);
    if (!row || event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key === 'Enter') {
      event.preventDefault();
      navigate({ view: 'channel', name: row.dataset.channel as string });
      return;
    }
    if (!isNavigationKey(event.key)) return;
    event.preventDefault();
    const current = rows.findIndex((entry) => entry.row.name === row.dataset.channel);
    const next = nextRowIndex(current, event.key, rows.length, pageSize(viewport));
    const target = rows[next];
    const container = scrollRef.current;
    if (!target || !container) return;
    const top = scrollTopToReveal({ ...viewport, scrollTop: container.scrollTop }, next);
    container.scrollTop = top;
    setScrollTop(top);
    onFocusName(target.row.name);
    focusPending.current = true;
  };

  const onClick = (event: MouseEvent<HTMLTableSectionElement>) => {
    const row = rowOf(event.target);
    if (!row || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey)
      return;
    // The name's link navigates by itself; a drag that selected text is not a click on the row.
    if (event.target instanceof Element && event.target.closest('a')) return;
    if ((document.getSelection()?.toString() ?? '') !== '') return;
    navigate({ view: 'channel', name: row.dataset.channel as string });
  };

  const onFocus = (event: FocusEvent<HTMLTableSectionElement>) => {
    const row = rowOf(event.target);
    if (row?.dataset.channel !== undefined) onFocusName(row.dataset.channel);
  };

  const allBytesOut = model.totals.bytesOutPerSec;
  return (
    <>
      <div
        ref={scrollRef}
        className="channels-table-scroll"
        onScroll={(event) => setScrollTop(event.currentTarget.scrollTop)}
      >
        <table
          className="nodes-table channels-table"
          aria-rowcount={rows.length + 4}
          aria-describedby={hintId}
          aria-busy={model.provisional || undefined}
          style={{ '--row-height': `${CHANNEL_ROW_HEIGHT}px` } as CSSProperties}
        >
          <caption className="visually-hidden">Hottest channels</caption>
          <colgroup>
            {CHANNEL_COLUMNS.map((column) =>
              column.key === SPARKLINE_BEFORE ? (
                [
                  <col key="sparkline" className="column-sparkline" />,
                  <col key={column.key} className={`column-${column.key}`} />,
                ]
              ) : (
                <col key={column.key} className={`column-${column.key}`} />
              ),
            )}
          </colgroup>
          <thead ref={headRef}>
            <tr aria-rowindex={1}>
              {CHANNEL_COLUMNS.map((column) =>
                column.key === SPARKLINE_BEFORE ? (
                  [
                    <th
                      key="sparkline"
                      scope="col"
                      data-column="sparkline"
                      title="Publish + deliveries per second over the last minute"
                    >
                      <span className="visually-hidden">Publish + deliveries, </span>Last minute
                    </th>,
                    <SortHeader key={column.key} column={column} sort={sort} onSort={onSort} />,
                  ]
                ) : (
                  <SortHeader key={column.key} column={column} sort={sort} onSort={onSort} />
                ),
              )}
            </tr>
          </thead>
          <tbody onKeyDown={onKeyDown} onClick={onClick} onFocus={onFocus}>
            <SpacerRow height={rowWindow.paddingTop} columns={COLUMN_COUNT} />
            {rows.slice(rowWindow.start, rowWindow.end).map((entry, offset) => (
              <ChannelTableRow
                key={entry.row.name}
                entry={entry}
                rowIndex={rowWindow.start + offset + 2}
                tabStop={rowWindow.start + offset === tabStopIndex}
                recent={recentLine(entry.row, recent)}
                rule={rule}
              />
            ))}
            <SpacerRow height={rowWindow.paddingBottom} columns={COLUMN_COUNT} />
            {rows.length === 0 && (
              <tr className="empty-row">
                <td colSpan={COLUMN_COUNT}>{empty}</td>
              </tr>
            )}
          </tbody>
          <tfoot ref={footRef}>
            <TotalsRow
              kind="listed"
              label={`Listed channels (${formatCount(listedCount)})`}
              totals={model.listed}
              bytesOutOfAll={allBytesOut}
              title="The sum of the channels the console listed"
            />
            <TotalsRow
              kind="other"
              label="Other channels"
              totals={model.other}
              bytesOutOfAll={allBytesOut}
              title="Every channel not listed: the fleet's totals minus the listed ones"
            />
            <TotalsRow
              kind="all"
              label="All channels"
              totals={model.totals}
              bytesOutOfAll={allBytesOut}
              title="The fleet's channel totals, from every node's counters: listed + other"
            />
          </tfoot>
        </table>
      </div>
      <p id={hintId} className="visually-hidden">
        Arrow keys, Page Up, Page Down, Home and End move between rows; Enter opens the channel. Rising
        channels grew by {formatFactor(rule.threshold)} or more over the last minute.
      </p>
    </>
  );
}
