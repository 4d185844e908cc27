// Curve downsampling for share links: Largest-Triangle-Three-Buckets (Steinarsson 2013), which keeps
// the first and last points and, per bucket, the point that spans the largest triangle with its
// neighbours, so spikes and the shape of a loss curve survive at 200 of 10,000 points (a bucket
// mean would flatten the first steps' drop). The curve's lowest and highest points are kept too: a
// bucket holding one picks it, one holding both the one LTTB prefers (LTTB alone dropped a noisy
// loss curve's best point about one time in three, so the shared chart never reached the value the
// dashboard's did). Pure; never mutates its input.

export interface Curve {
  steps: number[];
  values: number[];
}

export function downsampleCurve(curve: Curve, maxPoints: number): Curve {
  const n = curve.steps.length;
  if (curve.values.length !== n) throw new Error(`curve has ${n} steps but ${curve.values.length} values`);
  if (n <= maxPoints) return { steps: curve.steps.slice(), values: curve.values.slice() };
  if (maxPoints < 3) throw new Error(`downsampling needs at least 3 points, got ${maxPoints}`);
  const { steps: x, values: y } = curve;
  const outSteps = [x[0]];
  const outValues = [y[0]];
  // Points 1..n-2 go into maxPoints-2 buckets of (fractional) width `every`.
  const every = (n - 2) / (maxPoints - 2);
  // The interior's lowest and highest points (the first and last are kept anyway).
  let lowest = 1;
  let highest = 1;
  for (let i = 2; i < n - 1; i++) {
    if (y[i] < y[lowest]) lowest = i;
    if (y[i] > y[highest]) highest = i;
  }
  let a = 0;
  for (let b = 0; b < maxPoints - 2; b++) {
    // The next bucket's average is the third triangle vertex.
    const nextStart = Math.floor((b + 1) * every) + 1;
    const nextEnd = Math.min(Math.floor((b + 2) * every) + 1, n);
    let avgX = 0;
    let avgY = 0;
    for (let i = nextStart; i < nextEnd; i++) {
      avgX += x[i];
      avgY += y[i];
    }
    const span = Math.max(nextEnd - nextStart, 1);
    avgX /= span;
    avgY /= span;
    if (nextEnd <= nextStart) {
      avgX = x[n - 1];
      avgY = y[n - 1];
    }
    const start = Math.floor(b * every) + 1;
    const end = Math.floor((b + 1) * every) + 1;
    // A bucket holding an extreme chooses among its extremes only.
    const extremes = [lowest, highest].filter((i) => i >= start && i < end);
    let best = start;
    let bestArea = -1;
    for (let i = start; i < end; i++) {
      if (extremes.length && !extremes.includes(i)) continue;
      const area = Math.abs((x[a] - avgX) * (y[i] - y[a]) - (x[a] - x[i]) * (avgY - y[a]));
      if (area > bestArea) {
        bestArea = area;
        best = i;
      }
    }
    outSteps.push(x[best]);
    outValues.push(y[best]);
    a = best;
  }
  outSteps.push(x[n - 1]);
  outValues.push(y[n - 1]);
  return { steps: outSteps, values: outValues };
}
