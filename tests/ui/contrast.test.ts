// The segment colours are text colours (legends, the token view, paused/interrupted statuses), and
// the per-token loss strip puts text on them: every pair passes WCAG AA (4.5:1) in both themes. The
// light theme's grey prompt was 2.6:1 on white, and the dark theme had no segment colours of its own.
// Also: the sticky run strip must not cover what the keyboard focuses, nor a third of a phone.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const css = readFileSync(new URL('../../src/ui/styles.css', import.meta.url), 'utf8');

/** The custom properties of the first rule with this selector. */
function varsOf(selector: string): Record<string, string> {
  const at = css.indexOf(`${selector} {`);
  const body = css.slice(at, css.indexOf('}', at));
  return Object.fromEntries([...body.matchAll(/(--[\w-]+):\s*([^;]+);/g)].map((m) => [m[1], m[2].trim()]));
}

type Rgb = [number, number, number];
const rgb = (hex: string): Rgb => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as Rgb;
const luminance = (c: Rgb) => {
  const [r, g, b] = c.map((v) => (v / 255 <= 0.03928 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};
/** WCAG contrast ratio. */
const contrast = (a: Rgb, b: Rgb) => {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
};
/** color-mix(in srgb, fg p, transparent) drawn on bg. */
const tint = (fg: Rgb, bg: Rgb, p: number): Rgb => fg.map((v, i) => v * p + bg[i] * (1 - p)) as Rgb;

const light = varsOf(':root');
const themes = { light, dark: { ...light, ...varsOf(":root[data-theme='dark']") } };

describe.each(Object.entries(themes))('the %s theme', (_name, v) => {
  const c = (name: string) => rgb(v[name]);
  const pairs: Array<[string, Rgb, Rgb]> = [];
  for (const seg of ['--seg-prompt', '--seg-cot', '--seg-call']) {
    pairs.push([`${seg} on the panel`, c(seg), c('--panel')], [`${seg} on the page`, c(seg), c('--bg')]);
  }
  // The token view: CoT on a 12% tint of itself, the call on 16% (over the pre's --bg).
  pairs.push(['CoT on its tint', c('--seg-cot'), tint(c('--seg-cot'), c('--bg'), 0.12)], ['call on its tint', c('--seg-call'), tint(c('--seg-call'), c('--bg'), 0.16)]);
  // The loss strip: text on the strongest tint (strength 0.9 × --loss-mix-max).
  const strongest = 0.9 * (parseFloat(v['--loss-mix-max']) / 100);
  pairs.push(['text on the strongest CoT loss', c('--text'), tint(c('--seg-cot'), c('--bg'), strongest)], ['text on the strongest call loss', c('--text'), tint(c('--seg-call'), c('--bg'), strongest)]);

  it.each(pairs)('%s passes 4.5:1', (_what, fg, bg) => {
    expect(contrast(fg, bg)).toBeGreaterThanOrEqual(4.5);
  });

  it('sets its own segment colours, still three distinct ones', () => {
    expect(new Set(['--seg-prompt', '--seg-cot', '--seg-call'].map((s) => v[s])).size).toBe(3);
  });
});

it('the dark theme overrides every segment colour and the strip’s tint', () => {
  expect(Object.keys(varsOf(":root[data-theme='dark']"))).toEqual(expect.arrayContaining(['--seg-prompt', '--seg-cot', '--seg-call', '--loss-mix-max']));
  expect(css).toMatch(/\.status-interrupted, \.status-paused \{ color: var\(--seg-call\); \}/);
});

it('the run strip leaves room for the focused control, and stops being sticky on a phone', () => {
  expect(css).toMatch(/html:has\(\.runstrip\) \{ scroll-padding-top: \d+px; \}/);
  expect(css).toMatch(/@media \(max-width: 520px\) \{\s*\.runstrip \{ position: static; flex-direction: column;/);
});
