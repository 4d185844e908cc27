// Central finite differences in f64, the ground truth every hand-written reference backward is
// checked against (tests only). Error is O(h²) from truncation plus O(ε/h) from rounding; with
// h = 1e-5 and O(1) values both stay near 1e-9, far under the 1e-6 tolerances the tests use.

/** ∂loss/∂x[i] ≈ (loss(x + h·e_i) − loss(x − h·e_i)) / 2h for every i; x is restored afterwards. */
export function numericGradient(loss: (x: Float64Array) => number, x: Float64Array, h = 1e-5): Float64Array {
  const grad = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const keep = x[i];
    x[i] = keep + h;
    const up = loss(x);
    x[i] = keep - h;
    const down = loss(x);
    x[i] = keep;
    grad[i] = (up - down) / (2 * h);
  }
  return grad;
}

/** Σ a⊙b in f64: the scalar whose gradient with respect to an op's output is `b` (the upstream dy). */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
