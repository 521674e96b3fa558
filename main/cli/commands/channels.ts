/**
 * `fleetdeck channels --fleet FILE [--top N] [--filter GLOB] [--sort KEY] [--wait-ms N] [--now] [--json]`
 *
 * The fleet's hottest channels, merged over every node: publish and delivery rates, fan-out,
 * subscribers, bytes, share of outbound bytes, and the "other" remainder that makes the rows add
 * up to the fleet's totals. It links to the nodes, waits `--wait-ms` (default 5000) for samples,
 * and reports rates averaged over that wait, so a longer wait gives steadier figures. Averages
 * come from the history the console keeps for the hottest 200 channels; `--now` lists every
 * channel the nodes listed instead, with the rates of the latest second.
 * Exit 0; 3 when a node is not reachable or none reported channel figures (the rows still print).
 */
import { integerArg, type ParsedArgs } from '../../../fleet/args.js';
import {
  CHANNEL_SORT_KEYS,
  type ChannelRow,
  type ChannelSortKey,
  type ChannelsSnapshot,
  type ChannelTotals,
  MAX_CHANNEL_WINDOW_S,
} from '../../common/models.js';
import { MAX_CHANNEL_ROWS } from '../../core/channels/channel-args.js';
import { createConsoleService } from '../../core/console-service.js';
import { loadFleetFile } from '../../core/fleet-file.js';
import { HISTORY_RESOLUTION_MS } from '../../core/history.js';
import { EXIT, requireFleet } from '../operate.js';

/** Flags of `channels`. */
export const CHANNELS_FLAGS = {
  valued: ['fleet', 'top', 'filter', 'sort', 'wait-ms'],
  switches: ['json', 'now'],
} as const;

/** Its lines of the usage text. */
export const CHANNELS_USAGE = `  fleetdeck channels --fleet FILE [--top 20] [--filter TEXT|GLOB] [--sort KEY] [--wait-ms 5000] [--now] [--json]
                                                        the hottest channels over the fleet, rates averaged
                                                        over the wait (--now: the latest second, every
                                                        channel); --filter: a substring, or a glob (chat:*);
                                                        --sort: ${CHANNEL_SORT_KEYS.join('|')}`;

/** The stable JSON of `channels --json`. */
export interface ChannelsJson {
  time: number;
  /** Seconds the rates are averaged over. */
  windowS: number;
  nodes: number;
  nodesReporting: number;
  matchedChannels: number;
  channels: Array<Omit<ChannelRow, 'recent'>>;
  other: ChannelTotals;
  totals: ChannelTotals;
}

const round = (value: number, digits = 3) => Math.round(value * 10 ** digits) / 10 ** digits;

function roundTotals(totals: ChannelTotals): ChannelTotals {
  return {
    publishPerSec: round(totals.publishPerSec),
    deliveriesPerSec: round(totals.deliveriesPerSec),
    bytesInPerSec: round(totals.bytesInPerSec),
    bytesOutPerSec: round(totals.bytesOutPerSec),
  };
}

/** The snapshot as `--json` prints it: every row's figures, rounded to 3 decimals, without sparkline points. */
export function channelsJson(snapshot: ChannelsSnapshot, nodes: number): ChannelsJson {
  return {
    time: snapshot.time,
    windowS: snapshot.windowS,
    nodes,
    nodesReporting: snapshot.nodesReporting,
    matchedChannels: snapshot.matchedChannels,
    channels: snapshot.channels.map(({ recent: _recent, ...row }) => ({
      ...row,
      publishPerSec: round(row.publishPerSec),
      deliveriesPerSec: round(row.deliveriesPerSec),
      bytesInPerSec: round(row.bytesInPerSec),
      bytesOutPerSec: round(row.bytesOutPerSec),
      fanOut: row.fanOut === null ? null : round(row.fanOut),
      shareOfBytesOut: round(row.shareOfBytesOut, 4),
      risingFactor: row.risingFactor === null ? null : round(row.risingFactor, 2),
      errorPerSec: round(row.errorPerSec),
    })),
    other: roundTotals(snapshot.other),
    totals: roundTotals(snapshot.totals),
  };
}

const number = (value: number) =>
  value >= 100 ? String(Math.round(value)) : value >= 10 ? value.toFixed(1) : value.toFixed(2);

/** The snapshot as a table, with the remainder and the totals as its last lines. */
export function channelsTable(snapshot: ChannelsSnapshot): string {
  const header = [
    'CHANNEL',
    'PUB/S',
    'DELIV/S',
    'FAN-OUT',
    'SUBS',
    'NODES',
    'IN B/S',
    'OUT B/S',
    'OUT %',
    'RISING',
  ];
  const line = (name: string, figures: ChannelTotals, rest: string[]) => [
    name,
    number(figures.publishPerSec),
    number(figures.deliveriesPerSec),
    ...rest.slice(0, 3),
    number(figures.bytesInPerSec),
    number(figures.bytesOutPerSec),
    ...rest.slice(3),
  ];
  const cells = snapshot.channels.map((row) =>
    line(row.name, row, [
      row.fanOut === null ? '-' : number(row.fanOut),
      String(row.subscribers),
      String(row.nodes),
      `${(row.shareOfBytesOut * 100).toFixed(1)}`,
      row.risingFactor === null ? '' : `×${row.risingFactor.toFixed(1)}`,
    ]),
  );
  cells.push(line('(other channels)', snapshot.other, ['', '', '', '', '']));
  cells.push(line('(fleet total)', snapshot.totals, ['', '', '', '', '']));
  const widths = header.map((title, column) =>
    Math.max(title.length, ...cells.map((row) => (row[column] ?? '').length)),
  );
  const rows = [header, ...cells].map((row) =>
    row
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0),
      )
      .join('  ')
      .trimEnd(),
  );
  const summary =
    `${snapshot.channels.length} of ${snapshot.matchedChannels} channels, rates averaged over ${snapshot.windowS} s, ` +
    `${snapshot.nodesReporting} nodes reporting; rising: ×${snapshot.risingThreshold} over a minute`;
  return [summary, ...rows].join('\n');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `fleetdeck channels`. */
export async function channelsCommand(args: ParsedArgs, usage: (message: string) => Error): Promise<number> {
  const fleetFile = requireFleet(args, usage);
  const top = integerArg(args, 'top', 20, 1, MAX_CHANNEL_ROWS);
  const waitMs = integerArg(args, 'wait-ms', 5_000, 0, MAX_CHANNEL_WINDOW_S * 1000);
  const sort = args.values.get('sort') ?? 'activity';
  if (!(CHANNEL_SORT_KEYS as readonly string[]).includes(sort)) {
    throw usage(`--sort must be one of ${CHANNEL_SORT_KEYS.join(', ')}`);
  }
  const filter = args.values.get('filter');
  const fleet = await loadFleetFile(fleetFile);
  const service = createConsoleService({ fleet, source: 'cli' });
  try {
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      service.discovered(),
      new Promise((resolve) => (timer = setTimeout(resolve, waitMs))),
    ]);
    clearTimeout(timer);
    // Rates need two samples per node and a tick: wait the whole time, then average over it.
    await sleep(Math.max(0, waitMs - (Date.now() - started)));
    const windowS = args.switches.has('now')
      ? 1
      : Math.max(1, Math.min(MAX_CHANNEL_WINDOW_S, Math.floor(waitMs / HISTORY_RESOLUTION_MS)));
    const snapshot = await service.handlers.getChannels({
      top,
      sort: sort as ChannelSortKey,
      windowS,
      ...(filter !== undefined ? { filter } : {}),
    });
    const nodes = service.store.snapshot().nodes;
    const discoveryProblem = service.discoveryProblem();
    if (discoveryProblem !== null) console.error(`fleetdeck: ${discoveryProblem}`);
    for (const node of nodes) {
      if (node.status === 'unreachable' || node.status === 'connecting') {
        console.error(`fleetdeck: ${node.id} is not reachable${node.problem ? `: ${node.problem}` : ''}`);
      }
    }
    if (snapshot.nodesReporting === 0) {
      console.error(
        `fleetdeck: no node reported channel figures within ${waitMs} ms (try a longer --wait-ms)`,
      );
    }
    console.log(
      args.switches.has('json')
        ? JSON.stringify(channelsJson(snapshot, nodes.length), null, 2)
        : channelsTable(snapshot),
    );
    const allReachable = nodes.every((node) => node.status !== 'unreachable' && node.status !== 'connecting');
    return allReachable && snapshot.nodesReporting > 0 ? EXIT.ok : EXIT.unreachable;
  } finally {
    await service.dispose();
  }
}
