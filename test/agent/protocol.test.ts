import { describe, expect, it } from 'vitest';
import { parseAgentFrame, parseConsoleFrame } from '../../agent/protocol.js';
import { sampleFrame } from '../helpers/frames.js';

const deep = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;

describe('protocol parsers', () => {
  it('never throw on deeply nested values, which JSON.stringify cannot describe', () => {
    const name = `{"type":"command","id":"a","name":${deep(20_000)}}`;
    expect(parseConsoleFrame(name)).toMatchObject({
      ok: false,
      code: 'unknown-command',
      id: 'a',
      message: 'unknown command a list',
    });
    expect(parseConsoleFrame(`{"type":${deep(20_000)}}`)).toMatchObject({ ok: false, code: 'unknown-type' });
    expect(parseAgentFrame(`{"type":${deep(20_000)}}`)).toMatchObject({ ok: false, code: 'unknown-type' });
    expect(parseAgentFrame(`{"type":"hello","protocol":${deep(20_000)}}`)).toMatchObject({
      ok: false,
      code: 'unsupported',
    });
  });

  it('accepts a full sample and names the first bad field of a broken one', () => {
    const sample = sampleFrame(1, 1);
    expect(parseAgentFrame(JSON.stringify(sample))).toEqual({ ok: true, frame: sample });
    const broken = { ...sample, channels: { ...sample.channels, top: [{ name: 'x', published: 1.5 }] } };
    expect(parseAgentFrame(JSON.stringify(broken))).toMatchObject({
      ok: false,
      code: 'bad-frame',
      message: 'sample: channels.top[0].published must be a non-negative integer',
    });
  });

  it('keeps long strings short in messages', () => {
    const result = parseConsoleFrame(JSON.stringify({ type: 'x'.repeat(10_000) }));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message.length).toBeLessThan(120);
  });
});
