// Web Locks for the tests that play two tabs of the studio (Node has none).

/** Web Locks as a tab sees them: any number of shared holders, or one exclusive; `ifAvailable`
 * gets null instead of waiting (the tests never wait). */
export function stubLocks() {
  const held = new Map<string, { mode: string; count: number }>();
  return {
    async request(name: string, options: { mode?: string; ifAvailable?: boolean }, cb: (lock: unknown) => Promise<unknown>) {
      const mode = options.mode ?? 'exclusive';
      const h = held.get(name);
      const free = !h || (h.mode === 'shared' && mode === 'shared');
      if (!free) {
        if (options.ifAvailable) return cb(null);
        throw new Error(`the stand-in does not wait for ${name}`);
      }
      held.set(name, { mode, count: (h?.count ?? 0) + 1 });
      try {
        return await cb({ name, mode });
      } finally {
        const n = held.get(name)!.count - 1;
        if (n > 0) held.set(name, { mode, count: n });
        else held.delete(name);
      }
    },
    async query() {
      return { held: [...held].map(([name, { mode }]) => ({ name, mode })) };
    },
  };
}

