// Web Locks for the tests that play two tabs of the studio (Node has none).

type Mode = 'shared' | 'exclusive';
interface Request {
  name: string;
  mode: Mode;
  grant(): void;
}

/** Web Locks as the spec has them: any number of shared holders of a name, or one exclusive; a
 * request that cannot be granted waits in its name's queue, first come first served, and one at the
 * head that cannot be granted holds back those behind it (a shared request does not overtake a
 * waiting exclusive one). `ifAvailable` gets null at once instead of waiting. The callback runs once
 * granted, never in the request's own turn, and the lock is held until the promise it returns settles. */
export function stubLocks() {
  const held: Array<{ name: string; mode: Mode }> = [];
  const queues = new Map<string, Request[]>();
  const queueOf = (name: string) => queues.get(name) ?? (queues.set(name, []), queues.get(name)!);
  const grantable = (r: Request) => {
    const queue = queueOf(r.name);
    if (queue.length > 0 && queue[0] !== r) return false;
    return !held.some((h) => h.name === r.name && (r.mode === 'exclusive' || h.mode === 'exclusive'));
  };
  const grantWaiting = (name: string) => {
    const queue = queueOf(name);
    while (queue.length > 0 && grantable(queue[0])) queue.shift()!.grant();
  };

  return {
    request(name: string, options: { mode?: string; ifAvailable?: boolean }, cb: (lock: unknown) => Promise<unknown>): Promise<unknown> {
      const mode: Mode = options.mode === 'shared' ? 'shared' : 'exclusive';
      return new Promise((resolve, reject) => {
        const request: Request = {
          name,
          mode,
          grant() {
            const lock = { name, mode };
            held.push(lock);
            const released = () => {
              held.splice(held.indexOf(lock), 1);
              grantWaiting(name);
            };
            Promise.resolve()
              .then(() => cb(lock))
              .then((v) => (released(), resolve(v)), (e) => (released(), reject(e)));
          },
        };
        if (options.ifAvailable && !grantable(request)) {
          Promise.resolve().then(() => cb(null)).then(resolve, reject);
          return;
        }
        queueOf(name).push(request);
        grantWaiting(name);
      });
    },
    async query() {
      return {
        held: held.map(({ name, mode }) => ({ name, mode })),
        pending: [...queues.values()].flat().map(({ name, mode }) => ({ name, mode })),
      };
    },
  };
}
