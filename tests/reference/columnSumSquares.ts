// Each column's Σ x² over the rows of a row-major [rows, cols] matrix, added to `start`, in f64:
// the importance matrix's statistic (src/ops/columnSumSquares.ts).
export function columnSumSquaresRef(x: ArrayLike<number>, rows: number, cols: number, start: ArrayLike<number>): Float64Array {
  const out = Float64Array.from(start);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c] += x[r * cols + c] ** 2;
  return out;
}
