import { describe, expect, it } from 'vitest';
import { formatDateTime } from '../../renderer/format.js';

describe('formatDateTime', () => {
  it('shows a local date and 24-hour time of day', () => {
    expect(formatDateTime(new Date(2025, 2, 4, 14, 5, 9).getTime())).toBe('2025-03-04 14:05:09');
    expect(formatDateTime(new Date(2024, 11, 31, 0, 0, 0).getTime())).toBe('2024-12-31 00:00:00');
  });

  it('shows a dash for a missing value', () => {
    expect(formatDateTime(null)).toBe('—');
    expect(formatDateTime(undefined)).toBe('—');
    expect(formatDateTime(Number.NaN)).toBe('—');
  });
});
