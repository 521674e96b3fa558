import { describe, expect, it } from 'vitest';
import { defaultDataDir } from '../../../main/core/data-dir.js';

describe('defaultDataDir', () => {
  it('prefers FLEETDECK_DATA_DIR, then XDG_CONFIG_HOME/fleetdeck, then ~/.config/fleetdeck', () => {
    const home = '/home/ops';
    expect(defaultDataDir({ FLEETDECK_DATA_DIR: '/srv/fd', XDG_CONFIG_HOME: '/x' }, home)).toBe('/srv/fd');
    expect(defaultDataDir({ XDG_CONFIG_HOME: '/x' }, home)).toBe('/x/fleetdeck');
    expect(defaultDataDir({}, home)).toBe('/home/ops/.config/fleetdeck');
  });

  it('ignores relative settings, as the XDG specification asks', () => {
    expect(defaultDataDir({ FLEETDECK_DATA_DIR: 'data', XDG_CONFIG_HOME: 'cfg' }, '/home/ops')).toBe(
      '/home/ops/.config/fleetdeck',
    );
  });
});
