// Which examples a resume goes on over (trainer.ts resumedTrainingSet), without a GPU: the run's
// own where only examples after them are new (HDR's samples, or one included after them), and a
// refusal that names what the user did where the run's own changed (an example included among them).
import { describe, expect, it } from 'vitest';
import { trainingSetDigest, type TokenizedExample } from '../../src/train/batching.ts';
import { resumedTrainingSet } from '../../src/train/trainer.ts';

const example = (id: string, token: number): TokenizedExample => ({ id, inputIds: [token, token + 1], segments: [0, 2] });
const [a, b, c, flagged] = [example('a', 1), example('b', 3), example('c', 5), example('flagged', 7)];
const checkpoint = { trainExamples: 3, trainDigest: trainingSetDigest([a, b, c]) };

describe('the training set a resume goes on over', () => {
  it('is the run\'s own when the only new example comes after them', () => {
    expect(resumedTrainingSet(checkpoint, [a, b, c, flagged])).toEqual([a, b, c]);
  });

  it('is refused, naming an inclusion, when an example was included among the run\'s own', () => {
    // It said "examples were added to or left out of its dataset since" to a user who had included one.
    expect(() => resumedTrainingSet(checkpoint, [a, flagged, b, c])).toThrow(
      "the checkpoint's data order runs over 3 training examples, but the training set now has 4 (examples were included in or left out of its training set, or added to its dataset, since)",
    );
  });
});
