// The page's worker client when the worker fails: a worker that dies before it is ready fails
// every pending and later request at once (nothing waits forever on "loading…"), while an error
// that escapes a ready worker outside any request leaves its requests running (a run keeps its
// pause and stop) and is only reported; a worker the browser ends later (out of memory, a crash)
// sends no word, but lets go of the lock it held while it lived, and the page fails its requests.
import { describe, expect, it, vi } from 'vitest';
import { EngineClient } from '../../src/worker/client.ts';
import type { WorkerEvent } from '../../src/worker/protocol.ts';

class FakeWorker {
  onmessage: ((ev: MessageEvent) => void) | null = null;
  onerror: ((ev: ErrorEvent) => void) | null = null;
  onmessageerror: ((ev: MessageEvent) => void) | null = null;
  posted: Array<{ kind: string; id: number }> = [];
  postMessage(msg: { kind: string; id: number }) {
    this.posted.push(msg);
  }
  send(data: unknown) {
    this.onmessage!({ data } as MessageEvent);
  }
  fail(message: string) {
    this.onerror!({ message } as ErrorEvent);
  }
  terminate() {}
}

function client() {
  const worker = new FakeWorker();
  const c = new EngineClient(worker as unknown as Worker);
  const events: WorkerEvent[] = [];
  c.onEvent((e) => events.push(e));
  return { worker, c, events };
}

/** Web Locks as the browser keeps them: the worker holds its life lock; the page's request for it
 * is granted once the worker is gone (`release`). */
function lifeLockStandIn() {
  let release!: () => void;
  const gone = new Promise<void>((r) => (release = r));
  vi.stubGlobal('navigator', { locks: { request: async (_name: string, cb: () => Promise<unknown>) => (await gone, cb()) } });
  return { release, gone };
}

describe('the worker client', () => {
  it('fails every request at once when the worker dies before it is ready', async () => {
    const { worker, c, events } = client();
    const pending = c.request('probe', {});
    worker.fail('Uncaught SyntaxError: bad module');
    const err = await pending.catch((e) => e);
    expect(err.name).toBe('WorkerCrashed');
    expect(err.message).toBe("the studio's GPU worker could not start (Uncaught SyntaxError: bad module). Reload the page; if it happens again, report it with this message");
    // A later request is told the same, as one made once the worker was gone.
    await expect(c.request('probe', {})).rejects.toMatchObject({ name: 'WorkerGone', message: err.message });
    expect(events).toEqual([{ type: 'worker-crashed', message: err.message }]);
  });

  it('keeps requests running through an error outside any request once ready, and reports it', async () => {
    const { worker, c, events } = client();
    worker.send({ kind: 'event', event: { type: 'worker-ready' } });
    const training = c.request('startRun', { runId: 'r', resume: false });
    worker.fail('Uncaught TypeError: x is undefined');
    expect(events.at(-1)).toEqual({ type: 'worker-error', message: 'Uncaught TypeError: x is undefined' });
    worker.send({ kind: 'return', id: worker.posted[0].id, result: { status: 'done', step: 3 } });
    await expect(training).resolves.toEqual({ status: 'done', step: 3 });
  });

  it('fails every request once the browser ended the ready worker (its life lock let go), and says so', async () => {
    const { release } = lifeLockStandIn();
    try {
      const { worker, c, events } = client();
      worker.send({ kind: 'event', event: { type: 'worker-ready', lifeLock: 'balancesft-worker:1' } });
      const training = c.request('startRun', { runId: 'r', resume: false });
      release(); // the worker is killed: out of memory
      const err = await training.catch((e) => e);
      expect(err.name).toBe('WorkerCrashed');
      expect(err.message).toBe("the studio's GPU worker was ended by the browser (out of memory, or a crash); what it was doing stopped there (after the reload, Resume continues a training run from its last checkpoint if it saved one, or from its start if it saved none). Reload the page to start the worker again");
      expect(events.at(-1)).toEqual({ type: 'worker-crashed', message: err.message });
      // A request made afterwards stopped nothing: it is told the worker is gone, and to reload.
      const later = await c.request('startRun', { runId: 'r', resume: true }).catch((e) => e);
      expect(later.name).toBe('WorkerGone');
      expect(later.message).toBe("the studio's GPU worker was ended by the browser earlier (out of memory, or a crash), so this page can start nothing more; reload the page to start the worker again (runs and datasets are kept; after the reload, Resume continues a training run from its last checkpoint if it saved one, or from its start if it saved none)");
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('says nothing of a crash when the page ended the worker itself', async () => {
    const { release, gone } = lifeLockStandIn();
    try {
      const { worker, c, events } = client();
      worker.send({ kind: 'event', event: { type: 'worker-ready', lifeLock: 'balancesft-worker:1' } });
      c.terminate();
      release();
      await gone;
      await new Promise((r) => setTimeout(r, 0));
      expect(events.some((e) => e.type === 'worker-crashed')).toBe(false);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('reports a message from the worker that could not be read, instead of waiting on it without a word', () => {
    const { worker, c, events } = client();
    worker.send({ kind: 'event', event: { type: 'worker-ready' } });
    void c.request('probe', {});
    // The reply to the probe, say, did not deserialize: nothing says which request it answered.
    worker.onmessageerror?.({ data: null } as MessageEvent);
    expect(events.at(-1)).toEqual({ type: 'message-unreadable', message: 'A message from the GPU worker to the page could not be read, so a task may never report that it ended; if one stays busy, reload the page' });
  });
});
