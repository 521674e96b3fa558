/**
 * The deadline of a drain or shed as the operator types it: seconds by default, or with a unit
 * ("90", "90 s", "2 min", "1500 ms"). Pure, for the dialogs and their tests.
 */

/** The deadline the dialogs start with, ms. */
export const DEFAULT_DEADLINE_MS = 30_000;

/** What the console accepts (main/core/operations/args.ts checks the same bounds), ms. */
export const DEADLINE_LIMITS_MS = { min: 1_000, max: 3_600_000 } as const;

/** One-click deadlines. */
export const DEADLINE_PRESETS: ReadonlyArray<{ readonly label: string; readonly ms: number }> = [
  { label: '10 s', ms: 10_000 },
  { label: '30 s', ms: 30_000 },
  { label: '2 min', ms: 120_000 },
  { label: '10 min', ms: 600_000 },
];

/** A parsed deadline, or why the text is not one. */
export type DeadlineResult =
  | { readonly ok: true; readonly ms: number }
  | { readonly ok: false; readonly message: string };

const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1_000,
  sec: 1_000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
};

/** The text a deadline in ms shows as in the input: seconds, as a plain number ("30", "1.5"). */
export function deadlineText(ms: number): string {
  return String(Math.round(ms / 100) / 10);
}

/** Parses "30", "30 s", "2 min", "1500 ms", "1h" into whole ms within {@link DEADLINE_LIMITS_MS}. */
export function parseDeadline(text: string): DeadlineResult {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|sec|m|min|h)?$/i.exec(text.trim());
  if (!match) {
    return { ok: false, message: 'Enter the deadline in seconds, e.g. 30, or with a unit: 2 min, 1500 ms.' };
  }
  const unit = UNIT_MS[(match[2] ?? 's').toLowerCase()] ?? 1_000;
  const ms = Math.round(Number(match[1]) * unit);
  if (ms < DEADLINE_LIMITS_MS.min || ms > DEADLINE_LIMITS_MS.max) {
    return { ok: false, message: 'The deadline must be from 1 s to 60 min.' };
  }
  return { ok: true, ms };
}
