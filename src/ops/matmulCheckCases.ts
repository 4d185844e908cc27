// What the tensor-core check (matmulCheck.ts) asks of a kernel, as data: the product's sizes, the
// seeds of its exact values, the forms it runs (layout of B, offset, epilogue) and the tolerance.
// Verdicts are kept under a hash of this with the kernel sources (matmulChoice.ts MATMUL_CHECK_HASH),
// so a stricter check judges again the variants an adapter passed under an earlier one. A change to
// how the check computes (its value rule, its reference) must show here too: bump `rule`.
//
// The sizes cross every tile edge: M over two 256-row tiles and a tail, N a tail of 16-column
// fragments, K a tail of half a 32-wide step. One form has B [N][K] at an offset with bias, alpha and
// accumulate; the other B [K][N] and nothing else.

export interface MatmulCheckForm {
  /** B as [N][K] (a weight as HF stores it), else [K][N]. */
  transB: boolean;
  /** Where B starts in its buffer, in halves (the staged copy needs whole 8-half runs). */
  offsetB: number;
  bias: boolean;
  alpha: number;
  /** C holds values before the product, which is added to them. */
  accumulate: boolean;
}

export interface MatmulCheckCases {
  /** The value rule and reference, by name; bumped when either changes. */
  rule: string;
  M: number;
  N: number;
  K: number;
  /** Seeds of A, the weight, the bias and C's starting values. */
  seeds: { a: number; w: number; bias: number; start: number };
  forms: MatmulCheckForm[];
  /** The largest |GPU − exact| / (1 + |exact|) a pass allows: f32 rounding of the bias and
   * accumulate additions is all that separates a right kernel from the exact result; a wrong one is
   * off by O(1). */
  tolerance: number;
}

export const MATMUL_CHECK_CASES: MatmulCheckCases = {
  rule: 'k/256 (|k| ≤ 256) from an LCG (1664525, 1013904223); f64 reference C0 + alpha·A·B + bias',
  M: 300,
  N: 272,
  K: 80,
  seeds: { a: 11, w: 23, bias: 31, start: 37 },
  forms: [
    { transB: true, offsetB: 16, bias: true, alpha: 0.5, accumulate: true },
    { transB: false, offsetB: 0, bias: false, alpha: 1, accumulate: false },
  ],
  tolerance: 1e-5,
};
