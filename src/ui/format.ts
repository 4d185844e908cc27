// Human-readable numbers for the UI.
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v >= 100 || u === 0 ? v.toFixed(0) : v.toFixed(1)} ${units[u]}`;
}

export function formatParams(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)}B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(0)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(0)}K`;
  return String(n);
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '—';
  // Rounded to the unit shown before it is split: 119.6 s is "2 min 0 s", not "1 min 60 s".
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  const min = Math.round(seconds / 60);
  return `${Math.floor(min / 60)} h ${min % 60} min`;
}

/** A loss or weight with sensible precision for a table cell. */
export function formatMetric(v: number | null | undefined, digits = 4): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return Math.abs(v) >= 1000 ? v.toFixed(0) : v.toPrecision(digits);
}

/** "1 example", "2 examples". */
export { plural } from '../state/jobStore.ts';

/** Names a newcomer reads for BFCL's categories (the BFCL name stays in a tooltip). */
const CATEGORY_WORDS: Record<string, string> = {
  simple: 'one function offered',
  multiple: 'one call among several functions',
  // Two or more calls; with several functions offered, any of them may be called more than once.
  parallel: 'several calls of the one function offered',
  parallel_multiple: 'several calls among several functions',
  irrelevance: 'no call needed',
  relevance: 'a call needed',
};

export function categoryWords(category: string): string {
  const live = category.startsWith('live_');
  const words = CATEGORY_WORDS[live ? category.slice(5) : category];
  return words ? `${words}${live ? ' (live)' : ''}` : category;
}
