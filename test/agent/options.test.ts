import { describe, expect, it } from 'vitest';
import { createAgent } from '../../agent/index.js';
import { resolveOptions } from '../../agent/options.js';

const token = 'a-token-of-sufficient-length';

describe('agent options', () => {
  it('applies the documented defaults', () => {
    const options = resolveOptions({ nodeId: 'node-1', token });
    expect(options).toMatchObject({
      nodeId: 'node-1',
      name: 'node-1',
      version: '0.0.0',
      intervalMs: 1000,
      readToken: null,
      labels: {},
      admin: { host: '127.0.0.1', port: 9400 },
    });
  });

  it.each([
    [undefined, /option "options" must be an object/],
    [{ token }, /option "nodeId"/],
    [{ nodeId: 'has space', token }, /option "nodeId"/],
    [{ nodeId: 'n' }, /option "token" must be a string of at least 16 characters/],
    [{ nodeId: 'n', token: 'short' }, /option "token"/],
    [{ nodeId: 'n', token, readToken: token }, /option "readToken" must differ/],
    [
      { nodeId: 'n', token, intervalMs: 5 },
      /option "intervalMs" must be an integer from 100 to 60000 \(got 5\)/,
    ],
    [{ nodeId: 'n', token, admin: { port: 70000 } }, /option "admin.port"/],
    [{ nodeId: 'n', token, labels: { zone: 1 } }, /option "labels"/],
    [{ nodeId: 'n', token, agentCheck: { port: 0, weight: { minWeight: 0 } } }, /option "agentCheck.weight"/],
    [{ nodeId: 'n', token, agentCheck: {} }, /option "agentCheck.port" is required/],
  ])('rejects %j with a TypeError that names the option', (options, message) => {
    expect(() => createAgent(options as never)).toThrow(TypeError);
    expect(() => createAgent(options as never)).toThrow(message);
  });

  it('never echoes a token in an error message', () => {
    let message = '';
    try {
      resolveOptions({ nodeId: 'n', token: 'secret' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/option "token"/);
    expect(message).not.toContain('secret');
  });
});
