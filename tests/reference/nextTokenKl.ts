// KL(softmax p ‖ softmax q) per row of two [rows, V] logit arrays, and each row's argmax (the first
// on ties), in f64: the reference for src/ops/nextTokenKl.ts.
export function nextTokenKlRef(p: ArrayLike<number>, q: ArrayLike<number>, rows: number, V: number): { kl: Float64Array; tops: number[] } {
  const kl = new Float64Array(rows);
  const tops: number[] = [];
  const lse = (x: ArrayLike<number>, o: number) => {
    let m = -Infinity;
    for (let v = 0; v < V; v++) m = Math.max(m, x[o + v]);
    let s = 0;
    for (let v = 0; v < V; v++) s += Math.exp(x[o + v] - m);
    return m + Math.log(s);
  };
  const argmax = (x: ArrayLike<number>, o: number) => {
    let best = 0;
    for (let v = 1; v < V; v++) if (x[o + v] > x[o + best]) best = v;
    return best;
  };
  for (let r = 0; r < rows; r++) {
    const o = r * V;
    const lp = lse(p, o);
    const lq = lse(q, o);
    let s = 0;
    for (let v = 0; v < V; v++) s += Math.exp(p[o + v] - lp) * (p[o + v] - lp - (q[o + v] - lq));
    kl[r] = s;
    tops.push(argmax(p, o), argmax(q, o));
  }
  return { kl, tops };
}
