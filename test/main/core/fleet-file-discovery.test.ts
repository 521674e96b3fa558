import { describe, expect, it } from 'vitest';
import { parseDnsServer, parseFleetFile } from '../../../main/core/fleet-file.js';

const tokens = { operate: 'operate-token-0123456789' };
const dns = { name: 'agents.ws.svc.cluster.local', port: 9400 };

describe('parseFleetFile discovery', () => {
  it('takes a DNS block instead of a node list, with defaults', () => {
    const fleet = parseFleetFile({ name: 'k8s', tokens, discovery: { dns } }, 'fleet.json');
    expect(fleet.nodes).toEqual([]);
    expect(fleet.discovery).toEqual({
      dns: {
        name: 'agents.ws.svc.cluster.local',
        port: 9400,
        scheme: 'ws',
        intervalMs: 10_000,
        server: null,
        token: 'operate-token-0123456789',
      },
    });
  });

  it('takes a DNS block beside static nodes, with every setting', () => {
    const fleet = parseFleetFile(
      {
        name: 'mixed',
        tokens: { read: 'read-token-0123456789' },
        nodes: [{ id: 'edge-1', admin: 'ws://10.0.0.5:9400' }],
        discovery: {
          dns: { ...dns, scheme: 'wss', intervalMs: 500, server: '127.0.0.1:5353' },
        },
      },
      'fleet.json',
    );
    expect(fleet.nodes.map((node) => node.id)).toEqual(['edge-1']);
    expect(fleet.discovery?.dns).toMatchObject({
      scheme: 'wss',
      intervalMs: 500,
      server: '127.0.0.1:5353',
      token: 'read-token-0123456789',
    });
  });

  it('has no discovery when the file has none', () => {
    const fleet = parseFleetFile({ name: 'static', tokens, nodes: [] }, 'fleet.json');
    expect(fleet.discovery).toBeUndefined();
  });

  it.each([
    [{ name: 'x', tokens }, 'f.json: a fleet file needs a "nodes" list, a "discovery" block, or both'],
    [
      { name: 'x', tokens, discovery: [] },
      'f.json: "discovery" must be an object, e.g. { "dns": { "name": "agents.example.internal", "port": 9400 } }',
    ],
    [
      { name: 'x', tokens, discovery: { consul: {} } },
      'f.json: discovery.consul is not a kind of discovery; the kinds are dns',
    ],
    [{ name: 'x', tokens, discovery: {} }, 'f.json: discovery.dns must be an object with "name" and "port"'],
    [
      { name: 'x', tokens, discovery: { dns: { ...dns, interval: 5 } } },
      'f.json: discovery.dns.interval is not a setting; the settings are name, port, scheme, intervalMs, server',
    ],
    [
      { name: 'x', tokens, discovery: { dns: { ...dns, name: 'bad name!' } } },
      'f.json: discovery.dns.name must be a host name, e.g. "agents.ws.svc.cluster.local"',
    ],
    [
      { name: 'x', tokens, discovery: { dns: { name: dns.name } } },
      "f.json: discovery.dns.port must be the agents' admin port, a whole number from 1 to 65535",
    ],
    [
      { name: 'x', tokens, discovery: { dns: { ...dns, port: 70000 } } },
      "f.json: discovery.dns.port must be the agents' admin port, a whole number from 1 to 65535",
    ],
    [
      { name: 'x', tokens, discovery: { dns: { ...dns, scheme: 'http' } } },
      'f.json: discovery.dns.scheme must be "ws" or "wss"',
    ],
    [
      { name: 'x', tokens, discovery: { dns: { ...dns, intervalMs: 10 } } },
      'f.json: discovery.dns.intervalMs must be a whole number of milliseconds from 100 to 3600000',
    ],
    [
      { name: 'x', tokens, discovery: { dns: { ...dns, server: 'dns.example.com' } } },
      'f.json: discovery.dns.server must be an IP address with an optional port, e.g. "10.0.0.2" or "127.0.0.1:5353"',
    ],
    [
      { name: 'x', discovery: { dns } },
      'f.json: discovery.dns has no token for the nodes it finds: set "tokens.operate" (or "tokens.read")',
    ],
  ])('refuses %j with a readable error', (file, message) => {
    expect(() => parseFleetFile(file, 'f.json')).toThrow(message);
  });
});

describe('parseDnsServer', () => {
  it.each([
    ['10.0.0.2', '10.0.0.2'],
    ['127.0.0.1:5353', '127.0.0.1:5353'],
    ['::1', '::1'],
    ['[::1]:5353', '[::1]:5353'],
    ['[127.0.0.1]:53', null],
    ['127.0.0.1:0', null],
    ['127.0.0.1:99999', null],
    ['ns1.example.com', null],
    ['', null],
  ])('%s → %s', (given, expected) => {
    expect(parseDnsServer(given)).toBe(expected);
  });
});
