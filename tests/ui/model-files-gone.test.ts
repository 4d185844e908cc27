// A job refused because its model's files were deleted (another tab deleted the cache, say): the
// worker lets the model go, and the page showed it loaded all the same until the user loaded it
// again. Through the real worker client (a stand-in worker sends the worker's event): the model
// reads as not loaded, with the refusal as the reason; another model's event changes nothing.
import { describe, expect, it, vi } from 'vitest';
import { EngineClient } from '../../src/worker/client.ts';

const worker = { onmessage: null as ((ev: MessageEvent) => void) | null, onerror: null, onmessageerror: null, postMessage: () => undefined, terminate: () => undefined };
vi.stubGlobal('navigator', { locks: { request: async () => new Promise(() => undefined) } });
const client = new EngineClient(worker as unknown as Worker);
vi.mock('../../src/state/engine.ts', () => ({ engineClient: () => client }));

const { useModel } = await import('../../src/state/modelStore.ts');
const { installWorkerEvents } = await import('../../src/state/workerEvents.ts');

const send = (event: unknown) => worker.onmessage!({ data: { kind: 'event', event } } as MessageEvent);
const refusal = 'an evaluation cannot start: the files of Qwen/Qwen3-0.6B were deleted (in this tab or another) while it waited for them; load Qwen/Qwen3-0.6B again in the Model panel, then start it again';

describe('a model whose files were deleted under a job', () => {
  it('reads as not loaded once the refusal arrives, with the reason', () => {
    installWorkerEvents();
    useModel.setState({ info: { ref: 'Qwen/Qwen3-0.6B', name: 'Qwen3 0.6B' } as never, error: null });
    send({ type: 'model-files-gone', modelRef: 'other/model', message: 'another model’s files' });
    expect(useModel.getState().info?.ref).toBe('Qwen/Qwen3-0.6B');
    send({ type: 'model-files-gone', modelRef: 'Qwen/Qwen3-0.6B', message: refusal });
    expect(useModel.getState().info).toBeNull();
    expect(useModel.getState().error).toBe(refusal);
  });
});
