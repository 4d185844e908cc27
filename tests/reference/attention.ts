// Plain-loop reference for causal grouped-query attention (forward, backward, KV-cache decode),
// in f64, used only by tests. Materialises one row of probabilities at a time: slow and obvious.
// Never imported by src/.
//
// Visibility rule (the same one the kernels implement): query position i of sequence b sees key
// position j of the same sequence iff j ≤ i and seg[b·T+j] = seg[b·T+i] ≠ 0. A plain attention mask
// (1 = token, 0 = padding) is a valid `seg`; packed sequences use ids 1, 2, …; 0 is always padding.

export interface AttentionRefShape {
  B: number; // sequences
  T: number; // tokens per sequence
  H: number; // query heads
  Hkv: number; // key/value heads (H % Hkv = 0)
  d: number; // head_dim
  scale: number; // usually 1/√d
}

export function visible(seg: ArrayLike<number>, T: number, b: number, i: number, j: number): boolean {
  const si = seg[b * T + i];
  return j <= i && si !== 0 && seg[b * T + j] === si;
}

/** q (B·T, H, d), k v (B·T, Hkv, d), seg (B·T) → out (B·T, H, d), lse (B·T, H) (0 for padded rows). */
export function attentionForwardRef(
  s: AttentionRefShape,
  q: ArrayLike<number>,
  k: ArrayLike<number>,
  v: ArrayLike<number>,
  seg: ArrayLike<number>,
): { out: Float64Array; lse: Float64Array } {
  const { B, T, H, Hkv, d, scale } = s;
  const group = H / Hkv;
  const out = new Float64Array(B * T * H * d);
  const lse = new Float64Array(B * T * H);
  const scores = new Float64Array(T);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const hk = Math.floor(h / group);
      for (let i = 0; i < T; i++) {
        const n = b * T + i;
        if (seg[n] === 0) continue; // padded query: zeros
        let max = -Infinity;
        for (let j = 0; j <= i; j++) {
          if (!visible(seg, T, b, i, j)) continue;
          let x = 0;
          for (let c = 0; c < d; c++) x += q[(n * H + h) * d + c] * k[((b * T + j) * Hkv + hk) * d + c];
          scores[j] = x * scale;
          max = Math.max(max, scores[j]);
        }
        let sum = 0;
        for (let j = 0; j <= i; j++) if (visible(seg, T, b, i, j)) sum += Math.exp(scores[j] - max);
        for (let j = 0; j <= i; j++) {
          if (!visible(seg, T, b, i, j)) continue;
          const pj = Math.exp(scores[j] - max) / sum;
          for (let c = 0; c < d; c++) out[(n * H + h) * d + c] += pj * v[((b * T + j) * Hkv + hk) * d + c];
        }
        lse[n * H + h] = max + Math.log(sum);
      }
    }
  }
  return { out, lse };
}

/** Gradients of Σ dOut∘out w.r.t. q, k, v, using P = softmax(scale·q·kᵀ) per row:
 *  dV = Pᵀ·dO,  dP = dO·Vᵀ,  dS = P∘(dP − rowsum(dO∘O)),  dQ = scale·dS·K,  dK = scale·dSᵀ·Q. */
export function attentionBackwardRef(
  s: AttentionRefShape,
  q: ArrayLike<number>,
  k: ArrayLike<number>,
  v: ArrayLike<number>,
  seg: ArrayLike<number>,
  dOut: ArrayLike<number>,
): { dq: Float64Array; dk: Float64Array; dv: Float64Array } {
  const { B, T, H, Hkv, d, scale } = s;
  const group = H / Hkv;
  const { out, lse } = attentionForwardRef(s, q, k, v, seg);
  const dq = new Float64Array(q.length);
  const dk = new Float64Array(k.length);
  const dv = new Float64Array(v.length);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const hk = Math.floor(h / group);
      for (let i = 0; i < T; i++) {
        const n = b * T + i;
        if (seg[n] === 0) continue;
        const qo = (n * H + h) * d;
        let D = 0; // rowsum(dO∘O)
        for (let c = 0; c < d; c++) D += dOut[qo + c] * out[qo + c];
        for (let j = 0; j <= i; j++) {
          if (!visible(seg, T, b, i, j)) continue;
          const ko = ((b * T + j) * Hkv + hk) * d;
          let x = 0;
          let dp = 0;
          for (let c = 0; c < d; c++) {
            x += q[qo + c] * k[ko + c];
            dp += dOut[qo + c] * v[ko + c];
          }
          const pj = Math.exp(x * scale - lse[n * H + h]);
          const ds = pj * (dp - D);
          for (let c = 0; c < d; c++) {
            dv[ko + c] += pj * dOut[qo + c];
            dq[qo + c] += scale * ds * k[ko + c];
            dk[ko + c] += scale * ds * q[qo + c];
          }
        }
      }
    }
  }
  return { dq, dk, dv };
}

export interface DecodeRefShape {
  B: number; // sequences
  maxT: number; // cache capacity per sequence
  H: number;
  Hkv: number;
  d: number;
  scale: number;
}

/** One new query per sequence against its cache: q (B, H, d), kCache vCache (B, maxT, Hkv, d),
 *  lengths (B) → out (B, H, d); a sequence of length 0 outputs zeros. */
export function attentionDecodeRef(
  s: DecodeRefShape,
  q: ArrayLike<number>,
  kCache: ArrayLike<number>,
  vCache: ArrayLike<number>,
  lengths: ArrayLike<number>,
): Float64Array {
  const { B, maxT, H, Hkv, d, scale } = s;
  const group = H / Hkv;
  const out = new Float64Array(B * H * d);
  for (let b = 0; b < B; b++) {
    const L = lengths[b];
    for (let h = 0; h < H; h++) {
      const hk = Math.floor(h / group);
      const scores = new Float64Array(L);
      let max = -Infinity;
      for (let t = 0; t < L; t++) {
        let x = 0;
        for (let c = 0; c < d; c++) x += q[(b * H + h) * d + c] * kCache[((b * maxT + t) * Hkv + hk) * d + c];
        scores[t] = x * scale;
        max = Math.max(max, scores[t]);
      }
      let sum = 0;
      for (let t = 0; t < L; t++) sum += Math.exp(scores[t] - max);
      for (let t = 0; t < L; t++) {
        const pt = Math.exp(scores[t] - max) / sum;
        for (let c = 0; c < d; c++) out[(b * H + h) * d + c] += pt * vCache[((b * maxT + t) * Hkv + hk) * d + c];
      }
    }
  }
  return out;
}

/** Prefill rows against the cache: row r is one decode query of cache row cacheRows[r] through its own
 * position (positions[r] + 1 keys); q/out [R, H, d]. */
export function attentionCachedRowsRef(
  s: DecodeRefShape,
  q: ArrayLike<number>,
  kCache: ArrayLike<number>,
  vCache: ArrayLike<number>,
  positions: ArrayLike<number>,
  cacheRows: ArrayLike<number>,
): Float64Array {
  const { maxT, H, Hkv, d } = s;
  const rowSize = maxT * Hkv * d;
  const slice = (a: ArrayLike<number>, from: number, to: number) => Array.prototype.slice.call(a, from, to) as number[];
  const out = new Float64Array(positions.length * H * d);
  for (let r = 0; r < positions.length; r++) {
    const c = cacheRows[r];
    const one = attentionDecodeRef({ ...s, B: 1 }, slice(q, r * H * d, (r + 1) * H * d), slice(kCache, c * rowSize, (c + 1) * rowSize), slice(vCache, c * rowSize, (c + 1) * rowSize), [positions[r] + 1]);
    out.set(one, r * H * d);
  }
  return out;
}
