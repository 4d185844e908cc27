// The page's side of the worker protocol: typed calls returning promises, progress callbacks,
// and a subscription for worker events. The page never touches a GPU buffer.
import type { ProgressInfo, RequestKind, RequestMap, WorkerEvent, WorkerResponse } from './protocol.ts';

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  onProgress?: (p: ProgressInfo) => void;
}

export class WorkerError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** Whether `err` says the worker is gone: the request stopped with it (`WorkerCrashed`), or was
 * made after (`WorkerGone`). */
export function isWorkerGone(err: Error): boolean {
  return err.name === 'WorkerCrashed' || err.name === 'WorkerGone';
}

export class EngineClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(e: WorkerEvent) => void>();
  /** Set by the worker's `worker-ready` event once its module has loaded. */
  private ready = false;
  /** Why the worker is gone: the requests under way fail with it, and stopped there. */
  private dead: WorkerError | null = null;
  /** What a request made after that fails with at once (instead of waiting forever): it stopped
   * nothing, and a resume pressed then is told to reload, not that its run stopped. */
  private gone: WorkerError | null = null;
  /** The page ended the worker itself: its lock going is no crash. */
  private terminated = false;

  constructor(private readonly worker: Worker) {
    worker.onmessage = (ev: MessageEvent<WorkerResponse>) => this.receive(ev.data);
    // A reply that cannot be deserialized says nothing of the request it answered: none can be
    // failed for it, but the page is told rather than left waiting without a word.
    worker.onmessageerror = () => this.tell({ type: 'message-unreadable', message: 'A message from the GPU worker to the page could not be read, so a task may never report that it ended; if one stays busy, reload the page' });
    worker.onerror = (ev) => {
      const message = ev.message || 'no detail';
      if (this.ready) {
        // Thrown from a timer or callback in the worker, outside any request: the worker and its
        // requests (a run training) go on, so nothing is rejected; the page is told.
        this.tell({ type: 'worker-error', message });
        return;
      }
      this.die(`the studio's GPU worker could not start (${message}). Reload the page; if it happens again, report it with this message`);
    };
  }

  /** Fails every pending request with `message` and every later one with `later` (the same words
   * when not given), and tells the page: the worker is gone. */
  private die(message: string, later = message): void {
    if (this.dead) return;
    this.dead = new WorkerError('WorkerCrashed', message);
    this.gone = new WorkerError('WorkerGone', later);
    for (const p of this.pending.values()) p.reject(this.dead);
    this.pending.clear();
    this.tell({ type: 'worker-crashed', message });
  }

  /** Waits on the lock the worker holds while it lives: granted, the worker is gone (the browser
   * ended it: out of memory, a crash), and nothing it was doing will ever answer. */
  private watchLife(lifeLock: string): void {
    void navigator.locks?.request(lifeLock, async () => {
      if (!this.terminated) {
        this.die(
          // Whether the run it trained saved a checkpoint the client does not know: both cases said.
          "the studio's GPU worker was ended by the browser (out of memory, or a crash); what it was doing stopped there (after the reload, Resume continues a training run from its last checkpoint if it saved one, or from its start if it saved none). Reload the page to start the worker again",
          "the studio's GPU worker was ended by the browser earlier (out of memory, or a crash), so this page can start nothing more; reload the page to start the worker again (runs and datasets are kept; after the reload, Resume continues a training run from its last checkpoint if it saved one, or from its start if it saved none)",
        );
      }
    });
  }

  static spawn(): EngineClient {
    return new EngineClient(new Worker(new URL('./gpuWorker.ts', import.meta.url), { type: 'module', name: 'gpu-worker' }));
  }

  request<K extends RequestKind>(kind: K, payload: RequestMap[K][0], onProgress?: (p: ProgressInfo) => void): Promise<RequestMap[K][1]> {
    if (this.gone) return Promise.reject(this.gone);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, onProgress });
      this.worker.postMessage({ kind, id, payload });
    });
  }

  onEvent(cb: (e: WorkerEvent) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  private tell(e: WorkerEvent): void {
    for (const cb of this.listeners) cb(e);
  }

  private receive(msg: WorkerResponse): void {
    if (msg.kind === 'event') {
      if (msg.event.type === 'worker-ready') {
        this.ready = true;
        if (msg.event.lifeLock) this.watchLife(msg.event.lifeLock);
      }
      this.tell(msg.event);
      return;
    }
    const p = this.pending.get(msg.id);
    if (!p) return;
    if (msg.kind === 'progress') p.onProgress?.(msg.progress);
    else {
      this.pending.delete(msg.id);
      if (msg.kind === 'return') p.resolve(msg.result);
      else p.reject(new WorkerError(msg.error.name, msg.error.message));
    }
  }

  terminate(): void {
    this.terminated = true;
    this.worker.terminate();
  }
}
