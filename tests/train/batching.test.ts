import { describe, expect, it } from 'vitest';
import { applyLossWeights, buildMicroBatch, epochOrder, takeIndices } from '../../src/train/batching.ts';

const a = { id: 'a', inputIds: [10, 11, 12, 13, 14], segments: [0, 0, 1, 1, 2] };
const b = { id: 'b', inputIds: [20, 21, 22], segments: [0, 2, 2] };

describe('micro-batches', () => {
  it('right-pads, shifts targets by one and labels each with the predicted token’s segment', () => {
    const mb = buildMicroBatch([a, b], 8);
    expect(mb.T).toBe(5);
    expect([...mb.inputIds]).toEqual([10, 11, 12, 13, 14, 20, 21, 22, 0, 0]);
    expect([...mb.attentionMask]).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 0, 0]);
    expect([...mb.targets]).toEqual([-1, 12, 13, 14, -1, 21, 22, -1, -1, -1]);
    expect([...mb.targetSegments]).toEqual([0, 1, 1, 2, 0, 2, 2, 0, 0, 0]);
    expect([mb.nCot, mb.nCall]).toEqual([2, 3]);
    applyLossWeights(mb, { cot: 0.35, call: 0.1, alpha: 0.7 });
    expect([...mb.weights].map((x) => +x.toFixed(2))).toEqual([0, 0.35, 0.35, 0.1, 0, 0.1, 0.1, 0, 0, 0]);
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
    const straight = takeIndices(7, 3, { epoch: 0, index: 0 }, 12).indices;
    const first = takeIndices(7, 3, { epoch: 0, index: 0 }, 5);
    const second = takeIndices(7, 3, first.next, 7);
    expect([...first.indices, ...second.indices]).toEqual(straight);
    expect(second.next).toEqual({ epoch: 1, index: 5 });
  });
});
