// Axis tick labels with as many digits as the tick spacing needs: α moves in the 4th decimal on a
// short run, and a plain formatter would print "0.7, 0.7, 0.7". Tiny values use exponent form.
// On a log axis uPlot passes null for the ticks it leaves unlabelled, and the ticks are not evenly
// spaced: each label gets the digits of its own value.
export function formatTicks(splits: Array<number | null>, log = false): string[] {
  if (log) return splits.map((v) => (v === null || !Number.isFinite(v) ? '' : String(Number(v.toPrecision(3)))));
  const finite = splits.filter((v): v is number => v !== null && Number.isFinite(v));
  if (finite.length === 0) return splits.map(() => '');
  const spacing = finite.length > 1 ? Math.abs(finite[1] - finite[0]) : Math.abs(finite[0]) || 1;
  const largest = Math.max(...finite.map(Math.abs));
  if (largest !== 0 && largest < 1e-2) return splits.map((v) => (v === null ? '' : v === 0 ? '0' : v.toExponential(Math.max(0, Math.min(6, Math.ceil(Math.log10(largest / spacing)))))));
  // Enough decimals for the spacing itself: 2.5 needs one (ceil(−log10 2.5) = 0 printed 2.5 as "3").
  let decimals = Math.max(0, Math.min(8, Math.ceil(-Math.log10(spacing))));
  while (decimals < 8 && Math.abs(spacing * 10 ** decimals - Math.round(spacing * 10 ** decimals)) > 1e-6 * spacing * 10 ** decimals) decimals++;
  return splits.map((v) => (v === null ? '' : v.toFixed(decimals)));
}
