// Plain reference of the token embedding (tests only), f64.

/** ids (T), table (vocab, C) → out (T, C); an id outside [0, vocab) gives a zero row. */
export function embeddingForwardRef(ids: ArrayLike<number>, table: ArrayLike<number>, vocab: number, C: number): Float64Array {
  const out = new Float64Array(ids.length * C);
  for (let t = 0; t < ids.length; t++) {
    if (ids[t] < 0 || ids[t] >= vocab) continue;
    for (let j = 0; j < C; j++) out[t * C + j] = table[ids[t] * C + j];
  }
  return out;
}

/** Gradient of Σ dy⊙out with respect to the table: dTable (vocab, C), each token adding dy[t] to its row. */
export function embeddingBackwardRef(ids: ArrayLike<number>, dy: ArrayLike<number>, vocab: number, C: number): Float64Array {
  const dTable = new Float64Array(vocab * C);
  for (let t = 0; t < ids.length; t++) {
    if (ids[t] < 0 || ids[t] >= vocab) continue;
    for (let j = 0; j < C; j++) dTable[ids[t] * C + j] += dy[t * C + j];
  }
  return dTable;
}
