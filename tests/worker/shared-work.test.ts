// sharedWork: one piece of work per key at a time, every asker hears its progress, and a finished
// or failed piece is started afresh by the next asker.
import { describe, expect, it } from 'vitest';
import { sharedWork } from '../../src/worker/sharedWork.ts';
import type { ProgressInfo } from '../../src/jobs/context.ts';

describe('sharedWork', () => {
  it('runs one piece of work per key for concurrent askers, each hearing its progress, and starts again once it ends', async () => {
    const work = sharedWork<number>();
    let starts = 0;
    let release!: (n: number) => void;
    let report!: (p: ProgressInfo) => void;
    const start = (r: (p: ProgressInfo) => void) => {
      starts++;
      report = r;
      return new Promise<number>((resolve) => (release = resolve));
    };
    const heard: string[] = [];
    const a = work.run('d1', start, (p) => heard.push(`a ${p.done}`));
    const b = work.run('d1', start, (p) => heard.push(`b ${p.done}`));
    const other = work.run('d2', () => Promise.resolve(7));
    expect(starts).toBe(1);
    expect(work.has('d1')).toBe(true);
    report({ label: 'counting tokens', done: 1, total: 2 });
    release(42);
    expect(await Promise.all([a, b, other])).toEqual([42, 42, 7]);
    expect(heard).toEqual(['a 1', 'b 1']);
    expect(work.has('d1')).toBe(false);
    expect([...work.keys()]).toEqual([]);
    const again = work.run('d1', start);
    expect(starts).toBe(2);
    release(43);
    expect(await again).toBe(43);
  });

  it('passes a failure to every asker and does not keep it', async () => {
    const work = sharedWork<number>();
    const failing = () => Promise.reject(new Error('disk gone'));
    await expect(Promise.all([work.run('d', failing), work.run('d', failing)])).rejects.toThrow('disk gone');
    expect(work.has('d')).toBe(false);
    expect(await work.run('d', () => Promise.resolve(1))).toBe(1);
  });
});
