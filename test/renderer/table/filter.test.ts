import { describe, expect, it } from 'vitest';
import { columnSpec } from '../../../renderer/table/columns.js';
import {
  type FilterParse,
  filterNodes,
  type NodeFilter,
  parseFilter,
  parseQuantity,
} from '../../../renderer/table/filter.js';
import { ids, node } from './nodes.js';

const NOW = 10_000_000;

const FLEET = [
  node('node-1', { connections: 4, bytesIn: 2_000, version: '1.2.0', host: 'eu-west-a' }),
  node('node-2', {
    connections: 1,
    bytesOut: 5_000_000,
    health: { cpu: 0.75, loopDelayP99Ms: 35, rssBytes: 250_000_000 },
    version: '1.10.0',
    startedAt: NOW - 5 * 60_000,
  }),
  node('node-3', { status: 'draining', connections: 2, messagesIn: 900, messagesOut: 300, version: '1.9.1' }),
  node('node-10', { status: 'drained', connections: 0, host: 'eu-west-b' }),
  node('node-11', {
    status: 'unreachable',
    connections: null,
    hasRates: false,
    problem: 'connect ECONNREFUSED',
  }),
  node('node-12', {
    status: 'connecting',
    connections: null,
    hasRates: false,
    health: null,
    hasIdentity: false,
  }),
];

function parsed(text: string): NodeFilter {
  const result = parseFilter(text);
  if (!result.ok) throw new Error(`expected ${text} to parse: ${result.message}`);
  return result.filter;
}

function matching(text: string): string[] {
  return ids(filterNodes(FLEET, parsed(text), NOW));
}

function failure(text: string): string {
  const result: FilterParse = parseFilter(text);
  if (result.ok) throw new Error(`expected ${text} to be refused`);
  return result.message;
}

describe('parseFilter', () => {
  it('reads an empty or blank filter as matching everything', () => {
    expect(parsed('')).toEqual({ terms: [] });
    expect(parsed('   ')).toEqual({ terms: [] });
    expect(filterNodes(FLEET, parsed(''), NOW)).toBe(FLEET);
  });

  it('reads free words, quoted phrases, column terms and negations', () => {
    expect(parsed('Node-2 "eu west" -state:active connections >= 1.5k').terms).toEqual([
      { kind: 'word', negated: false, word: 'node-2' },
      { kind: 'word', negated: false, word: 'eu west' },
      { kind: 'state', negated: true, statuses: ['active'] },
      { kind: 'number', negated: false, column: 'connections', comparison: '>=', value: 1500 },
    ]);
  });

  it('names the unknown column and lists the ones it knows', () => {
    const message = failure('state:active bogus>1');
    expect(message).toContain('Unknown column “bogus” in “bogus>1”');
    expect(message).toContain('connections');
    expect(message).toContain('uptime');
  });

  it('refuses a comparison without a value, a bad number and an unclosed quote, without throwing', () => {
    expect(failure('connections>')).toBe('“connections>” needs a value after “>”.');
    expect(failure('connections>lots')).toContain('connections needs a number, like connections>100');
    expect(failure('"eu west')).toContain('is not closed');
    expect(failure('host>abc')).toContain('host takes : (contains), = or !=');
    expect(failure('state>active')).toContain('state takes : or !=');
    expect(failure('state:sleeping')).toContain('no state “sleeping”');
  });

  it('reads units into the base unit of each column', () => {
    const value = (key: Parameters<typeof columnSpec>[0], text: string) =>
      parseQuantity(columnSpec(key), text);
    expect(value('connections', '1,000')).toBe(1000);
    expect(value('connections', '2.5k')).toBe(2500);
    expect(value('messages', '3k/s')).toBe(3000);
    expect(value('bandwidth-in', '10KB/s')).toBe(10_000);
    expect(value('bandwidth-out', '1.5MB')).toBe(1_500_000);
    expect(value('bandwidth-out', '512')).toBe(512);
    expect(value('memory', '200MB')).toBe(200_000_000);
    expect(value('memory', '1GiB')).toBe(1024 ** 3);
    expect(value('memory', '0')).toBe(0);
    expect(value('loop-p99', '20')).toBe(20);
    expect(value('loop-p99', '1.5s')).toBe(1500);
    expect(value('cpu', '0.5')).toBe(0.5);
    expect(value('cpu', '50%')).toBe(0.5);
    expect(value('cpu', '150%')).toBe(1.5);
    expect(value('uptime', '10m')).toBe(600_000);
    expect(value('uptime', '1h30m')).toBe(5_400_000);
    expect(value('uptime', '2d')).toBe(172_800_000);
  });

  it('explains values that would silently match nothing', () => {
    const value = (key: Parameters<typeof columnSpec>[0], text: string) =>
      parseQuantity(columnSpec(key), text);
    expect(value('cpu', '80')).toBe(
      'CPU is a share of one core (1 = a full core): write cpu>80% or cpu>0.8.',
    );
    expect(value('memory', '200')).toBe('give memory a unit, like memory>200MB.');
    expect(value('uptime', '10')).toContain('give uptime a unit');
    expect(value('uptime', '10x')).toContain('uptime needs a duration');
    expect(value('bandwidth-in', '10 parsecs')).toContain('is not a unit in takes');
  });
});

describe('filterNodes', () => {
  it('matches free words against id, state, version and host, in any case', () => {
    expect(matching('node-2')).toEqual(['node-2']);
    expect(matching('NODE-1')).toEqual(['node-1', 'node-10', 'node-11', 'node-12']);
    expect(matching('draining')).toEqual(['node-3']);
    expect(matching('1.10')).toEqual(['node-2']);
    expect(matching('west')).toEqual(['node-1', 'node-10']);
    expect(matching('"eu-west-b"')).toEqual(['node-10']);
  });

  it('ANDs terms and negates with a minus', () => {
    expect(matching('node-1 -node-11')).toEqual(['node-1', 'node-10', 'node-12']);
    expect(matching('west drained')).toEqual(['node-10']);
    expect(matching('-state:active -state:drain')).toEqual(['node-11', 'node-12']);
  });

  it('matches states by name or prefix, several with commas', () => {
    expect(matching('state:draining')).toEqual(['node-3']);
    expect(matching('state:drain')).toEqual(['node-3', 'node-10']);
    expect(matching('status:unreachable,connecting')).toEqual(['node-11', 'node-12']);
    expect(matching('state!=active')).toEqual(['node-3', 'node-10', 'node-11', 'node-12']);
  });

  it('compares figures, leaving nodes without the figure out', () => {
    expect(matching('connections>1')).toEqual(['node-1', 'node-3']);
    expect(matching('connections>=1')).toEqual(['node-1', 'node-2', 'node-3']);
    expect(matching('connections:0')).toEqual(['node-10']);
    expect(matching('connections!=0')).toEqual(['node-1', 'node-2', 'node-3']);
    expect(matching('connections<1')).toEqual(['node-10']);
    // The negation of a comparison takes in the nodes without the figure.
    expect(matching('-connections>=1')).toEqual(['node-10', 'node-11', 'node-12']);
    expect(matching('in>1KB')).toEqual(['node-1']);
    expect(matching('out>=5MB/s')).toEqual(['node-2']);
    expect(matching('messages>1k')).toEqual(['node-3']);
    expect(matching('messages>=1.2k')).toEqual(['node-3']);
  });

  it('compares health figures, never the stale ones of an unreachable node', () => {
    expect(matching('cpu>50%')).toEqual(['node-2']);
    expect(matching('cpu>=0.75')).toEqual(['node-2']);
    expect(matching('loop>20')).toEqual(['node-2']);
    expect(matching('loop<20ms')).toEqual(['node-1', 'node-3', 'node-10']);
    expect(matching('memory>200MB')).toEqual(['node-2']);
    expect(matching('rss<100MB')).toEqual(['node-1', 'node-3', 'node-10']);
  });

  it('compares uptime at the given time', () => {
    expect(matching('uptime<10m')).toEqual(['node-2']);
    expect(matching('uptime>10m')).toEqual(['node-1', 'node-3', 'node-10']);
    expect(ids(filterNodes(FLEET, parsed('uptime<10m'), NOW + 6 * 60_000))).toEqual([]);
  });

  it('compares versions and ids in natural order, or by text', () => {
    expect(matching('version:1.1')).toEqual(['node-2']);
    expect(matching('version=1.9.1')).toEqual(['node-3']);
    expect(matching('version>=1.9')).toEqual(['node-2', 'node-3']);
    expect(matching('version<1.9')).toEqual(['node-1', 'node-10', 'node-11']);
    expect(matching('id>node-3')).toEqual(['node-10', 'node-11', 'node-12']);
    expect(matching('id=node-1')).toEqual(['node-1']);
    expect(matching('host:west-b')).toEqual(['node-10']);
  });
});
