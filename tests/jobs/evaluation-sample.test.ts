// An evaluation limit takes every category in its share: the first n of a set sorted by category
// (a BFCL import of 400 simple then 400 parallel questions) evaluated one category only.
import { describe, expect, it } from 'vitest';
import type { Example } from '../../src/data/example.ts';
import { evaluationSample } from '../../src/jobs/data.ts';

const tool = (name: string) => ({ name, description: '', parameters: { type: 'object', properties: {} } });
const example = (id: string, category?: string, calls = 1, tools = 1): Example => ({
  id,
  tools: Array.from({ length: tools }, (_, i) => tool(`f${i}`)),
  messages: [{ role: 'user', content: id }],
  target: { calls: Array.from({ length: calls }, () => ({ name: 'f0', arguments: {} })) },
  ...(category ? { category } : {}),
});
const ids = (xs: Example[]) => xs.map((e) => e.id);

describe('evaluation sample', () => {
  it('takes each category in its share, its first ones, in the examples order', () => {
    const sorted = [
      ...Array.from({ length: 6 }, (_, i) => example(`s${i}`, 'simple')),
      ...Array.from({ length: 3 }, (_, i) => example(`p${i}`, 'parallel')),
      example('i0', 'irrelevance'),
    ];
    // Shares 3, 1.5 and 0.5 of 5: the seat left goes to the first of the tied remainders.
    expect(ids(evaluationSample(sorted, 5))).toEqual(['s0', 's1', 's2', 'p0', 'p1']);
    expect(ids(evaluationSample(sorted, 2))).toEqual(['s0', 'p0']);
    // Shares 5.4, 2.7 and 0.9 of 9: the two seats left go to the largest remainders.
    expect(ids(evaluationSample(sorted, 9))).toEqual(['s0', 's1', 's2', 's3', 's4', 'p0', 'p1', 'p2', 'i0']);
    expect(evaluationSample(sorted, 10)).toBe(sorted);
    expect(evaluationSample(sorted, 50)).toBe(sorted);
    expect(evaluationSample(sorted, 0)).toEqual([]);
  });

  it('reads the category from the calls where the data names none, and keeps interleaved order', () => {
    const mixed = [example('a', undefined, 1, 1), example('b', undefined, 0), example('c', undefined, 2, 1), example('d', undefined, 1, 1), example('e', undefined, 0), example('f', undefined, 2, 1)];
    // simple a, d; irrelevance b, e; parallel c, f: one of each in file order.
    expect(ids(evaluationSample(mixed, 3))).toEqual(['a', 'b', 'c']);
    expect(ids(evaluationSample(mixed, 4))).toEqual(['a', 'b', 'c', 'd']);
  });
});
