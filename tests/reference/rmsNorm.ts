// Plain reference of RMSNorm (tests only): slow obvious loops in f64.
//   y[r,i] = x[r,i]·rstd_r·w[i],  rstd_r = 1/sqrt(mean_i x[r,i]² + eps)

/** x (rows, C), w (C) → y (rows, C), rstd (rows) */
export function rmsNormForwardRef(x: ArrayLike<number>, w: ArrayLike<number>, rows: number, C: number, eps: number) {
  const y = new Float64Array(rows * C);
  const rstd = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let ss = 0;
    for (let i = 0; i < C; i++) ss += x[r * C + i] ** 2;
    rstd[r] = 1 / Math.sqrt(ss / C + eps);
    for (let i = 0; i < C; i++) y[r * C + i] = x[r * C + i] * rstd[r] * w[i];
  }
  return { y, rstd };
}

/** Gradients of Σ dy⊙y: dx (rows, C) by the chain rule written out, dw (C). Recomputes rstd. */
export function rmsNormBackwardRef(x: ArrayLike<number>, w: ArrayLike<number>, dy: ArrayLike<number>, rows: number, C: number, eps: number) {
  const { rstd } = rmsNormForwardRef(x, w, rows, C, eps);
  const dx = new Float64Array(rows * C);
  const dw = new Float64Array(C);
  for (let r = 0; r < rows; r++) {
    const s = rstd[r];
    // ∂rstd/∂x_j = −rstd³·x_j/C, so dx_j = s·g_j − x_j·s³·(Σ_i g_i·x_i)/C with g = dy⊙w
    let gx = 0;
    for (let i = 0; i < C; i++) gx += dy[r * C + i] * w[i] * x[r * C + i];
    for (let j = 0; j < C; j++) dx[r * C + j] = s * dy[r * C + j] * w[j] - (x[r * C + j] * s ** 3 * gx) / C;
    for (let i = 0; i < C; i++) dw[i] += dy[r * C + i] * x[r * C + i] * s;
  }
  return { dx, dw };
}
