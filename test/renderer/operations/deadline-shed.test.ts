import { describe, expect, it } from 'vitest';
import {
  DEADLINE_LIMITS_MS,
  DEADLINE_PRESETS,
  DEFAULT_DEADLINE_MS,
  deadlineText,
  parseDeadline,
} from '../../../renderer/operations/deadline.js';
import {
  describeShedAmount,
  parseShedAmount,
  shedConnections,
} from '../../../renderer/operations/shed-amount.js';

describe('parseDeadline', () => {
  it('reads plain numbers as seconds', () => {
    expect(parseDeadline('30')).toEqual({ ok: true, ms: 30_000 });
    expect(parseDeadline(' 1.5 ')).toEqual({ ok: true, ms: 1_500 });
  });

  it('reads units', () => {
    expect(parseDeadline('90 s')).toEqual({ ok: true, ms: 90_000 });
    expect(parseDeadline('2 min')).toEqual({ ok: true, ms: 120_000 });
    expect(parseDeadline('2m')).toEqual({ ok: true, ms: 120_000 });
    expect(parseDeadline('1500 ms')).toEqual({ ok: true, ms: 1_500 });
    expect(parseDeadline('1h')).toEqual({ ok: true, ms: 3_600_000 });
    expect(parseDeadline('10 SEC')).toEqual({ ok: true, ms: 10_000 });
  });

  it('refuses what is not a duration, with a sentence', () => {
    for (const text of ['', 'soon', '-5', '5 days', '1e3', '3 s 2']) {
      const result = parseDeadline(text);
      expect(result.ok, text).toBe(false);
      if (!result.ok) expect(result.message).toMatch(/seconds/);
    }
  });

  it('keeps to the console’s bounds', () => {
    expect(parseDeadline('0.5')).toEqual({ ok: false, message: 'The deadline must be from 1 s to 60 min.' });
    expect(parseDeadline('999 ms').ok).toBe(false);
    expect(parseDeadline('1 s')).toEqual({ ok: true, ms: DEADLINE_LIMITS_MS.min });
    expect(parseDeadline('60 min')).toEqual({ ok: true, ms: DEADLINE_LIMITS_MS.max });
    expect(parseDeadline('61 min').ok).toBe(false);
  });

  it('round-trips the presets and the default through the input text', () => {
    for (const preset of [...DEADLINE_PRESETS.map((entry) => entry.ms), DEFAULT_DEADLINE_MS, 1_500]) {
      expect(parseDeadline(deadlineText(preset))).toEqual({ ok: true, ms: preset });
    }
    expect(DEADLINE_PRESETS.map((preset) => preset.ms)).toEqual([10_000, 30_000, 120_000, 600_000]);
    expect(deadlineText(30_000)).toBe('30');
  });
});

describe('parseShedAmount', () => {
  it('takes whole counts of 1 or more', () => {
    expect(parseShedAmount('count', '5')).toEqual({ ok: true, amount: { count: 5 } });
    expect(parseShedAmount('count', ' 12 ')).toEqual({ ok: true, amount: { count: 12 } });
    for (const text of ['0', '-1', '2.5', 'five', '', '1e2']) {
      expect(parseShedAmount('count', text).ok, text).toBe(false);
    }
  });

  it('takes percents above 0 and at most 100, with or without %', () => {
    expect(parseShedAmount('percent', '10')).toEqual({ ok: true, amount: { percent: 10 } });
    expect(parseShedAmount('percent', '12.5 %')).toEqual({ ok: true, amount: { percent: 12.5 } });
    expect(parseShedAmount('percent', '100%')).toEqual({ ok: true, amount: { percent: 100 } });
    for (const text of ['0', '100.5', '-3', 'half', '']) {
      const result = parseShedAmount('percent', text);
      expect(result.ok, text).toBe(false);
      if (!result.ok) expect(result.message).toMatch(/percent/);
    }
  });

  it('says how many connections a shed closes', () => {
    expect(shedConnections({ count: 5 }, 40)).toBe(5);
    expect(shedConnections({ count: 50 }, 40)).toBe(40);
    expect(shedConnections({ percent: 25 }, 40)).toBe(10);
    expect(shedConnections({ percent: 10 }, 15)).toBe(2);
    expect(shedConnections({ percent: 50 }, 0)).toBe(0);
  });

  it('describes an amount', () => {
    expect(describeShedAmount({ count: 1 })).toBe('1 connection');
    expect(describeShedAmount({ count: 7 })).toBe('7 connections');
    expect(describeShedAmount({ percent: 12.5 })).toBe('12.5 %');
  });
});
