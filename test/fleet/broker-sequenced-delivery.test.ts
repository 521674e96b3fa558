/** SequencedDelivery on its own, against a scripted channel log. */
import { afterEach, describe, expect, it } from 'vitest';
import type { BrokerMessage } from '../../fleet/broker/broker.js';
import type { ChannelLog, SequencedMessage } from '../../fleet/broker/broker-message.js';
import {
  type DeliveryGap,
  SequencedDelivery,
  type SequencedDeliveryOptions,
} from '../../fleet/broker/sequenced-delivery.js';
import { sleep, waitFor } from '../helpers/wait.js';

function message(seq: number, epoch = 'e1', channel = 'c'): SequencedMessage {
  return { channel, seq, epoch, data: `${epoch}:${seq}`, publishedAt: 1, origin: 'n' };
}

/** A broker's log: what it holds per channel (its current epoch's messages, oldest first). */
class FakeLog {
  readonly held = new Map<string, { epoch: string; latestSeq: number; messages: SequencedMessage[] }>();
  reads: Array<[string, number]> = [];
  /** When set, reads wait for it: a test resolves it to decide when the history answers. */
  gate: Promise<void> | null = null;
  failures = 0;

  /** The channel holds seqs `from`..`to` of `epoch` (older ones trimmed). */
  hold(from: number, to: number, epoch = 'e1', channel = 'c'): void {
    const messages = Array.from({ length: to - from + 1 }, (_, index) =>
      message(from + index, epoch, channel),
    );
    this.held.set(channel, { epoch, latestSeq: to, messages });
  }

  readonly readLog = async (channel: string, afterSeq: number): Promise<ChannelLog> => {
    this.reads.push([channel, afterSeq]);
    if (this.gate) await this.gate;
    if (this.failures > 0) {
      this.failures--;
      throw new Error('broker unreachable');
    }
    const entry = this.held.get(channel);
    if (!entry) return { epoch: null, latestSeq: 0, messages: [] };
    const after = afterSeq > entry.latestSeq ? 0 : afterSeq;
    return {
      epoch: entry.epoch,
      latestSeq: entry.latestSeq,
      messages: entry.messages.filter((held) => held.seq > after),
    };
  };
}

const deliveries: SequencedDelivery[] = [];
afterEach(() => {
  for (const delivery of deliveries.splice(0)) delivery.dispose();
});

function setup(log: FakeLog, options: Partial<SequencedDeliveryOptions> = {}) {
  const delivered: BrokerMessage[] = [];
  const gaps: DeliveryGap[] = [];
  const errors: unknown[] = [];
  const delivery = new SequencedDelivery({
    readLog: log.readLog,
    deliver: (item) => delivered.push(item),
    onGap: (gap) => gaps.push(gap),
    onError: (error) => errors.push(error),
    retryDelaysMs: [1, 1],
    ...options,
  });
  deliveries.push(delivery);
  delivery.track('c');
  const seqs = () => delivered.map((item) => item.seq);
  return { delivery, delivered, gaps, errors, seqs };
}

describe('SequencedDelivery', () => {
  it('takes the first message as the baseline, without backfill', async () => {
    const log = new FakeLog();
    log.hold(1, 5);
    const { delivery, delivered, seqs } = setup(log);
    delivery.accept(message(5));
    delivery.accept(message(6));
    expect(seqs()).toEqual([5, 6]);
    expect(log.reads).toEqual([]);
    // Listeners get the contract's shape: no epoch.
    expect(delivered[0]).toEqual({ channel: 'c', seq: 5, data: 'e1:5', publishedAt: 1, origin: 'n' });
  });

  it('delivers in order and drops duplicates', () => {
    const { delivery, seqs } = setup(new FakeLog());
    for (const seq of [1, 2, 2, 3, 1, 3, 4]) delivery.accept(message(seq));
    expect(seqs()).toEqual([1, 2, 3, 4]);
    expect(delivery.stats()).toMatchObject({ delivered: 4, duplicates: 3 });
  });

  it('fills a gap from history, buffering later arrivals meanwhile', async () => {
    const log = new FakeLog();
    const { delivery, gaps, seqs } = setup(log);
    delivery.accept(message(1));
    log.hold(1, 5);
    let open = () => {};
    log.gate = new Promise((resolve) => (open = resolve));
    delivery.accept(message(4)); // 2 and 3 were missed
    delivery.accept(message(5));
    delivery.accept(message(6));
    expect(seqs()).toEqual([1]);
    open();
    await waitFor(() => seqs().length === 6, 'the filled gap');
    expect(seqs()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(log.reads).toEqual([['c', 1]]);
    expect(gaps).toEqual([]);
    // 2–5 came from history; the live 4 and 5 were then duplicates.
    expect(delivery.stats()).toMatchObject({ recovered: 4, duplicates: 2, lost: 0 });
  });

  it('delivers what an insufficient history holds and reports the rest', async () => {
    const log = new FakeLog();
    const { delivery, gaps, seqs } = setup(log);
    delivery.accept(message(1));
    log.hold(5, 8); // 2–4 were trimmed
    delivery.accept(message(8));
    await waitFor(() => seqs().length === 5, 'what the history holds');
    expect(seqs()).toEqual([1, 5, 6, 7, 8]);
    expect(gaps).toEqual([
      { reason: 'history-insufficient', channel: 'c', epoch: 'e1', fromSeq: 2, toSeq: 4 },
    ]);
    expect(delivery.stats().lost).toBe(3);
  });

  it('moves on when the history does not reach the message that opened the gap', async () => {
    const log = new FakeLog();
    const { delivery, gaps, seqs } = setup(log);
    delivery.accept(message(1));
    log.hold(1, 2); // a log that lags behind the live feed
    delivery.accept(message(5));
    await waitFor(() => seqs().length === 3, 'the message after the gap');
    expect(seqs()).toEqual([1, 2, 5]);
    expect(gaps).toEqual([
      { reason: 'history-insufficient', channel: 'c', epoch: 'e1', fromSeq: 3, toSeq: 4 },
    ]);
    expect(log.reads).toHaveLength(1);
  });

  it('retries an unreachable history, then reports the gap as unavailable and moves on', async () => {
    const log = new FakeLog();
    log.hold(1, 4);
    log.failures = 10;
    const { delivery, gaps, seqs } = setup(log, { retryDelaysMs: [1, 1] });
    delivery.accept(message(1));
    delivery.accept(message(4));
    await waitFor(() => seqs().length === 2, 'the message after the gap');
    expect(seqs()).toEqual([1, 4]);
    expect(log.reads).toHaveLength(3);
    expect(gaps).toEqual([
      { reason: 'history-unavailable', channel: 'c', epoch: 'e1', fromSeq: 2, toSeq: 3 },
    ]);
  });

  it('fills the gap when the history answers during the retries', async () => {
    const log = new FakeLog();
    log.hold(1, 4);
    log.failures = 2;
    const { delivery, gaps, seqs } = setup(log, { retryDelaysMs: [1, 1, 1] });
    delivery.accept(message(1));
    delivery.accept(message(4));
    await waitFor(() => seqs().length === 4, 'the filled gap');
    expect(seqs()).toEqual([1, 2, 3, 4]);
    expect(gaps).toEqual([]);
  });

  it('treats seq 1 of a new epoch as a broker reset: reported, then delivered', () => {
    const { delivery, delivered, gaps } = setup(new FakeLog());
    delivery.accept(message(1));
    delivery.accept(message(2));
    delivery.accept(message(1, 'e2'));
    delivery.accept(message(2, 'e2'));
    expect(delivered.map((item) => item.data)).toEqual(['e1:1', 'e1:2', 'e2:1', 'e2:2']);
    expect(gaps).toEqual([
      { reason: 'broker-reset', channel: 'c', previousEpoch: 'e1', lastSeq: 2, epoch: 'e2' },
    ]);
    expect(delivery.stats()).toMatchObject({ resets: 1, duplicates: 0 });
  });

  it('backfills a new epoch from its start when its first arrival is past seq 1', async () => {
    const log = new FakeLog();
    const { delivery, delivered } = setup(log);
    for (const seq of [1, 2, 3, 4, 5, 6]) delivery.accept(message(seq));
    log.hold(1, 3, 'e2'); // restarted; three messages published before the subscription came back
    delivery.accept(message(3, 'e2'));
    await waitFor(() => delivered.length === 9, 'the new epoch');
    expect(delivered.slice(6).map((item) => item.data)).toEqual(['e2:1', 'e2:2', 'e2:3']);
    expect(log.reads).toEqual([['c', 0]]);
  });

  it('drops a straggler from a retired epoch instead of resetting back to it', () => {
    const { delivery, delivered } = setup(new FakeLog());
    delivery.accept(message(7));
    delivery.accept(message(1, 'e2'));
    delivery.accept(message(8)); // e1, late
    delivery.accept(message(2, 'e2'));
    expect(delivered.map((item) => item.data)).toEqual(['e1:7', 'e2:1', 'e2:2']);
    expect(delivery.stats()).toMatchObject({ resets: 1, dropped: 1 });
  });

  it('catchUp reads what a quiet channel missed, and notices a reset', async () => {
    const log = new FakeLog();
    const { delivery, gaps, seqs, delivered } = setup(log);
    delivery.accept(message(1));
    log.hold(1, 3);
    delivery.catchUp();
    await waitFor(() => seqs().length === 3, 'the missed messages');
    expect(seqs()).toEqual([1, 2, 3]);

    log.held.clear(); // the broker lost everything, and nothing was published since
    delivery.catchUp();
    await waitFor(() => gaps.length === 1, 'the reset');
    expect(gaps[0]).toEqual({
      reason: 'broker-reset',
      channel: 'c',
      previousEpoch: 'e1',
      lastSeq: 3,
      epoch: null,
    });
    delivery.accept(message(1, 'e2'));
    expect(delivered.at(-1)?.data).toBe('e2:1');
    expect(gaps).toHaveLength(1);
  });

  it('ignores untracked channels, and untrack forgets the position', () => {
    const { delivery, seqs } = setup(new FakeLog());
    delivery.accept(message(1, 'e1', 'other'));
    delivery.accept(message(3));
    delivery.untrack('c');
    delivery.accept(message(4));
    delivery.track('c');
    delivery.accept(message(9));
    expect(seqs()).toEqual([3, 9]);
  });

  it('bounds the buffer: an overflow becomes a gap read again later', async () => {
    const log = new FakeLog();
    const { delivery, seqs } = setup(log, { maxBuffered: 2 });
    delivery.accept(message(1));
    let open = () => {};
    log.gate = new Promise((resolve) => (open = resolve));
    log.hold(1, 3);
    delivery.accept(message(3)); // opens the gap, waits at the head of the buffer
    delivery.accept(message(4));
    delivery.accept(message(5)); // dropped: the buffer is full
    open();
    await waitFor(() => seqs().length === 4, 'the buffer');
    expect(seqs()).toEqual([1, 2, 3, 4]);
    log.hold(1, 6);
    delivery.accept(message(6)); // shows the hole where 5 was dropped
    await waitFor(() => seqs().length === 6, 'the refilled gap');
    expect(seqs()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(delivery.stats().dropped).toBe(1);
  });

  it('hands a throwing deliver to onError and carries on', () => {
    const errors: unknown[] = [];
    const seen: number[] = [];
    const delivery = new SequencedDelivery({
      readLog: new FakeLog().readLog,
      deliver: (item) => {
        seen.push(item.seq);
        if (item.seq === 1) throw new Error('listener bug');
      },
      onError: (error) => errors.push(error),
    });
    deliveries.push(delivery);
    delivery.track('c');
    delivery.accept(message(1));
    delivery.accept(message(2));
    expect(seen).toEqual([1, 2]);
    expect(errors).toHaveLength(1);
  });

  it('dispose cancels pending retries and ignores late reads', async () => {
    const log = new FakeLog();
    log.failures = 100;
    const { delivery, seqs } = setup(log, { retryDelaysMs: [20, 20, 20] });
    delivery.accept(message(1));
    delivery.accept(message(3));
    await waitFor(() => log.reads.length === 1, 'the first read');
    delivery.dispose();
    await sleep(80);
    expect(log.reads).toHaveLength(1);
    expect(seqs()).toEqual([1]);
    delivery.accept(message(2));
    expect(seqs()).toEqual([1]);
  });
});
