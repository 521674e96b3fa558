/**
 * WCAG 2.1 contrast of the palette in renderer/styles.css, in both schemes: text at AA (4.5:1),
 * graphical objects and focus rings at 3:1 (success criterion 1.4.11). Reads the stylesheet
 * itself, so a colour changed there is checked here.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const css = readFileSync(new URL('../../renderer/styles.css', import.meta.url), 'utf8');

/** The custom properties of the first `:root { … }` block after `from`. */
function palette(from: number): Map<string, string> {
  const start = css.indexOf(':root {', from);
  const end = css.indexOf('}', start);
  const entries = [...css.slice(start, end).matchAll(/(--[\w-]+):\s*(#[0-9a-fA-F]{6})\s*;/g)];
  return new Map(entries.map((match) => [match[1] as string, match[2] as string]));
}

const light = palette(0);
const dark = new Map([...light, ...palette(css.indexOf('@media (prefers-color-scheme: dark)'))]);

function luminance(hex: string): number {
  const channel = (offset: number) => {
    const value = Number.parseInt(hex.slice(offset, offset + 2), 16) / 255;
    return value <= 0.03928 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

function contrast(first: string, second: string): number {
  const [high, low] = [luminance(first), luminance(second)].sort((a, b) => b - a) as [number, number];
  return (high + 0.05) / (low + 0.05);
}

const TEXT = 4.5;
const GRAPHIC = 3;
const backgrounds = ['--bg', '--surface', '--row-hover'];
/** Foreground, the backgrounds it is drawn on, and the ratio it needs. */
const PAIRS: ReadonlyArray<readonly [string, readonly string[], number]> = [
  ['--text', [...backgrounds, '--unreachable-bg', '--warning-bg', '--error-bg'], TEXT],
  ['--muted', backgrounds, TEXT],
  // Status colours are the status labels' text.
  ...['--active', '--connecting', '--draining', '--drained', '--unreachable'].map(
    (status) => [status, ['--bg', '--surface'], TEXT] as const,
  ),
  ['--unreachable', ['--unreachable-bg'], TEXT],
  ['--focus', ['--bg', '--surface'], GRAPHIC],
  ...['--chart-1', '--chart-2', '--chart-3', '--chart-4'].map(
    (chart) => [chart, ['--bg', '--surface'], GRAPHIC] as const,
  ),
];

it('computes contrast as WCAG defines it', () => {
  expect(contrast('#000000', '#ffffff')).toBeCloseTo(21, 5);
  // The classic near miss: mid grey on white is just under AA.
  expect(contrast('#777777', '#ffffff')).toBeCloseTo(4.48, 2);
});

describe.each([
  ['light', light],
  ['dark', dark],
])('the %s palette', (_scheme, colours) => {
  it('defines every colour the checks need', () => {
    for (const [foreground, grounds] of PAIRS) {
      for (const name of [foreground, ...grounds]) expect(colours.get(name), name).toMatch(/^#/);
    }
  });

  const cases = PAIRS.flatMap(([foreground, grounds, needed]) =>
    grounds.map((ground) => [foreground, ground, needed] as const),
  );
  it.each(cases)('%s on %s reaches %s:1', (foreground, ground, needed) => {
    const ratio = contrast(colours.get(foreground) as string, colours.get(ground) as string);
    expect(ratio, `${foreground} on ${ground}: ${ratio.toFixed(2)}:1`).toBeGreaterThanOrEqual(needed);
  });
});
