import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ResidentMemory } from '../../agent/collectors/rss.js';

const MB = 1024 * 1024;
const openFds = () => readdirSync('/proc/self/fd').length;

describe.runIf(process.platform === 'linux')('ResidentMemory on Linux', () => {
  it('reads the RSS from the open statm file, agreeing with process.memoryUsage.rss()', () => {
    const resident = new ResidentMemory();
    try {
      expect(resident.direct).toBe(true);
      const ours = resident.read();
      const node = process.memoryUsage.rss();
      expect(Math.abs(ours - node)).toBeLessThan(4 * MB);

      // Touch 64 MB: both figures grow by about that much.
      const touched = Buffer.alloc(64 * MB, 1);
      const grown = resident.read();
      expect(grown - ours).toBeGreaterThan(48 * MB);
      expect(Math.abs(grown - process.memoryUsage.rss())).toBeLessThan(4 * MB);
      expect(touched[touched.length - 1]).toBe(1);
    } finally {
      resident.close();
    }
  });

  it('keeps one file open until closed, and falls back to process.memoryUsage.rss() after', () => {
    const before = openFds();
    const resident = new ResidentMemory();
    expect(openFds()).toBe(before + 1);
    resident.close();
    resident.close();
    expect(openFds()).toBe(before);
    expect(resident.direct).toBe(false);
    expect(Math.abs(resident.read() - process.memoryUsage.rss())).toBeLessThan(4 * MB);
  });
});

describe('ResidentMemory elsewhere', () => {
  it('uses process.memoryUsage.rss() and opens nothing', () => {
    const resident = new ResidentMemory('darwin');
    expect(resident.direct).toBe(false);
    expect(Math.abs(resident.read() - process.memoryUsage.rss())).toBeLessThan(4 * MB);
    resident.close();
  });
});
