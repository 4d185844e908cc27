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

export class EngineClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(e: WorkerEvent) => void>();

  constructor(private readonly worker: Worker) {
    worker.onmessage = (ev: MessageEvent<WorkerResponse>) => this.receive(ev.data);
    worker.onerror = (ev) => {
      const err = new WorkerError('WorkerError', ev.message || 'the GPU worker failed to start');
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
  }

  static spawn(): EngineClient {
    return new EngineClient(new Worker(new URL('./gpuWorker.ts', import.meta.url), { type: 'module', name: 'gpu-worker' }));
  }

  request<K extends RequestKind>(kind: K, payload: RequestMap[K][0], onProgress?: (p: ProgressInfo) => void): Promise<RequestMap[K][1]> {
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

  private receive(msg: WorkerResponse): void {
    if (msg.kind === 'event') {
      for (const cb of this.listeners) cb(msg.event);
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
    this.worker.terminate();
  }
}
