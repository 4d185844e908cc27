// The Model panel's Cancel of a model load on its way: a hub download (hundreds of MB to GB) had no
// Cancel at all. Pressed, it asks the worker to stop the load, stays focusable but off until the
// worker answers, and the panel then says (a notice, not an error) which model was cancelled, that
// its download resumes next time, and which model stays loaded.
import { createElement } from 'react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { renderNow } from '../helpers/render.ts';
import { press } from '../helpers/press.ts';
import type { ProgressInfo } from '../../src/worker/protocol.ts';

vi.mock('react/jsx-dev-runtime', async (original) => (await import('../helpers/press.ts')).recordingJsxRuntime(original));
/** The worker as it loads a hub model: it reports its bytes, and a cancelModelLoad ends the load as
 * the worker does (a ModelLoadCancelledError, by name across the message boundary). */
const worker = vi.hoisted(() => ({ sent: [] as string[], endLoad: null as null | ((err: Error) => void) }));
vi.mock('../../src/state/engine.ts', () => ({
  engineClient: () => ({
    onEvent: () => () => undefined,
    request: (kind: string, _payload: unknown, onProgress?: (p: ProgressInfo) => void) => {
      worker.sent.push(kind);
      if (kind === 'loadModel') {
        onProgress?.({ label: 'model.safetensors', done: 300e6, total: 1200e6, unit: 'bytes' });
        return new Promise((_resolve, reject) => (worker.endLoad = reject));
      }
      if (kind === 'cancelModelLoad') {
        const end = worker.endLoad;
        // Answered first, as the worker's cancel returns before the aborted load unwinds.
        queueMicrotask(() => end?.(Object.assign(new Error('loading Qwen/Qwen3-0.6B was cancelled: what was downloaded is kept, and loading it again resumes the download'), { name: 'ModelLoadCancelledError' })));
        return Promise.resolve(!!end);
      }
      return Promise.resolve(undefined);
    },
  }),
}));

const { useModel, EMBEDDED_REF } = await import('../../src/state/modelStore.ts');
const { ModelPanel } = await import('../../src/ui/model/ModelPanel.tsx');

const HUB = 'Qwen/Qwen3-0.6B';
const settle = () => new Promise((r) => setTimeout(r, 0));
const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/<!-- -->/g, '').replace(/\s+/g, ' ');
const panel = () => renderNow(createElement(ModelPanel));
const initial = useModel.getState();
const EMBEDDED_INFO = { ref: EMBEDDED_REF, architecture: 'Qwen3ForCausalLM', family: 'qwen3', parameters: 1e6, hiddenSize: 64, layers: 2, heads: 4, kvHeads: 2, vocabSize: 151_936, dtype: 'bfloat16', tiedEmbeddings: true, maxPositionEmbeddings: 2048, tokenizer: 't' };

beforeEach(() => {
  useModel.setState(initial, true);
  worker.sent.length = 0;
  worker.endLoad = null;
});

describe('the Model panel’s Cancel of a model download', () => {
  it('shows beside the download’s progress, stops the load, and says so in a notice naming the model and that its download resumes', async () => {
    useModel.setState({ info: EMBEDDED_INFO });
    const loading = useModel.getState().loadModel({ kind: 'hub', repo: HUB });
    const during = panel();
    expect(text(during)).toContain(`Loading ${HUB}`);
    expect(during).toMatch(new RegExp(`<button data-testid="model-load-cancel" aria-label="Cancel loading ${HUB}">Cancel</button>`));

    press('Cancel');
    expect(worker.sent).toEqual(['loadModel', 'cancelModelLoad']);
    // Until the worker has stopped it: off, but the focus stays on it (not dropped to the page body).
    expect(panel()).toMatch(new RegExp(`<button data-testid="model-load-cancel" aria-label="Cancel loading ${HUB}" aria-disabled="true">Cancelling…</button>`));

    expect(await loading).toBeNull();
    await settle();
    const after = panel();
    expect(after).not.toContain('model-load-cancel');
    expect(after).not.toContain('model-progress');
    // A notice (a status), not an error: nothing went wrong.
    expect(after).not.toContain('model-error');
    expect(useModel.getState().error).toBeNull();
    expect(after).toMatch(/class="alert notice" role="status" data-testid="model-notice"/);
    expect(useModel.getState().notice).toBe(`Loading ${HUB} was cancelled: what was downloaded is kept, and loading it again resumes the download. ${EMBEDDED_REF} stays loaded.`);
    expect(text(after)).toContain(useModel.getState().notice!);
    // The model loaded before is still the loaded one.
    expect(useModel.getState().info?.ref).toBe(EMBEDDED_REF);
    expect(useModel.getState().loading).toBeNull();
  });

  it('pressed twice, asks the worker once', async () => {
    const loading = useModel.getState().loadModel({ kind: 'hub', repo: HUB });
    panel();
    press('Cancel');
    panel();
    press('Cancelling…');
    await loading;
    expect(worker.sent).toEqual(['loadModel', 'cancelModelLoad']);
  });

  it('loading the model again clears the notice, and a load asked for while one is cancelled starts once that one ended', async () => {
    const first = useModel.getState().loadModel({ kind: 'hub', repo: HUB });
    void useModel.getState().cancelLoad();
    // Pressed at once (a second click on the preset): not a join of the load being cancelled.
    const again = useModel.getState().loadModel({ kind: 'hub', repo: HUB });
    expect(await first).toBeNull();
    await settle();
    expect(worker.sent).toEqual(['loadModel', 'cancelModelLoad', 'loadModel']);
    expect(useModel.getState().notice).toBeNull();
    expect(useModel.getState().loading?.source).toBe(HUB);
    expect(useModel.getState().loading?.cancelling).toBeFalsy();
    void useModel.getState().cancelLoad();
    expect(await again).toBeNull();
  });
});

describe('the guided demo’s Load step, whose load is cancelled in the Model panel', () => {
  it('ends without an error: the panel’s notice says what happened', async () => {
    const { useDemo } = await import('../../src/state/demoStore.ts');
    const step = useDemo.getState().loadModel();
    await settle();
    await useModel.getState().cancelLoad();
    await step;
    expect(useDemo.getState().error).toBeNull();
    expect(useDemo.getState().busy).toBeNull();
    expect(useModel.getState().notice).toBe('Loading the embedded tiny Qwen3 was cancelled.');
  });
});
