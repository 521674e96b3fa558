import { describe, expect, it } from 'vitest';
import { parseFleetFile } from '../../../main/core/fleet-file.js';

const base = {
  name: 'prod',
  tokens: { operate: 'operate-token-0123456789' },
  nodes: [{ id: 'n1', admin: 'ws://10.0.0.5:9400' }],
};

describe('parseFleetFile alerts', () => {
  it('is empty when the file sets no thresholds', () => {
    expect(parseFleetFile(base, 'fleet.json').alerts).toEqual({});
  });

  it('takes the thresholds the file sets', () => {
    const alerts = {
      loopDelayP99Ms: 150,
      cpu: 0.75,
      rssBytes: 2_147_483_648,
      skewCv: 0.5,
      skewMinMeanConnections: 0,
    };
    expect(parseFleetFile({ ...base, alerts }, 'fleet.json').alerts).toEqual(alerts);
  });

  it.each([
    [[], 'fleet.json: "alerts" must be an object of thresholds, e.g. { "cpu": 0.8 }'],
    ['high', 'fleet.json: "alerts" must be an object of thresholds, e.g. { "cpu": 0.8 }'],
    [
      { cpuu: 0.5 },
      'fleet.json: alerts.cpuu is not a threshold; the thresholds are loopDelayP99Ms, cpu, rssBytes, skewCv, skewMinMeanConnections',
    ],
    [{ cpu: '90%' }, 'fleet.json: alerts.cpu must be a share of one core above 0, e.g. 0.9 for 90 %'],
    [{ cpu: 0 }, 'fleet.json: alerts.cpu must be a share of one core above 0, e.g. 0.9 for 90 %'],
    [
      { loopDelayP99Ms: -5 },
      'fleet.json: alerts.loopDelayP99Ms must be a number of milliseconds above 0, e.g. 200',
    ],
    [
      { rssBytes: 1.5e9 + 0.5 },
      'fleet.json: alerts.rssBytes must be a whole number of bytes above 0, e.g. 1610612736 for 1.5 GiB',
    ],
    [{ skewCv: null }, 'fleet.json: alerts.skewCv must be a coefficient of variation above 0, e.g. 0.35'],
    [
      { skewMinMeanConnections: 2.5 },
      'fleet.json: alerts.skewMinMeanConnections must be a whole number of connections, 0 or more',
    ],
  ])('refuses alerts %j with a readable error', (alerts, message) => {
    expect(() => parseFleetFile({ ...base, alerts }, 'fleet.json')).toThrow(message);
  });

  it('does not mistake inherited object keys for thresholds', () => {
    expect(() => parseFleetFile({ ...base, alerts: JSON.parse('{"constructor": 1}') }, 'f')).toThrow(
      /alerts.constructor is not a threshold/,
    );
  });
});
