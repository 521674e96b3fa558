/**
 * Human units for the tables. Decimal (SI) multiples, base 1000, as network tools and
 * Grafana's "bytes/sec (SI)" show bandwidth: 1 KB/s is 1,000 bytes per second.
 * A fixed en-US locale keeps the output identical on every machine and in tests.
 */

/** What a missing value (null, or not a finite number) shows as. */
export const MISSING_VALUE = '—';

const SCALE_BASE = 1000;
const BYTE_RATE_UNITS = [' B/s', ' KB/s', ' MB/s', ' GB/s'] as const;
const COUNT_SUFFIXES = ['', 'k', 'M', 'G'] as const;
const integerFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

// One decimal below 10, none above: "1.5", "12", "999". Whole values in the base unit stay whole.
function formatMagnitude(value: number, inBaseUnit: boolean): string {
  if (inBaseUnit && Number.isInteger(value)) return String(value);
  if (Math.abs(Math.round(value * 10) / 10) < 10) return value.toFixed(1);
  return Math.round(value).toFixed(0);
}

function formatScaled(value: number, units: readonly string[]): string {
  let index = 0;
  let scaled = value;
  while (Math.abs(scaled) >= SCALE_BASE && index < units.length - 1) {
    scaled /= SCALE_BASE;
    index += 1;
  }
  let text = formatMagnitude(scaled, index === 0);
  // Rounding can reach the next unit: 999.7 KB/s reads as 1.0 MB/s, not 1000 KB/s.
  if (Math.abs(Number(text)) >= SCALE_BASE && index < units.length - 1) {
    scaled /= SCALE_BASE;
    index += 1;
    text = formatMagnitude(scaled, false);
  }
  return `${text}${units[index] ?? ''}`;
}

function isPresent(value: number | null | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** Bytes per second: '512 B/s', '1.5 KB/s', '12 MB/s', '3.4 GB/s'; '—' for null. */
export function formatBytesPerSecond(value: number | null | undefined): string {
  return isPresent(value) ? formatScaled(value, BYTE_RATE_UNITS) : MISSING_VALUE;
}

/** A rate of things (messages per second): '12', '0.5', '1.2k', '34k', '5.6M'; '—' for null. */
export function formatRate(value: number | null | undefined): string {
  return isPresent(value) ? formatScaled(value, COUNT_SUFFIXES) : MISSING_VALUE;
}

/** A whole count with thousands separators: '25', '1,234'; '—' for null. */
export function formatCount(value: number | null | undefined): string {
  return isPresent(value) ? integerFormat.format(value) : MISSING_VALUE;
}

const clockFormat = new Intl.DateTimeFormat('en-GB', {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
});

/** A wall-clock time of day from epoch ms, 24-hour: '14:05:09'; '—' for null. */
export function formatClock(value: number | null | undefined): string {
  return isPresent(value) ? clockFormat.format(value) : MISSING_VALUE;
}

/** A ratio or coefficient with two decimals: '1.25'; '—' for null. */
export function formatRatio(value: number | null | undefined): string {
  return isPresent(value) ? value.toFixed(2) : MISSING_VALUE;
}

const BYTE_UNITS = [' B', ' KB', ' MB', ' GB', ' TB'] as const;

/** A size in bytes, SI: '512 B', '1.5 KB', '87 MB'; '—' for null. */
export function formatBytes(value: number | null | undefined): string {
  return isPresent(value) ? formatScaled(value, BYTE_UNITS) : MISSING_VALUE;
}

/** Milliseconds: '0.4 ms', '12 ms', '1.2 s'; '—' for null. */
export function formatMs(value: number | null | undefined): string {
  if (!isPresent(value)) return MISSING_VALUE;
  if (Math.abs(value) >= 1000) return `${(value / 1000).toFixed(1)} s`;
  return `${formatMagnitude(value, false)} ms`;
}

/** A share where 1 is 100 %: CPU of one core, a transport's part. '0 %', '4.5 %', '87 %'; '—' for null. */
export function formatPercent(value: number | null | undefined): string {
  if (!isPresent(value)) return MISSING_VALUE;
  const percent = value * 100;
  return `${percent === 0 ? '0' : formatMagnitude(percent, false)} %`;
}

/**
 * How long since `startedAt`, at `now`, in the two largest units: '45s', '12m 5s', '3h 20m',
 * '2d 4h'; '—' for null. A start in the future (clock skew between hosts) reads '0s'.
 */
export function formatUptime(startedAt: number | null | undefined, now: number): string {
  if (!isPresent(startedAt)) return MISSING_VALUE;
  const seconds = Math.max(0, Math.floor((now - startedAt) / 1000));
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = seconds % 60;
  if (days > 0) return `${days}d ${hours}h`;
  if (hours > 0) return `${hours}h ${minutes}m`;
  if (minutes > 0) return `${minutes}m ${rest}s`;
  return `${rest}s`;
}

/** A local date and time of day from epoch ms, 24-hour: '2025-03-14 14:05:09'; '—' for null. */
export function formatDateTime(value: number | null | undefined): string {
  if (!isPresent(value)) return MISSING_VALUE;
  const date = new Date(value);
  const pad = (part: number) => String(part).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${clockFormat.format(value)}`;
}
