// The open hard cases earlier HDR runs left, taken up by the next run (src/hdr/openCases.ts). A run
// mining the first 40 training examples never asked again an open case further on (demo-0049, the
// 46th), said "no hard case", and the page listed that case open below it.
import { describe, expect, it } from 'vitest';
import type { Example } from '../../src/data/example.ts';
import { examplesToMine, openCasesNotes, withEarlierOutputs } from '../../src/hdr/index.ts';

const example = (id: string): Example => ({ id, tools: [], messages: [{ role: 'user', content: id }], target: { calls: [] }, source: 'openai' });
const open = (exampleId: string, failedOutputs = ['old']) => ({ exampleId, round: 1, failedOutputs });

describe('the open hard cases the next HDR run takes up', () => {
  it('are asked beside the mining set, once, when they are training examples', () => {
    const train = ['a', 'b', 'c', 'd'].map(example);
    const taken = examplesToMine(train.slice(0, 2), train, [open('b'), open('d'), open('gone')]);
    // b is mined anyway; d is asked beyond the first two; gone is no training example now.
    expect(taken.examples.map((e) => e.id)).toEqual(['a', 'b', 'd']);
    expect(taken).toMatchObject({ retried: ['d'], notAsked: ['gone'] });
    expect(openCasesNotes(taken, 2)).toEqual([
      'also asked 1 open hard case an earlier HDR run left (d), beside the 2 examples chosen to mine',
      "1 open hard case an earlier HDR run left not asked again (gone): its example is not among the training examples this run mines (held out or left out now, or not in its data)",
    ]);
    expect(openCasesNotes(examplesToMine(train, train, [open('a')]), 4)).toEqual([]);
  });

  it('keep the failed outputs they had when mined again', () => {
    const pool = [{ example: example('d'), failedOutputs: ['new'], round: 0, status: 'open' as const }, { example: example('a'), failedOutputs: ['x'], round: 0, status: 'open' as const }];
    const kept = withEarlierOutputs(pool, [open('d', ['older', 'old', 'new'])], 3);
    expect(kept.map((c) => c.failedOutputs)).toEqual([['older', 'old', 'new'], ['x']]);
    expect(withEarlierOutputs(pool, [open('d', ['older', 'old'])], 2)[0].failedOutputs).toEqual(['old', 'new']);
  });
});
