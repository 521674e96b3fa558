/**
 * Hot channels of one fleet: the fleet-wide merge of every node's top-K and totals, bounded
 * history for the hottest channels, and the broker seen directly.
 *
 * STUB: the channels helper implements this module (and the merge it wires).
 */
import type { SampleFrame } from '../../../agent/protocol.js';
import type { ConsoleHandlers } from '../../common/console-api.js';
import type { FleetConfig } from '../fleet-file.js';
import type { FleetStore } from '../fleet-store.js';
import { parseBrokerArgs, parseChannelArgs, parseChannelsArgs } from './channel-args.js';

export type ChannelRequestName = 'getChannels' | 'getChannel' | 'getBroker';

/** The hot-channels part of one fleet's console service. */
export interface Channels {
  readonly handlers: Pick<ConsoleHandlers, ChannelRequestName>;
  /** A node's sample arrived (called by the service for every sample, before the store's). */
  sample(nodeId: string, frame: SampleFrame): void;
  /** A node's link went down or the node was removed: its channels leave the merge. */
  forget(nodeId: string): void;
  /** Once per tick, after the store's tick: merge, rank, history. */
  tick(time: number): void;
  dispose(): void;
}

const notYet = (): Promise<never> => Promise.reject(new Error('hot channels are not implemented yet'));

export function createChannels(_fleet: FleetConfig, _store: FleetStore): Channels {
  return {
    handlers: {
      getChannels: async (...args) => {
        parseChannelsArgs(args);
        return notYet();
      },
      getChannel: async (...args) => {
        parseChannelArgs(args);
        return notYet();
      },
      getBroker: async (...args) => {
        parseBrokerArgs(args);
        return notYet();
      },
    },
    sample() {},
    forget() {},
    tick() {},
    dispose() {},
  };
}
