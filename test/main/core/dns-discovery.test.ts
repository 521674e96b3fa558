/**
 * DNS discovery for real: a tiny DNS server on 127.0.0.1 answers for one name, and reference
 * nodes whose agents listen on 127.0.0.1, 127.0.0.2 and 127.0.0.3 (all loopback on Linux) on
 * the same admin port become the fleet's nodes as the answer changes.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createConsoleHost } from '../../../main/core/console-host.js';
import {
  type DnsAnswer,
  DnsDiscovery,
  discoveredNode,
  lookUpAddresses,
} from '../../../main/core/dns-discovery.js';
import type { DnsDiscoveryConfig, FleetNodeConfig } from '../../../main/core/fleet-file.js';
import { freePort, NodeProcess, TEST_TOKENS } from '../../helpers/processes.js';
import { waitFor } from '../../helpers/wait.js';
import { startTestDnsServer } from './dns-server.js';

const NAME = 'agents.fleet.test';
const disposers: Array<() => unknown> = [];
afterEach(async () => {
  for (const dispose of disposers.splice(0).reverse()) await dispose();
});

function config(server: string | null, overrides: Partial<DnsDiscoveryConfig> = {}): DnsDiscoveryConfig {
  return { name: NAME, port: 9400, scheme: 'ws', intervalMs: 60_000, server, token: 'token', ...overrides };
}

describe('lookUpAddresses against a real DNS server', () => {
  it('returns the A records, reads "no records" as no addresses, and a SERVFAIL as a readable failure', async () => {
    const dns = await startTestDnsServer(NAME);
    disposers.push(() => dns.close());
    dns.setAddresses(['127.0.0.3', '127.0.0.1']);
    expect(await lookUpAddresses(config(dns.server))).toEqual({
      ok: true,
      addresses: ['127.0.0.1', '127.0.0.3'],
    });

    dns.setAddresses([]);
    expect(await lookUpAddresses(config(dns.server))).toEqual({ ok: true, addresses: [] });
    expect(await lookUpAddresses(config(dns.server, { name: 'other.fleet.test' }))).toEqual({
      ok: true,
      addresses: [],
    });

    dns.setFailing(true);
    const failed = await lookUpAddresses(config(dns.server));
    expect(failed.ok).toBe(false);
    expect(!failed.ok && failed.problem).toMatch(
      new RegExp(`^DNS lookup of ${NAME} via ${dns.server} failed \\(ESERVFAIL\\)$`),
    );
  });
});

describe('DnsDiscovery', () => {
  it('adds new addresses at once, removes one after two answers without it, and keeps all on a failure', async () => {
    const held = new Map<string, FleetNodeConfig>();
    // Each lookup waits for the test to answer it, so nothing depends on timing.
    let pending: ((answer: DnsAnswer) => void) | null = null;
    const discovery = new DnsDiscovery({
      config: config(null, { intervalMs: 10 }),
      listener: {
        added: (node) => held.set(node.id, node),
        removed: (id) => held.delete(id),
      },
      lookUp: () =>
        new Promise((resolve) => {
          pending = resolve;
        }),
    });
    disposers.push(() => discovery.dispose());
    const respond = async (answer: DnsAnswer) => {
      const settle = await waitFor(() => pending, 'a lookup');
      pending = null;
      settle(answer);
      await new Promise((resolve) => setImmediate(resolve));
      return { ids: [...held.keys()].sort(), problem: discovery.problem };
    };
    const three = ['10.0.0.1:9400', '10.0.0.2:9400', '10.0.0.3:9400'];
    discovery.start();
    expect(await respond({ ok: true, addresses: ['10.0.0.3', '10.0.0.1', '10.0.0.2'] })).toEqual({
      ids: three,
      problem: null,
    });
    await discovery.firstLookup();
    // Missing from one answer: still there.
    expect(await respond({ ok: true, addresses: ['10.0.0.1', '10.0.0.2'] })).toEqual({
      ids: three,
      problem: null,
    });
    // A failed lookup neither counts nor changes anything, and says why.
    const failure = 'DNS lookup of agents.fleet.test failed (ETIMEOUT)';
    expect(await respond({ ok: false, problem: failure })).toEqual({ ids: three, problem: failure });
    // The second answer without it: gone.
    expect(await respond({ ok: true, addresses: ['10.0.0.1', '10.0.0.2'] })).toEqual({
      ids: three.slice(0, 2),
      problem: null,
    });
    expect(await respond({ ok: true, addresses: ['10.0.0.1', '10.0.0.2', 'fd00::5'] })).toEqual({
      ids: [...three.slice(0, 2), '[fd00::5]:9400'],
      problem: null,
    });
    expect(held.get('[fd00::5]:9400')?.adminUrl).toBe('ws://[fd00::5]:9400');
    // No records at all is an answer (the service scaled to zero), but worth saying.
    expect(await respond({ ok: true, addresses: [] })).toEqual({
      ids: [...three.slice(0, 2), '[fd00::5]:9400'],
      problem: 'agents.fleet.test has no A or AAAA records: no nodes found',
    });
    expect((await respond({ ok: true, addresses: [] })).ids).toEqual([]);
  });

  it('skips addresses that are static nodes of the file', async () => {
    const added: string[] = [];
    const discovery = new DnsDiscovery({
      config: config(null),
      reservedIds: new Set(['10.0.0.1:9400']),
      listener: { added: (node) => added.push(node.id), removed: () => {} },
      lookUp: async () => ({ ok: true, addresses: ['10.0.0.1', '10.0.0.2'] }),
    });
    disposers.push(() => discovery.dispose());
    discovery.start();
    await discovery.firstLookup();
    expect(added).toEqual(['10.0.0.2:9400']);
  });

  it('names a discovered node by address and port', () => {
    const node = discoveredNode('10.0.0.9', config(null, { scheme: 'wss', port: 9443 }));
    expect(node).toEqual({
      id: '10.0.0.9:9443',
      adminUrl: 'wss://10.0.0.9:9443',
      publicUrl: null,
      token: 'token',
    });
  });
});

describe('a DNS fleet in the console', () => {
  it('links to every address the name resolves to and drops the one that leaves the answer', async () => {
    const dns = await startTestDnsServer(NAME);
    disposers.push(() => dns.close());
    const hosts = ['127.0.0.1', '127.0.0.2', '127.0.0.3'];
    const adminPort = await freePort(hosts);
    const nodes = await Promise.all(
      hosts.map((host, index) => NodeProcess.start(`dns-node-${index + 1}`, { host, adminPort })),
    );
    disposers.push(() => Promise.all(nodes.map((node) => node.stop())));
    dns.setAddresses(hosts);

    const dir = mkdtempSync(join(tmpdir(), 'fleetdeck-dns-'));
    const fleetFile = join(dir, 'dns-fleet.json');
    writeFileSync(
      fleetFile,
      JSON.stringify({
        name: 'dns fleet',
        tokens: TEST_TOKENS,
        discovery: { dns: { name: NAME, port: adminPort, intervalMs: 200, server: dns.server } },
      }),
    );
    const host = createConsoleHost({
      dataDir: join(dir, 'data'),
      launcherDir: dir,
      serviceOptions: { flushMs: 50 },
    });
    disposers.push(() => host.dispose());
    await host.open(fleetFile);

    const activeIds = async () =>
      (await host.handlers.getFleet()).nodes
        .filter((node) => node.status === 'active')
        .map((node) => node.id)
        .sort();
    const all = hosts.map((address) => `${address}:${adminPort}`);
    await waitFor(async () => (await activeIds()).length === 3, 'three active nodes', 15_000);
    expect(await activeIds()).toEqual(all);
    // Each node is the agent on its own address, not one agent three times.
    const names = (await host.handlers.getFleet()).nodes.map((node) => node.identity?.nodeId).sort();
    expect(names).toEqual(['dns-node-1', 'dns-node-2', 'dns-node-3']);

    // A failing DNS server keeps the nodes and says so on the open fleet.
    const before = dns.queries;
    dns.setFailing(true);
    await waitFor(
      async () => (await host.handlers.listFleets()).current?.problem,
      'the discovery problem',
      10_000,
    );
    expect(dns.queries).toBeGreaterThan(before);
    const listed = await host.handlers.listFleets();
    expect(listed.current).toMatchObject({ source: 'dns', nodeCount: 3 });
    expect(listed.current?.problem).toMatch(/^DNS lookup of agents\.fleet\.test via 127\.0\.0\.1:\d+ failed/);
    expect(await activeIds()).toEqual(all);

    // The answer drops 127.0.0.2: after two answers without it, it is gone.
    dns.setAddresses(['127.0.0.1', '127.0.0.3']);
    dns.setFailing(false);
    await waitFor(async () => (await host.handlers.getFleet()).nodes.length === 2, 'two nodes', 10_000);
    expect(await activeIds()).toEqual([`127.0.0.1:${adminPort}`, `127.0.0.3:${adminPort}`]);
    expect((await host.handlers.listFleets()).current?.problem).toBeNull();
  }, 60_000);
});
