// Plain reference of SwiGLU (tests only), f64: out = silu(g)·u, silu(g) = g/(1 + e^−g).

/** gate, up (n) → out (n) */
export function swigluForwardRef(gate: ArrayLike<number>, up: ArrayLike<number>): Float64Array {
  return Float64Array.from({ length: gate.length }, (_, i) => (gate[i] / (1 + Math.exp(-gate[i]))) * up[i]);
}

/** Gradients of Σ dy⊙out: dgate = dy·u·silu'(g), silu'(g) = σ(g)(1 + g(1 − σ(g))); dup = dy·silu(g). */
export function swigluBackwardRef(gate: ArrayLike<number>, up: ArrayLike<number>, dy: ArrayLike<number>) {
  const n = gate.length;
  const dgate = new Float64Array(n);
  const dup = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const s = 1 / (1 + Math.exp(-gate[i]));
    dgate[i] = dy[i] * up[i] * s * (1 + gate[i] * (1 - s));
    dup[i] = dy[i] * gate[i] * s;
  }
  return { dgate, dup };
}
