// One model load at a time: a folder dropped while a hub download ran was loaded beside it, and
// whichever ended last became the model, so the download replaced the folder the page had shown.
import { describe, expect, it, vi } from 'vitest';

const pending: Array<{ source: { kind: string }; resolve: (info: unknown) => void }> = [];
vi.mock('../../src/state/engine.ts', () => ({
  engineClient: () => ({
    request: (kind: string, req: { source: { kind: string } }) => (kind === 'loadModel' ? new Promise((resolve) => pending.push({ source: req.source, resolve })) : Promise.resolve(null)),
    onEvent: () => () => undefined,
  }),
}));
const { useModel, EMBEDDED_REF } = await import('../../src/state/modelStore.ts');
const { useDemo } = await import('../../src/state/demoStore.ts');

describe('loading a model', () => {
  it('refuses a second load while one runs, saying which one, and keeps the first', async () => {
    const hub = useModel.getState().loadModel({ kind: 'hub', repo: 'Qwen/Qwen3-0.6B' });
    const dropped = useModel.getState().loadModel({ kind: 'files', files: [new File(['{}'], 'config.json')] });
    expect(pending.map((p) => p.source.kind)).toEqual(['hub']);
    expect(await dropped).toBeNull();
    expect(useModel.getState().error).toBe('Could not load 1 dropped files: Qwen/Qwen3-0.6B is still loading. Wait for it to finish, then load 1 dropped files again.');
    expect(useModel.getState().loading?.source).toBe('Qwen/Qwen3-0.6B');
    pending[0].resolve({ ref: 'Qwen/Qwen3-0.6B' });
    await hub;
    expect(useModel.getState().info?.ref).toBe('Qwen/Qwen3-0.6B');
    expect(useModel.getState().loading).toBeNull();
    // Once it has ended, the folder loads.
    const again = useModel.getState().loadModel({ kind: 'files', files: [new File(['{}'], 'config.json')] });
    pending[1].resolve({ ref: 'local:dropped files' });
    expect(await again).toEqual({ ref: 'local:dropped files' });
  });

  it('waits for the load on its way where the same model is asked for again (the guide’s Load after the Model panel’s), saying nothing failed', async () => {
    pending.length = 0;
    const fromPanel = useModel.getState().loadModel({ kind: 'embedded' });
    const step = useDemo.getState().loadModel();
    expect(pending.map((p) => p.source.kind)).toEqual(['embedded']);
    pending[0].resolve({ ref: EMBEDDED_REF });
    await Promise.all([fromPanel, step]);
    expect(useDemo.getState().error).toBeNull();
    expect(useModel.getState().error).toBeNull();
    expect(useModel.getState().info?.ref).toBe(EMBEDDED_REF);
    expect(pending).toHaveLength(1);
  });
});
