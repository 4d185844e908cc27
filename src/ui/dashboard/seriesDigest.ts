// A short fingerprint of the plotted numbers, written on each chart's element, so a test (or a
// curious user) can tell that two charts show the very same curve (e.g. before and after a reload).
// FNV-1a over the values rounded to 6 significant digits (rounding absorbs f32→f64 formatting only).
export function seriesDigest(columns: ArrayLike<number | null>[]): string {
  let h = 0x811c9dc5;
  for (const col of columns) {
    for (let i = 0; i < col.length; i++) {
      const v = col[i];
      const s = v === null || v === undefined ? 'n' : Number(v).toPrecision(6);
      for (let j = 0; j < s.length; j++) {
        h ^= s.charCodeAt(j);
        h = Math.imul(h, 0x01000193) >>> 0;
      }
      h ^= 0x2c;
      h = Math.imul(h, 0x01000193) >>> 0;
    }
  }
  return h.toString(16).padStart(8, '0');
}
