// The page's worker client when the worker fails: a worker that dies before it is ready fails
// every pending and later request at once (nothing waits forever on "loading…"), while an error
// that escapes a ready worker outside any request leaves its requests running (a run keeps its
// pause and stop) and is only reported.
import { describe, expect, it } from 'vitest';
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

describe('the worker client', () => {
  it('fails every request at once when the worker dies before it is ready', async () => {
    const { worker, c, events } = client();
    const pending = c.request('probe', {});
    worker.fail('Uncaught SyntaxError: bad module');
    const err = await pending.catch((e) => e);
    expect(err.name).toBe('WorkerCrashed');
    expect(err.message).toBe("the studio's GPU worker could not start (Uncaught SyntaxError: bad module). Reload the page; if it happens again, report it with this message");
    await expect(c.request('probe', {})).rejects.toBe(err);
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

  it('reports a message from the worker that could not be read, instead of waiting on it without a word', () => {
    const { worker, c, events } = client();
    worker.send({ kind: 'event', event: { type: 'worker-ready' } });
    void c.request('probe', {});
    // The reply to the probe, say, did not deserialize: nothing says which request it answered.
    worker.onmessageerror?.({ data: null } as MessageEvent);
    expect(events.at(-1)).toEqual({ type: 'message-unreadable', message: 'A message from the GPU worker to the page could not be read, so a task may never report that it ended; if one stays busy, reload the page' });
  });
});
