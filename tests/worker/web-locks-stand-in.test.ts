// The tests' Web Locks stand-in grants as the API does (the spec's "grantable" rule): it threw
// where a request should have waited, which hid jobs that read before their lock was granted.
import { describe, expect, it } from 'vitest';
import { stubLocks } from '../helpers/locks.ts';

/** A hold of `name` that ends when `release()` is called; `order` notes each grant. */
function hold(locks: ReturnType<typeof stubLocks>, order: string[], label: string, name: string, options: { mode?: string; ifAvailable?: boolean } = {}) {
  let release!: () => void;
  const done = locks.request(name, options, async (lock) => {
    order.push(lock ? label : `${label} refused`);
    if (lock) await new Promise<void>((r) => (release = r));
  });
  return { done, release: () => release() };
}

describe('the Web Locks stand-in', () => {
  it('grants in request order: shared holders together, an exclusive one alone, a shared one not past a waiting exclusive one', async () => {
    const locks = stubLocks();
    const order: string[] = [];
    const reader1 = hold(locks, order, 'reader 1', 'd', { mode: 'shared' });
    const writer = hold(locks, order, 'writer', 'd');
    const reader2 = hold(locks, order, 'reader 2', 'd', { mode: 'shared' });
    await new Promise((r) => setTimeout(r, 0));
    expect(order).toEqual(['reader 1']);
    expect((await locks.query()).pending).toEqual([
      { name: 'd', mode: 'exclusive' },
      { name: 'd', mode: 'shared' },
    ]);
    reader1.release();
    await reader1.done;
    await new Promise((r) => setTimeout(r, 0));
    expect(order).toEqual(['reader 1', 'writer']);
    writer.release();
    await writer.done;
    await new Promise((r) => setTimeout(r, 0));
    expect(order).toEqual(['reader 1', 'writer', 'reader 2']);
    reader2.release();
    await reader2.done;
    expect((await locks.query()).held).toEqual([]);
  });

  it('answers ifAvailable with null at once while the lock is held, and grants it once free', async () => {
    const locks = stubLocks();
    const order: string[] = [];
    const reader = hold(locks, order, 'reader', 'd', { mode: 'shared' });
    await hold(locks, order, 'deletion', 'd', { ifAvailable: true }).done;
    expect(order).toEqual(['reader', 'deletion refused']);
    reader.release();
    await reader.done;
    const deletion = hold(locks, order, 'deletion', 'd', { ifAvailable: true });
    await new Promise((r) => setTimeout(r, 0));
    expect(order).toEqual(['reader', 'deletion refused', 'deletion']);
    deletion.release();
    await deletion.done;
  });
});
