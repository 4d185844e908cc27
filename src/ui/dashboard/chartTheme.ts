// Colours for charts, read from the CSS variables of the current theme (uPlot draws on a canvas,
// which cannot use var(--x) directly). Segment colours match the token view.
export interface ChartColors {
  text: string;
  grid: string;
  prompt: string;
  cot: string;
  call: string;
  accent: string;
  ok: string;
  bad: string;
  muted: string;
}

export function chartColors(): ChartColors {
  const css = getComputedStyle(document.documentElement);
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  return {
    text: v('--text', '#1b1d23'),
    grid: v('--border', '#dcdfe6'),
    prompt: v('--seg-prompt', '#626879'),
    cot: v('--seg-cot', '#6442cc'),
    call: v('--seg-call', '#964b00'),
    accent: v('--accent', '#3554d1'),
    ok: v('--ok', '#1d7a45'),
    bad: v('--bad', '#b3261e'),
    muted: v('--muted', '#5d6270'),
  };
}
