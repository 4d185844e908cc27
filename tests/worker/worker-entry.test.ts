// The worker's entry (gpuWorker.ts): a request from the page it cannot read (a message that fails to
// deserialize) has no id to answer, so the page's call would wait for ever without a word; the page
// is told instead, as the worker's own unreadable replies are told (client.ts). It holds a Web Lock for
// as long as it lives and names it when ready: the page learns from it when the browser ends it.
import { afterAll, describe, expect, it, vi } from 'vitest';

vi.mock('../../src/export/ortGlobal.ts', () => ({}));
vi.mock('../../src/data/db.ts', () => ({ StudioDb: class {} }));
vi.mock('../../src/worker/tidyStorage.ts', () => ({ tidyStorage: async () => undefined }));
vi.mock('../../src/worker/engine.ts', () => ({ StudioEngine: class { handlers = {}; } }));

const posted: unknown[] = [];
const workerSelf = { navigator: {}, postMessage: (m: unknown) => posted.push(m) } as Record<string, unknown>;
vi.stubGlobal('self', workerSelf);
await import('../../src/worker/gpuWorker.ts');
afterAll(() => vi.unstubAllGlobals());

describe('the GPU worker’s entry', () => {
  it('tells the page when a request from it could not be read, instead of leaving its call waiting unanswered', () => {
    posted.length = 0;
    expect(typeof workerSelf.onmessageerror).toBe('function');
    (workerSelf.onmessageerror as (ev: unknown) => void)({ data: null });
    expect(posted).toEqual([{ kind: 'event', event: { type: 'message-unreadable', message: expect.stringMatching(/^A request from the page to the GPU worker could not be read, so it never started and will not answer/) } }]);
  });

  it('holds a lock while it lives and names it in its ready event, so the page learns when it is gone', async () => {
    const held: string[] = [];
    workerSelf.navigator = { locks: { request: (name: string, cb: () => unknown) => (held.push(name), cb()) } };
    posted.length = 0;
    vi.resetModules();
    await import('../../src/worker/gpuWorker.ts');
    expect(held).toEqual([expect.stringMatching(/^balancesft-worker:/)]);
    expect(posted).toEqual([{ kind: 'event', event: { type: 'worker-ready', lifeLock: held[0] } }]);
  });
});
