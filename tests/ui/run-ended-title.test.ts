// What the tab's title (and the system notification) says when a run ends while the user looks
// elsewhere: a failed run was marked "✓" as if it had succeeded, and a run the user stopped early
// read "finished at step 8" beside a run that trained all its steps.
import { afterAll, describe, expect, it, vi } from 'vitest';

const page = { hidden: true, title: 'BalanceSFT Studio', addEventListener() {}, removeEventListener() {} };
vi.stubGlobal('document', page);
const { notifyRunEnded, runEndedText } = await import('../../src/state/notify.ts');
afterAll(() => vi.unstubAllGlobals());

describe('the title when a run ends in the background', () => {
  it('marks only a finished run as done', () => {
    notifyRunEnded('a', 'done', 20, 20);
    expect(page.title).toBe('✓ Training “a” finished at step 20 · BalanceSFT Studio');
    notifyRunEnded('a', 'failed', 3, 20);
    expect(page.title).toBe('✗ Training “a” failed after 3 steps · BalanceSFT Studio');
    notifyRunEnded('a', 'paused', 5, 20);
    expect(page.title).toBe('Training “a” paused at step 5 · BalanceSFT Studio');
  });

  it('says a run stopped before its last step stopped there, not that it finished', () => {
    expect(runEndedText('a', 'done', 8, 20)).toBe('Training “a” stopped at step 8 of 20');
    expect(runEndedText('a', 'done', 20, 20)).toBe('Training “a” finished at step 20');
    notifyRunEnded('a', 'done', 8, 20);
    expect(page.title).toBe('Training “a” stopped at step 8 of 20 · BalanceSFT Studio');
  });

  // A resumed run stopped while it tokenized keeps its steps: it read "stopped before it trained a step".
  it('says a resumed run stopped before it went on keeps its steps', () => {
    expect(runEndedText('a', 'created', 0, 20)).toBe('Training “a” stopped before it trained a step');
    expect(runEndedText('a', 'created', 2, 20)).toBe('Training “a” stopped before it went on from step 2');
  });
});
