/** The renderer's result guards accept what the channels module answers, and refuse what it never would. */
import { describe, expect, it } from 'vitest';
import { createChannels } from '../../../../main/core/channels/index.js';
import { FleetStore } from '../../../../main/core/fleet-store.js';
import { isBrokerView, isChannelDetail, isChannelsSnapshot } from '../../../../renderer/api/web-messages.js';
import { entry, FakeNode } from './channel-frames.js';

describe('web-mode result guards', () => {
  it('accept real answers, after a JSON round trip as web mode sends them', async () => {
    const channels = createChannels({ name: 'f', nodes: [] }, new FleetStore('f', []));
    const node = new FakeNode(0, 1000);
    channels.sample('n1', node.next([]));
    for (let second = 1; second <= 3; second++) {
      channels.sample('n1', node.next([entry('a', { published: 5, delivered: 10, subscribers: 2 })]));
      channels.tick(second * 1000);
    }
    const roundTrip = <T>(value: T): unknown => JSON.parse(JSON.stringify(value));
    const snapshot = roundTrip(await channels.handlers.getChannels({ windowS: 3 }));
    expect(isChannelsSnapshot(snapshot)).toBe(true);
    expect(isChannelDetail(roundTrip(await channels.handlers.getChannel('a')))).toBe(true);
    expect(isChannelDetail(roundTrip(await channels.handlers.getChannel('none')))).toBe(true);
    expect(isBrokerView(roundTrip(await channels.handlers.getBroker()))).toBe(true);
    // A row without its sparkline points, or a snapshot without its window, is refused.
    const broken = snapshot as { channels: Array<Record<string, unknown>>; windowS?: unknown };
    (broken.channels[0] as Record<string, unknown>).recent = 'x';
    expect(isChannelsSnapshot(broken)).toBe(false);
    channels.dispose();
  });
});
