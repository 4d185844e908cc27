// Which examples a resume goes on over (trainer.ts resumedTrainingSet), without a GPU: the run's
// own where only examples after them are new (HDR's samples, or one included after them), and a
// refusal that names what the user did where the run's own changed (an example included among them).
import { describe, expect, it } from 'vitest';
import { trainingSetDigest, type TokenizedExample } from '../../src/train/batching.ts';
import { resumedTrainingSet } from '../../src/train/trainer.ts';
import { changeReachesOwn, ownPrefix } from '../../src/train/ownExamples.ts';

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

describe('whether including or leaving out one example reaches a run’s own examples (the page’s warning)', () => {
  // The page warned that any change to the dataset's training examples stopped every paused run's
  // resume, though one after the run's own examples leaves its resume going on. The warning's rule
  // must be the resume's: checked here against resumedTrainingSet for every single change.
  it('says a change stops the resume exactly where resumedTrainingSet then refuses it', () => {
    // The dataset in import order; "x" and "y" are left out now, the run trained on a, b, c.
    const dataset = [a, example('x', 9), b, c, example('y', 11), flagged];
    const usedNow = new Set(['a', 'b', 'c', 'flagged']);
    const own = ownPrefix(checkpoint, dataset.filter((e) => usedNow.has(e.id)));
    expect(own).toEqual([a, b, c]);
    const lastOwn = dataset.indexOf(own.at(-1)!);
    for (const [at, e] of dataset.entries()) {
      const used = new Set(usedNow);
      if (used.has(e.id)) used.delete(e.id);
      else used.add(e.id);
      const after = dataset.filter((d) => used.has(d.id));
      let refused = false;
      try {
        resumedTrainingSet(checkpoint, after);
      } catch {
        refused = true;
      }
      expect(changeReachesOwn([at], lastOwn), `${usedNow.has(e.id) ? 'leaving out' : 'including'} ${e.id}`).toBe(refused);
    }
    // Many at once reach them where any one does.
    expect(changeReachesOwn([5, 4], lastOwn)).toBe(false);
    expect(changeReachesOwn([5, 1], lastOwn)).toBe(true);
    expect(changeReachesOwn([], lastOwn)).toBe(false);
  });
});
