import { describe, expect, it } from 'vitest';
import { DEFAULT_CHANNEL_SORT } from '../../../renderer/channels/channel-columns.js';
import {
  channelsTableModel,
  sumChannelRows,
  ZERO_TOTALS,
} from '../../../renderer/channels/channels-model.js';
import { channel, names, snapshot, totals } from './rows.js';

const rows = [
  channel('chat:lobby', {
    publishPerSec: 10,
    deliveriesPerSec: 900,
    bytesInPerSec: 1_000,
    bytesOutPerSec: 90_000,
  }),
  channel('news:1', { publishPerSec: 5, deliveriesPerSec: 50, bytesInPerSec: 500, bytesOutPerSec: 5_000 }),
  channel('chat:room-1', {
    publishPerSec: 2,
    deliveriesPerSec: 20,
    bytesInPerSec: 200,
    bytesOutPerSec: 2_000,
  }),
];
const all = totals(20, 1_000, 2_000, 100_000);

describe('sumChannelRows', () => {
  it('sums each figure, and nothing is zero', () => {
    expect(sumChannelRows(rows)).toEqual(totals(17, 970, 1_700, 97_000));
    expect(sumChannelRows([])).toEqual(ZERO_TOTALS);
  });
});

describe('channelsTableModel', () => {
  it('shows the console’s answer as ranked, and listed + other = all', () => {
    const model = channelsTableModel(snapshot(rows, all), '', '', DEFAULT_CHANNEL_SORT);
    expect(model.provisional).toBe(false);
    expect(names(model.rows)).toEqual(['chat:lobby', 'news:1', 'chat:room-1']);
    expect(model.rows.map((entry) => entry.rank)).toEqual([1, 2, 3]);
    expect(model.listed).toEqual(totals(17, 970, 1_700, 97_000));
    expect(model.other).toEqual(totals(3, 30, 300, 3_000));
    expect(sumChannelRows([channel('listed', model.listed), channel('other', model.other)])).toEqual(
      model.totals,
    );
  });

  it('narrows the held rows at once while the console has not answered the typed filter', () => {
    const model = channelsTableModel(snapshot(rows, all), '', ' chat:* ', DEFAULT_CHANNEL_SORT);
    expect(model.provisional).toBe(true);
    expect(names(model.rows)).toEqual(['chat:lobby', 'chat:room-1']);
    // Ranks are positions in what is shown, as the console's filtered answer will have them.
    expect(model.rows.map((entry) => entry.rank)).toEqual([1, 2]);
    // The lines under the rows stay the console's, so they still add up.
    expect(model.listed).toEqual(sumChannelRows(rows));
  });

  it('takes the answer as is once it answers the typed filter (spaces aside)', () => {
    const answer = snapshot(
      [rows[0], rows[2]].filter((row) => row !== undefined),
      all,
    );
    const model = channelsTableModel(answer, 'chat:*', 'chat:* ', {
      column: 'publish',
      direction: 'ascending',
    });
    expect(model.provisional).toBe(false);
    expect(names(model.rows)).toEqual(['chat:room-1', 'chat:lobby']);
  });
});
