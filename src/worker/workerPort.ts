// A page Worker as the thread pools use it (export/quantPool.ts, data/tokenize-pool.ts): messages
// out, replies and failures in. The Worker itself is made where it is started: Vite bundles a
// worker only from `new Worker(new URL('./file.ts', import.meta.url))` written out in place.
export interface WorkerPort<Request, Reply> {
  post(request: Request): void;
  onReply(listener: (reply: Reply) => void): void;
  onFailure(listener: (err: Error) => void): void;
  terminate(): void;
}

export function workerPort<Request, Reply>(w: Worker): WorkerPort<Request, Reply> {
  return {
    post: (request) => w.postMessage(request),
    onReply: (listener) => w.addEventListener('message', (e) => listener(e.data as Reply)),
    onFailure: (listener) => {
      // Handled here: an error event left alone is raised again in the worker that started this one
      // (the GPU worker), whose page would show it as the engine's failure.
      w.addEventListener('error', (e) => {
        e.preventDefault();
        listener(new Error(e.message || 'the worker could not start'));
      });
      // A reply that cannot be read would leave its chunk waiting for ever.
      w.addEventListener('messageerror', () => listener(new Error('a reply from the worker could not be read')));
    },
    terminate: () => w.terminate(),
  };
}
