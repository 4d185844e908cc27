import { describe, expect, it } from 'vitest';
import { applyLossWeights, buildMicroBatch, buildStepBatches, epochOrder, layoutPerToken, packRows, takeIndices, trainingSetDigest } from '../../src/train/batching.ts';
import { segmentRuleBreak } from '../../src/model/batchBuffers.ts';
import { seededRandom } from '../helpers/compare.ts';

const a = { id: 'a', inputIds: [10, 11, 12, 13, 14], segments: [0, 0, 1, 1, 2] };
const b = { id: 'b', inputIds: [20, 21, 22], segments: [0, 2, 2] };

describe('micro-batches', () => {
  it('right-pads, shifts targets by one and labels each with the predicted token’s segment', () => {
    const mb = buildMicroBatch([a, b], 6);
    expect(mb.T).toBe(5);
    expect([...mb.inputIds]).toEqual([10, 11, 12, 13, 14, 20, 21, 22, 0, 0]);
    expect([...mb.attnSegments]).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 0, 0]);
    expect([...mb.targets]).toEqual([-1, 12, 13, 14, -1, 21, 22, -1, -1, -1]);
    expect([...mb.targetSegments]).toEqual([0, 1, 1, 2, 0, 2, 2, 0, 0, 0]);
    expect([mb.nCot, mb.nCall]).toEqual([2, 3]);
    applyLossWeights(mb, { cot: 0.35, call: 0.1, alpha: 0.7 });
    expect([...mb.weights].map((x) => +x.toFixed(2))).toEqual([0, 0.35, 0.35, 0.1, 0, 0.1, 0.1, 0, 0, 0]);
  });

  it('packs short examples end to end into rows, each with its own positions, segment and targets', () => {
    const c = { id: 'c', inputIds: [30, 31], segments: [0, 2] };
    const d = { id: 'd', inputIds: [40, 41, 42, 43], segments: [0, 1, 2, 2] };
    // With a sequence length of 5, rows as long as the longest example: longest first, each into
    // the first row with room: a | d | b c. Three rows for four examples.
    expect(packRows([5, 3, 2, 4], 5)).toEqual([[0], [3], [1, 2]]);
    const mb = buildMicroBatch([a, b, c, d], 5);
    expect([mb.B, mb.T]).toEqual([3, 5]);
    expect([...mb.inputIds]).toEqual([10, 11, 12, 13, 14, 40, 41, 42, 43, 0, 20, 21, 22, 30, 31]);
    expect([...mb.positions]).toEqual([0, 1, 2, 3, 4, 0, 1, 2, 3, 0, 0, 1, 2, 0, 1]);
    // Each labelled 1 + the index of its first token in the row: c starts at 3.
    expect([...mb.attnSegments]).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 4, 4]);
    // b's last token predicts nothing: the token after it in the row is c's.
    expect([...mb.targets]).toEqual([-1, 12, 13, 14, -1, 41, 42, 43, -1, -1, 21, 22, -1, 31, -1]);
    expect([...mb.targetSegments]).toEqual([0, 1, 1, 2, 0, 1, 2, 2, 0, 0, 2, 2, 0, 2, 0]);
    const alone = buildMicroBatch([a, b, c, d], 5, { pack: false });
    expect([alone.B, alone.T, alone.nCot, alone.nCall]).toEqual([4, 5, mb.nCot, mb.nCall]);
    // The tokens and targets are the same ones, only placed otherwise.
    const real = (m: typeof mb) => [...m.targets].filter((x, i) => m.attnSegments[i] > 0 && x >= 0).sort();
    expect(real(mb)).toEqual(real(alone));
  });

  it('fills rows up to the sequence length where that lays out fewer tokens', () => {
    const c = { id: 'c', inputIds: [30, 31], segments: [0, 2] };
    const d = { id: 'd', inputIds: [40, 41, 42, 43], segments: [0, 1, 2, 2] };
    // With 8: longest first onto the emptier of two rows, a c | d b, 2 × 7 tokens where rows as
    // long as a lay out 3 × 5.
    expect(packRows([5, 3, 2, 4], 8)).toEqual([[0, 2], [3, 1]]);
    const mb = buildMicroBatch([a, b, c, d], 8);
    expect([mb.B, mb.T]).toEqual([2, 7]);
    expect([...mb.inputIds]).toEqual([10, 11, 12, 13, 14, 30, 31, 40, 41, 42, 43, 20, 21, 22]);
    expect([...mb.positions]).toEqual([0, 1, 2, 3, 4, 0, 1, 0, 1, 2, 3, 0, 1, 2]);
    expect([...mb.attnSegments]).toEqual([1, 1, 1, 1, 1, 6, 6, 1, 1, 1, 1, 5, 5, 5]);
    expect(segmentRuleBreak(mb.attnSegments, mb.B, mb.T)).toBeNull();
    // With 6 two rows would outgrow it, and three lay out no fewer than first-fit's a | d | b c.
    expect(packRows([5, 3, 2, 4], 6)).toEqual([[0], [3], [1, 2]]);
    // One row where all fit in it.
    expect(packRows([5, 3, 2, 4], 14)).toEqual([[0, 3, 1, 2]]);
  });

  it('keeps a row per example, in the given order, where packing saves nothing', () => {
    // No two of 5, 3, 4 fit in 5, and two rows would need 7 (within 7 they save a token: [5] [4 3]).
    // The layout of an unpacked batch, bit for bit.
    for (const maxLen of [5, 6]) expect(packRows([5, 3, 4], maxLen), `${maxLen}`).toEqual([[0], [1], [2]]);
    expect(packRows([5, 3, 4], 7)).toEqual([[0], [2, 1]]);
    const d = { id: 'd', inputIds: [40, 41, 42, 43], segments: [0, 1, 2, 2] };
    const packed = buildMicroBatch([a, b, d], 5);
    const alone = buildMicroBatch([a, b, d], 5, { pack: false });
    for (const k of ['inputIds', 'positions', 'attnSegments', 'targets', 'targetSegments'] as const) expect([...packed[k]], k).toEqual([...alone[k]]);
    expect(packRows([7], 7)).toEqual([[0]]);
  });

  it('with gradient accumulation, packs the step’s examples together where that lays out fewer tokens', () => {
    const ex = (id: string, n: number, seg = 1) => ({ id, inputIds: Array.from({ length: n }, (_, t) => 100 + t), segments: Array.from({ length: n }, (_, t) => (t === 0 ? 0 : seg)) });
    const step = [ex('a', 10), ex('b', 2, 2), ex('c', 9), ex('d', 3, 2)];
    // Two micro-batches of two, each packed on its own: [a][b] × 10 and [c][d] × 9, 38 tokens.
    const each = buildStepBatches(step, 2, 16, { pack: false });
    expect(each.map((mb) => [mb.B, mb.T])).toEqual([[2, 10], [2, 9]]);
    // With a sequence length of 10, packed together: rows [a] [c] [d b], fullest first, two to a
    // micro-batch: 20 + 5 tokens.
    const pooled = buildStepBatches(step, 2, 10);
    expect(pooled.map((mb) => [mb.B, mb.T, mb.ids.join('')])).toEqual([[2, 10, 'ac'], [1, 5, 'db']]);
    expect([...pooled[1].positions]).toEqual([0, 1, 2, 0, 1]);
    expect([...pooled[1].attnSegments]).toEqual([1, 1, 1, 4, 4]);
    const totals = (mbs: typeof each) => [mbs.reduce((n, mb) => n + mb.nCot, 0), mbs.reduce((n, mb) => n + mb.nCall, 0)];
    expect(totals(pooled)).toEqual(totals(each));
    // Where packing together saves nothing, the micro-batches are those of the given order, bit for bit.
    const even = [ex('a', 5), ex('b', 5), ex('c', 4), ex('d', 4)];
    expect(buildStepBatches(even, 2, 16).map((mb) => [...mb.inputIds])).toEqual(buildStepBatches(even, 2, 16, { pack: false }).map((mb) => [...mb.inputIds]));
    expect(buildStepBatches([ex('a', 3)], 2, 16)).toHaveLength(1);
    // Within 16, each micro-batch alone packs into one row: [a b] and [c d], 12 + 12 tokens, nothing
    // padded.
    expect(buildStepBatches(step, 2, 16).map((mb) => [mb.B, mb.T, mb.ids.join('')])).toEqual([[1, 12, 'ab'], [1, 12, 'cd']]);
    // In the order a c d b that leaves [a] [c] × 10 and [d b] × 5, 25 tokens; the step packed
    // together is one micro-batch of two rows, [a b] [c d], 24.
    const across = buildStepBatches([step[0], step[2], step[3], step[1]], 2, 16);
    expect(across.map((mb) => [mb.B, mb.T, mb.ids.join('')])).toEqual([[2, 12, 'abcd']]);
    expect(totals(across)).toEqual(totals(each));
  });

  it('says what a batch size lays out per token trained on, packed and a row each', () => {
    // One step of 8, 4, 4: packed [8] [4 4], 16 tokens for 16; a row each 3 × 8.
    expect(layoutPerToken([8, 4, 4], 3, 1, 8)).toEqual({ packed: 1, rowEach: 1.5 });
    // Single examples are never padded; more steps, or accumulation, never lay out more packed.
    expect(layoutPerToken([8, 4, 4, 7, 1], 1, 1, 8)).toEqual({ packed: 1, rowEach: 1 });
    const r = seededRandom(9);
    const lengths = Array.from({ length: 200 }, () => 20 + Math.floor(r() * 300));
    for (const [b, a] of [[2, 1], [4, 2], [8, 1], [2, 8]] as const) {
      const x = layoutPerToken(lengths, b, a, 320);
      expect(x.packed, `${b} × ${a}`).toBeGreaterThanOrEqual(1);
      expect(x.packed, `${b} × ${a}`).toBeLessThan(x.rowEach);
      // Rows as long as 640 hold more than rows of 320.
      expect(layoutPerToken(lengths, b, a, 640).packed, `${b} × ${a}`).toBeLessThan(x.packed);
    }
    // Two examples longer than half the sequence length never share a row: batches of 2 save only
    // by accumulating.
    const long = lengths.map((l) => 161 + (l % 160));
    expect(layoutPerToken(long, 2, 1, 320).packed).toBe(layoutPerToken(long, 2, 1, 320).rowEach);
    expect(layoutPerToken(long, 2, 4, 320).packed).toBeLessThan(layoutPerToken(long, 2, 4, 320).rowEach);
  });

  it('estimates a large set from the first 4,096 examples of its seeded epoch order, and from at least one whole step', () => {
    // The Training panel recomputes the estimate on every field edit: a 60,000-example set must not
    // pack 60,000 examples each time.
    const r = seededRandom(11);
    const lengths = Array.from({ length: 60_000 }, () => 20 + Math.floor(r() * 300));
    const order = epochOrder(lengths.length, 0x5eed, 0);
    const estimate = layoutPerToken(lengths, 8, 1, 320);
    // Lengths past the sample change nothing; one inside it does.
    const outside = lengths.slice();
    for (const i of order.subarray(4096)) outside[i] = 319;
    expect(layoutPerToken(outside, 8, 1, 320)).toEqual(estimate);
    const inside = lengths.slice();
    inside[order[4095]] = lengths[order[4095]] === 319 ? 20 : 319;
    expect(layoutPerToken(inside, 8, 1, 320)).not.toEqual(estimate);
    // A step of 64 × 128 = 8,192 examples is larger than the sample: the estimate is of that step.
    const bigStep = layoutPerToken(lengths, 64, 128, 320);
    const onlyThatStep = outside.slice();
    for (const i of order.subarray(0, 8192)) onlyThatStep[i] = lengths[i];
    expect(layoutPerToken(onlyThatStep, 64, 128, 320)).toEqual(bigStep);
    onlyThatStep[order[8191]] = onlyThatStep[order[8191]] === 319 ? 20 : 319;
    expect(layoutPerToken(onlyThatStep, 64, 128, 320)).not.toEqual(bigStep);
  });

  it('labels rows by the attention’s segment rule, which refuses labels that would let attention skip keys a row sees', () => {
    const r = seededRandom(3);
    for (let k = 0; k < 20; k++) {
      const examples = Array.from({ length: 2 + Math.floor(r() * 9) }, (_, i) => {
        const n = 1 + Math.floor(r() * 30);
        return { id: `e${i}`, inputIds: Array.from({ length: n }, (_, t) => t), segments: Array.from({ length: n }, () => 1) };
      });
      const mb = buildMicroBatch(examples, 30);
      expect(segmentRuleBreak(mb.attnSegments, mb.B, mb.T)).toBeNull();
    }
    // An attention mask, left padding and sequences numbered 1, 2, … are within the rule too.
    for (const ok of [[1, 1, 0], [0, 0, 1, 1], [1, 1, 2, 2, 3]]) expect(segmentRuleBreak(Uint32Array.from(ok), 1, ok.length)).toBeNull();
    expect(segmentRuleBreak(Uint32Array.from([1, 1, 0, 1]), 1, 4)).toBe('row 0, position 3: label 1 comes back after another run');
    expect(segmentRuleBreak(Uint32Array.from([1, 1, 1, 1, 5, 5]), 2, 3)).toBe("row 1, position 1: label 5 is past 1 + its run's first position (1)");
  });

  it('refuses an example longer than the sequence length, naming it', () => {
    expect(() => buildMicroBatch([a], 4)).toThrow(/example a has 5 tokens, more than the sequence length 4/);
  });
});

describe('data order', () => {
  it('is a seeded permutation per epoch, reproducible and different across epochs', () => {
    const e0 = epochOrder(50, 7, 0);
    expect([...e0].sort((x, y) => x - y)).toEqual([...Array(50).keys()]);
    expect([...epochOrder(50, 7, 0)]).toEqual([...e0]);
    expect([...epochOrder(50, 7, 1)]).not.toEqual([...e0]);
    expect([...epochOrder(50, 8, 0)]).not.toEqual([...e0]);
  });

  it('a resumed cursor continues exactly where an uninterrupted run would be', () => {
    // The trainer takes a step's worth each time; a resume restores the cursor between two steps.
    const steps = (from: { epoch: number; index: number }, k: number) => {
      const out: number[][] = [];
      let c = from;
      for (let i = 0; i < k; i++) {
        const r = takeIndices(7, 3, c, 5);
        out.push(r.indices);
        c = r.next;
      }
      return { out, cursor: c };
    };
    const straight = steps({ epoch: 0, index: 0 }, 9).out;
    const first = steps({ epoch: 0, index: 0 }, 4);
    const resumed = steps(JSON.parse(JSON.stringify(first.cursor)), 5);
    expect([...first.out, ...resumed.out]).toEqual(straight);
  });

  it('gives every example once per epoch and never twice in a step that crosses epochs', () => {
    for (const [n, count] of [[10, 4], [7, 5], [13, 13], [9, 2]]) {
      let c = { epoch: 0, index: 0 } as Parameters<typeof takeIndices>[2];
      const seen: number[] = [];
      for (let step = 0; step < 40; step++) {
        const r = takeIndices(n, 11, c, count);
        expect(new Set(r.indices).size, `n=${n} step ${step}: ${r.indices}`).toBe(count);
        seen.push(...r.indices);
        c = r.next;
      }
      for (let e = 0; (e + 1) * n <= seen.length; e++) {
        expect([...seen.slice(e * n, (e + 1) * n)].sort((a, b) => a - b), `n=${n} epoch ${e}`).toEqual([...Array(n).keys()]);
      }
    }
  });

  it('moves the cursor to the next epoch at an exact epoch end', () => {
    expect(takeIndices(6, 1, { epoch: 0, index: 0 }, 3).next).toEqual({ epoch: 0, index: 3 });
    expect(takeIndices(6, 1, { epoch: 0, index: 3 }, 3).next).toEqual({ epoch: 1, index: 0 });
  });

  it('repeats within a step only when the step is larger than the training set', () => {
    const r = takeIndices(3, 1, { epoch: 0, index: 0 }, 7);
    expect(r.indices).toHaveLength(7);
    expect(r.next).toEqual({ epoch: 2, index: 1 });
  });
});

describe('training-set digest (what a checkpoint cursor runs over)', () => {
  const ex = (id: string, ids: number[], segs: number[]) => ({ id, inputIds: ids, segments: segs });
  it('differs for as many examples with other tokens, segments, order or split points; ignores ids', () => {
    const a = [ex('a', [1, 2, 3], [0, 1, 2]), ex('b', [4, 5], [0, 2])];
    const d = trainingSetDigest(a);
    expect(d).toMatch(/^crc32:[0-9a-f]{8}$/);
    expect(trainingSetDigest([ex('x', [1, 2, 3], [0, 1, 2]), ex('y', [4, 5], [0, 2])])).toBe(d);
    expect(trainingSetDigest([a[0], ex('b', [4, 6], [0, 2])])).not.toBe(d);
    expect(trainingSetDigest([a[0], ex('b', [4, 5], [0, 1])])).not.toBe(d);
    expect(trainingSetDigest([a[1], a[0]])).not.toBe(d);
    expect(trainingSetDigest([ex('a', [1, 2], [0, 1]), ex('b', [3, 4, 5], [2, 0, 2])])).not.toBe(d);
  });
});
