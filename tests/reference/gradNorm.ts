// Plain reference of the global gradient norm and clip factor (tests only), f64.
//   ‖g‖ = scale·sqrt(Σ over all tensors of g²),  clip = min(1, maxNorm/(‖g‖ + 1e-6)), 1 if maxNorm ≤ 0

export function gradNormRef(grads: ArrayLike<number>[], maxNorm: number, scale = 1): { norm: number; clip: number } {
  let ss = 0;
  for (const g of grads) for (let i = 0; i < g.length; i++) ss += g[i] * g[i];
  const norm = scale * Math.sqrt(ss);
  return { norm, clip: maxNorm > 0 ? Math.min(1, maxNorm / (norm + 1e-6)) : 1 };
}
