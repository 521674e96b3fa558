import {
  type FocusEvent,
  type KeyboardEvent,
  type MouseEvent,
  memo,
  useCallback,
  useId,
  useMemo,
  useRef,
  useState,
} from 'react';
import type { Alert, NodeView } from '../../main/common/models.js';
import { NODE_STATUSES } from '../../main/common/models.js';
import { formatCount } from '../format.js';
import { routeHref } from '../router.js';
import {
  alertsByNode,
  busiestOf,
  cellLabel,
  columnsOfTemplate,
  loadLevel,
  type NodeAlerts,
  nextCellIndex,
  nodeFigures,
} from './node-map-model.js';
import './node-map.css';

/** Where the readout of a hovered or focused cell sits, relative to the map's area. */
interface Readout {
  readonly nodeId: string;
  /** The cell's horizontal centre and bottom edge, px. */
  readonly x: number;
  readonly y: number;
  /** Open towards the left: the cell is near the area's right edge. */
  readonly flip: boolean;
}

/** Wide enough for "Bandwidth 12 MB/s in · 2.1 GB/s out"; the readout flips left within this of the edge. */
const READOUT_WIDTH = 290;

const NodeCell = memo(function NodeCell({
  node,
  load,
  alerts,
  tabbable,
  describedBy,
}: {
  readonly node: NodeView;
  readonly load: number;
  readonly alerts: NodeAlerts | undefined;
  readonly tabbable: boolean;
  readonly describedBy: string | undefined;
}) {
  return (
    <li>
      <a
        className="node-cell"
        href={routeHref({ view: 'node', nodeId: node.id })}
        tabIndex={tabbable ? 0 : -1}
        aria-describedby={describedBy}
        data-node-cell={node.id}
        data-status={node.status}
        data-load={load}
        data-alert={alerts?.severity}
        // The agent's send time of the sample shown; the console bench measures latency from it.
        data-sample-at={node.lastSampleAt ?? undefined}
      >
        <span className="visually-hidden">{cellLabel(node, alerts)}</span>
      </a>
    </li>
  );
});

function NodeReadout({
  id,
  node,
  alerts,
  readout,
}: {
  readonly id: string;
  readonly node: NodeView;
  readonly alerts: NodeAlerts | undefined;
  readonly readout: Readout;
}) {
  const style = readout.flip
    ? { right: `calc(100% - ${readout.x + 8}px)`, top: readout.y + 6 }
    : { left: Math.max(0, readout.x - 8), top: readout.y + 6 };
  return (
    <div className="node-map-readout" role="tooltip" id={id} style={style} data-readout={node.id}>
      <p className="node-map-readout-title">
        <strong>{node.id}</strong>
        <span className="node-map-readout-status" data-status={node.status}>
          <span className="status-dot" aria-hidden="true" />
          {node.status}
        </span>
      </p>
      {node.problem !== null && <p className="node-map-readout-problem">{node.problem}</p>}
      <dl>
        {nodeFigures(node).map(([label, value]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      {alerts && (
        <ul className="node-map-readout-alerts">
          {alerts.alerts.map((alert) => (
            <li key={alert.id} data-severity={alert.severity}>
              <span className="node-map-alert-dot" aria-hidden="true" />
              {alert.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function readoutFor(cell: HTMLElement, area: HTMLElement): Readout {
  const x = cell.offsetLeft + cell.offsetWidth / 2;
  return {
    nodeId: cell.dataset.nodeCell ?? '',
    x,
    y: cell.offsetTop + cell.offsetHeight,
    flip: x + READOUT_WIDTH > area.clientWidth,
  };
}

function cellOf(target: EventTarget | null): HTMLElement | null {
  return target instanceof Element ? target.closest<HTMLElement>('[data-node-cell]') : null;
}

/**
 * One 12 px square per node, coloured by state and, for active nodes, shaded by load; a dot
 * marks a node with an active alert. A thousand nodes fit in a dozen rows at 1280 px. Hover or
 * focus shows the node's figures; a click or Enter opens its detail. The grid is one tab stop:
 * arrow keys move across it, Home and End jump to the first and last node.
 */
export const NodeMap = memo(function NodeMap({
  nodes,
  alerts,
}: {
  readonly nodes: readonly NodeView[];
  readonly alerts: readonly Alert[];
}) {
  const areaRef = useRef<HTMLDivElement>(null);
  const gridRef = useRef<HTMLUListElement>(null);
  const readoutId = useId();
  const hintId = useId();
  const [activeId, setActiveId] = useState<string | null>(null);
  const [hovered, setHovered] = useState<Readout | null>(null);
  const [focused, setFocused] = useState<Readout | null>(null);

  const byNode = useMemo(() => alertsByNode(alerts), [alerts]);
  const busiest = busiestOf(nodes);
  // The roving tab stop: the last focused cell while its node exists, else the first.
  const tabbableId =
    activeId !== null && nodes.some((node) => node.id === activeId) ? activeId : nodes[0]?.id;
  const shown = hovered ?? focused;
  const shownNode = shown ? nodes.find((node) => node.id === shown.nodeId) : undefined;

  const onMouseOver = useCallback((event: MouseEvent) => {
    const cell = cellOf(event.target);
    const area = areaRef.current;
    if (cell && area)
      setHovered((current) => (current?.nodeId === cell.dataset.nodeCell ? current : readoutFor(cell, area)));
  }, []);
  const onMouseLeave = useCallback(() => setHovered(null), []);
  const onFocus = useCallback((event: FocusEvent) => {
    const cell = cellOf(event.target);
    const area = areaRef.current;
    if (!cell || !area) return;
    setActiveId(cell.dataset.nodeCell ?? null);
    setFocused(readoutFor(cell, area));
  }, []);
  const onBlur = useCallback((event: FocusEvent) => {
    if (!gridRef.current?.contains(event.relatedTarget as Node | null)) setFocused(null);
  }, []);
  const onKeyDown = useCallback(
    (event: KeyboardEvent) => {
      const grid = gridRef.current;
      const cell = cellOf(event.target);
      if (!grid || !cell) return;
      if (event.key === 'Escape') {
        setFocused(null);
        setHovered(null);
        return;
      }
      const index = nodes.findIndex((node) => node.id === cell.dataset.nodeCell);
      const columns = columnsOfTemplate(getComputedStyle(grid).gridTemplateColumns);
      const next = nextCellIndex(index, event.key, nodes.length, columns);
      if (next === null) return;
      event.preventDefault();
      grid.querySelectorAll<HTMLElement>('[data-node-cell]')[next]?.focus();
    },
    [nodes],
  );

  let alerting = 0;
  for (const node of nodes) if (byNode.has(node.id)) alerting++;

  return (
    <section className="node-map panel" aria-labelledby="node-map-heading">
      <div className="node-map-header">
        <h2 id="node-map-heading">Node map</h2>
        <span className="node-map-count" data-node-map-count>
          {formatCount(nodes.length)} node{nodes.length === 1 ? '' : 's'}
          {alerting > 0 && ` · ${formatCount(alerting)} with alerts`}
        </span>
      </div>
      <ul className="node-map-legend" aria-label="Legend">
        {NODE_STATUSES.map((status) => (
          <li key={status}>
            <span className="node-cell" data-status={status} data-load={2} aria-hidden="true" />
            {status}
          </li>
        ))}
        <li>darker green: more connections</li>
        <li>
          <span className="node-map-alert-dot" aria-hidden="true" />
          active alert
        </li>
      </ul>
      <p id={hintId} className="visually-hidden">
        Arrow keys move between nodes, Enter opens one.
      </p>
      <div className="node-map-area" ref={areaRef}>
        {/* Event delegation: one set of listeners for every cell. */}
        <ul
          ref={gridRef}
          className="node-map-grid"
          aria-label={`${nodes.length} nodes`}
          aria-describedby={hintId}
          onMouseOver={onMouseOver}
          onMouseLeave={onMouseLeave}
          onFocus={onFocus}
          onBlur={onBlur}
          onKeyDown={onKeyDown}
        >
          {nodes.map((node) => (
            <NodeCell
              key={node.id}
              node={node}
              load={loadLevel(node, busiest)}
              alerts={byNode.get(node.id)}
              tabbable={node.id === tabbableId}
              describedBy={focused?.nodeId === node.id && shownNode ? readoutId : undefined}
            />
          ))}
        </ul>
        {shown && shownNode && (
          <NodeReadout id={readoutId} node={shownNode} alerts={byNode.get(shownNode.id)} readout={shown} />
        )}
      </div>
    </section>
  );
});
