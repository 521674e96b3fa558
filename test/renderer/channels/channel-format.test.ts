import { describe, expect, it } from 'vitest';
import {
  channelCountText,
  errorNote,
  formatFactor,
  plural,
  risingDescription,
  risingLabel,
} from '../../../renderer/channels/channel-format.js';

describe('rising marker', () => {
  it('says rising and by how much, or nothing when the channel is not rising', () => {
    expect(risingLabel({ risingFactor: 3.24 })).toBe('rising ×3.2');
    expect(risingLabel({ risingFactor: 12.6 })).toBe('rising ×13');
    expect(risingLabel({ risingFactor: 2500 })).toBe('rising ×2.5k');
    expect(risingLabel({ risingFactor: null })).toBeNull();
    expect(formatFactor(3)).toBe('×3');
  });

  it('explains the factor and the threshold in the tooltip', () => {
    expect(risingDescription(4, { threshold: 3, floorPerSec: 2 })).toBe(
      'Publish + deliveries per second are ×4 what they were a minute ago (marked from ×3 and 6/s)',
    );
    expect(risingDescription(4, null)).not.toContain('marked from');
  });
});

describe('channelCountText', () => {
  it('says how many of the tracked channels are listed', () => {
    expect(channelCountText(500, 12_345, 12_345, '')).toBe('Hottest 500 of 12,345 tracked channels');
    expect(channelCountText(40, 40, 40, '')).toBe('40 tracked channels, hottest first');
    expect(channelCountText(1, 1, 1, '')).toBe('1 tracked channel, hottest first');
    expect(channelCountText(23, 23, 12_345, 'chat:*')).toBe(
      '23 of 23 channels matching “chat:*”, 12,345 tracked',
    );
    expect(channelCountText(500, 1_204, 12_345, 'chat')).toBe(
      '500 of 1,204 channels matching “chat”, 12,345 tracked',
    );
  });

  it('pluralizes', () => {
    expect(plural(1, 'node')).toBe('1 node');
    expect(plural(1_200, 'node')).toBe('1,200 nodes');
  });
});

describe('errorNote', () => {
  it('speaks of the sketches’ undercount only when it is material', () => {
    expect(errorNote({ errorPerSec: 0, publishPerSec: 10, deliveriesPerSec: 0 })).toBeNull();
    expect(errorNote({ errorPerSec: 0.4, publishPerSec: 10, deliveriesPerSec: 0 })).toBeNull();
    expect(errorNote({ errorPerSec: 2, publishPerSec: 10, deliveriesPerSec: 0 })).toBe(
      'Publish + deliveries may be missing up to 2/s (counted by the nodes’ top-K sketches from when they tracked it)',
    );
  });
});
