// The Runs panel's GGUF export: the button asks the worker for a Q8_0 file of the run, the page
// saves the Blob it sends under the run's name, and the notice says what the file holds and how to
// run it in llama.cpp and Ollama, with the other weight types a press away; while it runs, other
// GPU jobs wait for it; a failure is said with the run's name. It, and the ONNX export, can be
// cancelled.
import { createElement } from 'react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { renderNow } from '../helpers/render.ts';
import { press } from '../helpers/press.ts';

vi.mock('react/jsx-dev-runtime', async (original) => (await import('../helpers/press.ts')).recordingJsxRuntime(original));
const worker = vi.hoisted(() => ({
  asked: [] as Array<{ runId: string; type: string }>,
  fail: null as null | Error,
  hold: null as null | Promise<void>,
  cancel: null as null | (() => void),
  checkReport: null as null | Record<string, unknown>,
  bytesAs: null as null | Record<string, number>,
  fallbackAs: {} as Record<string, unknown>,
  /** Each exportGguf request's `importance`, in order. */
  importance: [] as Array<boolean | undefined>,
}));
const saved = vi.hoisted(() => [] as Array<{ size: number; name: string; type: string | undefined }>);
vi.mock('../../src/state/engine.ts', () => ({
  engineClient: () => ({
    onEvent: () => () => undefined,
    request: async (kind: string, payload: { runId: string; type: string; dtype?: string; fileName?: string; file?: Blob; importance?: boolean }, progress?: (p: { label: string; done: number; total: number }) => void) => {
      if (kind === 'heldOnnxExports') return [];
      if (kind === 'checkGguf') {
        worker.asked.push({ runId: payload.runId, type: `check ${payload.fileName} of ${payload.file?.size} bytes as ${payload.type}` });
        progress?.({ label: 'running its weights and the trained model on 3 prompts', done: 0, total: 1 });
        await worker.hold;
        if (worker.fail) throw worker.fail;
        return { report: worker.checkReport, adapterStep: 20 };
      }
      if (kind === 'exportOnnx') {
        worker.asked.push({ runId: payload.runId, type: `onnx ${payload.dtype}` });
        progress?.({ label: 'writing the ONNX model (model.embed_tokens.weight)', done: 5, total: 40 });
        await worker.hold;
        if (worker.fail) throw worker.fail;
        return { zip: new Blob([new Uint8Array(8)]), files: ['onnx/model.onnx'], report: null, checkError: null, adapterStep: 20, runStep: 20, held: true };
      }
      if (kind === 'exportGgufAdapter') {
        worker.asked.push({ runId: payload.runId, type: 'adapter' });
        return { file: { size: 4.5 * 2 ** 20 } as Blob, bytes: 4.5 * 2 ** 20, adapterStep: 20, runStep: 20 };
      }
      if (kind === 'cancelJob') {
        worker.asked.push({ runId: '', type: 'cancel' });
        worker.cancel?.();
        return undefined;
      }
      if (kind !== 'exportGguf') throw new Error(`unexpected request ${kind}`);
      worker.asked.push({ runId: payload.runId, type: payload.type });
      worker.importance.push(payload.importance);
      progress?.({ label: 'writing the GGUF file (model.embed_tokens.weight)', done: 10, total: 40 });
      await worker.hold;
      if (worker.fail) throw worker.fail;
      const bytesAs = worker.bytesAs ?? { q8_0: 530.5 * 2 ** 20, q6_k: 482.6 * 2 ** 20, q5_k_m: 400.6 * 2 ** 20, q4_k_m: 396.8 * 2 ** 20, f16: 990 * 2 ** 20, f32: 1.94 * 2 ** 30 };
      const bytes = bytesAs[payload.type as keyof typeof bytesAs];
      const importance = payload.importance ? { importance: { file: { size: 1.6 * 2 ** 20 } as Blob, fileName: 'run-one.imatrix.gguf', examples: 256, tokens: 61_204, datasetName: 'weather-calls.jsonl' } } : {};
      return { file: { size: bytes } as Blob, bytes, preTokenizer: 'qwen2', adapterStep: 20, runStep: payload.runId === 'failed-later' ? 26 : 20, bytesAs, fallbackAs: worker.fallbackAs, ...importance };
    },
  }),
}));
vi.mock('../../src/state/download.ts', () => ({ downloadBytes: (file: Blob, name: string, type?: string) => void saved.push({ size: file.size, name, type }) }));

const { useOnnxExport, EXPORTING_REASON } = await import('../../src/state/onnxExportStore.ts');
const { OnnxExportStatus } = await import('../../src/ui/runs/OnnxExportStatus.tsx');

const initial = useOnnxExport.getState();
const status = () => renderNow(createElement(OnnxExportStatus, { onOpenEval: () => undefined }));

beforeEach(() => {
  useOnnxExport.setState(initial, true);
  worker.asked.length = 0;
  worker.fail = null;
  worker.hold = null;
  worker.cancel = null;
  saved.length = 0;
  worker.checkReport = null;
  worker.bytesAs = null;
  worker.fallbackAs = {};
  worker.importance.length = 0;
});

describe('the Runs panel’s GGUF export', () => {
  it('saves the file under the run’s name and says how to run it, offering Q6_K, Q5_K_M, Q4_K_M, f16 and f32 next', async () => {
    await useOnnxExport.getState().exportGguf('r1', 'tool calls, rank 16', 'q8_0');
    expect(worker.asked).toEqual([{ runId: 'r1', type: 'q8_0' }]);
    expect(saved).toEqual([{ size: 530.5 * 2 ** 20, name: 'tool-calls-rank-16-q8_0.gguf', type: 'application/octet-stream' }]);
    const html = status();
    expect(html).toContain('Saved tool-calls-rank-16-q8_0.gguf (530.5 MiB, Q8_0 weights, the adapter merged, with the model&#x27;s tokenizer and chat template).');
    expect(html).toContain('llama-server -m tool-calls-rank-16-q8_0.gguf --jinja');
    expect(html).toContain('FROM ./tool-calls-rank-16-q8_0.gguf, then ollama create tool-calls-rank-16-q8_0 -f Modelfile');
    // The other types by their file's size, as the worker counted it from the model's shapes.
    expect(html).toContain('aria-label="Export tool calls, rank 16 as GGUF with Q6_K weights (482.6 MiB, nearly as close as Q8_0)"');
    expect(html).toContain('aria-label="Export tool calls, rank 16 as GGUF with Q5_K_M weights (400.6 MiB, between Q6_K and Q4_K_M)"');
    expect(html).toContain('aria-label="Export tool calls, rank 16 as GGUF with Q4_K_M weights (396.8 MiB, what Ollama and LM Studio download by default)"');
    expect(html).toContain('aria-label="Export tool calls, rank 16 as GGUF with F16 weights (990.0 MiB, closer to the trained model)"');
    expect(html).toContain('aria-label="Export tool calls, rank 16 as GGUF with F32 weights (1.94 GiB, the trained model exactly)"');
    expect(html).not.toContain('with Q8_0 weights');

    press('Export in F16 (990.0 MiB)');
    await vi.waitFor(() => expect(useOnnxExport.getState().busy).toBeNull());
    expect(worker.asked.at(-1)).toEqual({ runId: 'r1', type: 'f16' });
    expect(saved.at(-1)?.name).toBe('tool-calls-rank-16-f16.gguf');
    expect(status()).toContain('aria-label="Export tool calls, rank 16 as GGUF with Q8_0 weights (530.5 MiB, close to the trained model)"');

    // Q4_K_M, what Ollama and LM Studio download by default, from the Q8_0 notice or this one.
    press('Export in Q4_K_M (396.8 MiB)');
    await vi.waitFor(() => expect(useOnnxExport.getState().busy).toBeNull());
    expect(worker.asked.at(-1)).toEqual({ runId: 'r1', type: 'q4_k_m' });
    expect(saved.at(-1)?.name).toBe('tool-calls-rank-16-q4_k_m.gguf');
    const q4 = status();
    expect(q4).toContain('Saved tool-calls-rank-16-q4_k_m.gguf (396.8 MiB, Q4_K_M weights, the adapter merged');
    expect(q4).toContain('aria-label="Export tool calls, rank 16 as GGUF with Q8_0 weights (530.5 MiB, close to the trained model)"');

    press('Export in Q5_K_M (400.6 MiB)');
    await vi.waitFor(() => expect(useOnnxExport.getState().busy).toBeNull());
    expect(worker.asked.at(-1)).toEqual({ runId: 'r1', type: 'q5_k_m' });
    expect(saved.at(-1)?.name).toBe('tool-calls-rank-16-q5_k_m.gguf');
    expect(status()).toContain('Saved tool-calls-rank-16-q5_k_m.gguf (400.6 MiB, Q5_K_M weights, the adapter merged');
  });

  it('rounds the K-quants with an importance matrix of the training examples unless unticked (remembered), says so, and saves the matrix', async () => {
    await useOnnxExport.getState().exportGguf('r1', 'run one', 'q8_0');
    // Q8_0 has no weighted form: not asked for one.
    expect(worker.importance).toEqual([false]);
    expect(status()).toMatch(/<input type="checkbox" data-testid="gguf-importance" checked=""\/> K-quants with an importance matrix of the training examples/);
    press('Export in Q4_K_M (396.8 MiB)');
    await vi.waitFor(() => expect(useOnnxExport.getState().busy).toBeNull());
    expect(worker.importance.at(-1)).toBe(true);
    const q4 = status();
    expect(q4).toContain('Saved run-one-q4_k_m.gguf (396.8 MiB, Q4_K_M weights, the adapter merged, with the model&#x27;s tokenizer and chat template). Rounded with an importance matrix of 256 training examples of weather-calls.jsonl (61,204 tokens), as llama-quantize --imatrix rounds: the weights these conversations use most keep the most precision.');
    press('The importance matrix');
    expect(saved.at(-1)).toEqual({ size: 1.6 * 2 ** 20, name: 'run-one.imatrix.gguf', type: 'application/octet-stream' });

    // Unticked, and remembered: a page loaded later starts unticked.
    const prefs = new Map<string, string>();
    const g = globalThis as { localStorage?: unknown };
    g.localStorage = { getItem: (k: string) => prefs.get(k) ?? null, setItem: (k: string, v: string) => prefs.set(k, v), removeItem: (k: string) => prefs.delete(k) };
    try {
      useOnnxExport.getState().setGgufImportance(false);
      expect(prefs.get('studio.ggufImportance')).toBe('off');
      vi.resetModules();
      expect((await import('../../src/state/onnxExportStore.ts')).useOnnxExport.getState().ggufImportance).toBe(false);
    } finally {
      delete g.localStorage;
    }
    press('Export in Q5_K_M (400.6 MiB)');
    await vi.waitFor(() => expect(useOnnxExport.getState().busy).toBeNull());
    expect(worker.importance.at(-1)).toBe(false);
    const q5 = status();
    expect(q5).not.toContain('Rounded with an importance matrix');
    expect(q5).not.toContain('The importance matrix');
    expect(q5).toMatch(/<input type="checkbox" data-testid="gguf-importance"\/>/);
  });

  it('says beside each type what the fallbacks made of it where the model\'s rows are not whole blocks of it, from what the export found', async () => {
    // The embedded model's: "Export in Q4_K_M (15.6 MiB)", Q8_0's size, without a word.
    worker.bytesAs = { q8_0: 15.6 * 2 ** 20, q6_k: 15.6 * 2 ** 20, q5_k_m: 15.59 * 2 ** 20, q4_k_m: 15.58 * 2 ** 20, f16: 24.3 * 2 ** 20, f32: 43 * 2 ** 20 };
    const rows = { rowLengths: [64, 128], block: 256, share: 1 };
    worker.fallbackAs = { q6_k: { ...rows, meant: ['Q6_K'], storedAs: ['Q8_0'] }, q5_k_m: { ...rows, meant: ['Q6_K', 'Q5_K'], storedAs: ['Q8_0', 'Q5_1'] }, q4_k_m: { ...rows, meant: ['Q6_K', 'Q4_K'], storedAs: ['Q8_0', 'Q5_0'] } };
    await useOnnxExport.getState().exportGguf('r1', 'run one', 'q8_0');
    const html = status().replace(/<!-- -->/g, '');
    const note = (type: string) => new RegExp(`<small class="muted" id="gguf-fallback-${type}" data-testid="gguf-fallback-${type}">(.*?)</small>`).exec(html)?.[1];
    expect(note('q4_k_m')).toBe('This model&#x27;s weights cannot be stored as Q6_K or Q4_K (their rows are 64 or 128 values long, not a multiple of 256), so they are stored as Q8_0 and Q5_0: the file is about as large as Q8_0&#x27;s.');
    expect(note('q6_k')).toBe('This model&#x27;s weights cannot be stored as Q6_K (their rows are 64 or 128 values long, not a multiple of 256), so they are stored as Q8_0: the file is as large as Q8_0&#x27;s.');
    expect(html).toContain('aria-describedby="gguf-fallback-q4_k_m"');
    expect(note('f16')).toBeUndefined();
    // The Q4_K_M file saved says it too.
    press('Export in Q4_K_M (15.6 MiB)');
    await vi.waitFor(() => expect(useOnnxExport.getState().busy).toBeNull());
    expect(status()).toContain('Saved run-one-q4_k_m.gguf (15.6 MiB, Q4_K_M weights, the adapter merged, with the model&#x27;s tokenizer and chat template). This model&#x27;s weights cannot be stored as Q6_K or Q4_K');
    // A model whose rows are whole blocks: nothing said.
    worker.fallbackAs = {};
    await useOnnxExport.getState().exportGguf('r1', 'run one', 'q8_0');
    expect(status()).not.toContain('gguf-fallback-');
  });

  it('offers the adapter alone, which applies over the same base model, and the whole model back from there', async () => {
    await useOnnxExport.getState().exportGguf('r1', 'run one', 'q8_0');
    status();
    press('The adapter alone');
    await vi.waitFor(() => expect(useOnnxExport.getState().gguf?.kind).toBe('adapter'));
    expect(worker.asked.at(-1)).toEqual({ runId: 'r1', type: 'adapter' });
    expect(saved.at(-1)).toEqual({ size: 4.5 * 2 ** 20, name: 'run-one-lora.gguf', type: 'application/octet-stream' });
    const html = status();
    expect(html).toContain('Saved run-one-lora.gguf (4.5 MiB, the LoRA adapter alone, f32 as trained). It applies over the same base model the run trained on: llama-server -m &lt;that model&gt;.gguf --lora run-one-lora.gguf --jinja; or in Ollama, a Modelfile holding FROM &lt;that model&gt; and ADAPTER ./run-one-lora.gguf.');
    expect(html).not.toContain('Export in F16');
    press('The whole model');
    await vi.waitFor(() => expect(useOnnxExport.getState().gguf?.kind).toBe('model'));
    expect(worker.asked.at(-1)).toEqual({ runId: 'r1', type: 'q8_0' });
  });

  it('is cancelled with its Cancel: the worker asked to stop, nothing saved, and the notice says so; so is an ONNX export', async () => {
    let release = () => undefined as void;
    const holdUntilCancelled = () => {
      worker.fail = null;
      worker.hold = new Promise<void>((r) => (release = r));
      // The worker's job ends as an aborted export does: its AbortError, by name across the boundary.
      worker.cancel = () => {
        worker.fail = Object.assign(new Error('This operation was aborted'), { name: 'AbortError' });
        release();
      };
    };
    holdUntilCancelled();
    const running = useOnnxExport.getState().exportGguf('r1', 'run one', 'q4_k_m');
    await vi.waitFor(() => expect(useOnnxExport.getState().busy?.done).toBe(10));
    expect(status()).toContain('aria-label="Cancel the GGUF export of run one (nothing is saved)"');
    press('Cancel');
    await running;
    expect(worker.asked).toEqual([{ runId: 'r1', type: 'q4_k_m' }, { runId: '', type: 'cancel' }]);
    expect(saved).toEqual([]);
    expect(useOnnxExport.getState()).toMatchObject({ busy: null, exporting: false, error: null, gguf: null, cancelled: { kind: 'GGUF', runName: 'run one' } });
    let html = status();
    expect(html).toContain('The GGUF export of run one was cancelled; nothing was saved.');
    expect(html).not.toContain('Cancel the GGUF export');
    // The adapter alone is written in a moment, without the GPU: nothing to cancel.
    worker.cancel = null;
    worker.fail = null;
    worker.hold = null;
    await useOnnxExport.getState().exportGgufAdapter('r1', 'run one');
    expect(useOnnxExport.getState().cancelled).toBeNull();

    // ONNX: its check runs the model in WebAssembly, a minute or more for a real model.
    useOnnxExport.setState({ gguf: null });
    holdUntilCancelled();
    const onnx = useOnnxExport.getState().exportOnnx('r2', 'run two', 'fp16');
    await vi.waitFor(() => expect(useOnnxExport.getState().busy?.done).toBe(5));
    expect(status()).toContain('aria-label="Cancel the ONNX export of run two (nothing is saved)"');
    press('Cancel');
    await onnx;
    expect(worker.asked.slice(-2)).toEqual([{ runId: 'r2', type: 'onnx fp16' }, { runId: '', type: 'cancel' }]);
    expect(saved.map((f) => f.name)).toEqual(['run-one-lora.gguf']);
    expect(useOnnxExport.getState()).toMatchObject({ busy: null, exporting: false, error: null, report: null, exportedRunIds: [], cancelled: { kind: 'ONNX', runName: 'run two' } });
    html = status();
    expect(html).toContain('The ONNX export of run two was cancelled; nothing was saved.');
    press('✕');
    expect(useOnnxExport.getState().cancelled).toBeNull();
  });

  it('runs the saved file\'s weights in the engine against the trained model when asked, and says what it found', async () => {
    await useOnnxExport.getState().exportGguf('r1', 'run one', 'q4_k_m');
    expect(status()).toContain('checks it in llama.cpp against this engine; Check it runs its weights here.');
    worker.checkReport = { texts: 3, positions: 27, maxGapDiff: 0.4213, topDisagreements: 0, passed: true };
    press('Check it');
    await vi.waitFor(() => expect(useOnnxExport.getState().gguf?.check).toBeTruthy());
    // The Blob the page saved goes back to the worker as it is.
    expect(worker.asked.at(-1)).toEqual({ runId: 'r1', type: `check run-one-q4_k_m.gguf of ${396.8 * 2 ** 20} bytes as q4_k_m` });
    let html = status();
    expect(html).toContain(
      'Checked in this engine: run-one-q4_k_m.gguf&#x27;s weights, read back as llama.cpp reads them, against the trained model: the same most likely next token at all 27 positions of 3 check prompts; its Q4_K_M rounding moves the log-probability gaps by up to 0.42.',
    );
    expect(html).not.toContain('data-testid="gguf-check"');
    expect(html).toContain('role="status"');

    // With the run's held-out conversations: how far the file's next-token distribution is from the
    // trained model's over every position of them.
    await useOnnxExport.getState().exportGguf('r1', 'run one', 'q4_k_m');
    worker.checkReport = { texts: 3, positions: 27, maxGapDiff: 0.4213, topDisagreements: 0, passed: true, heldOut: { examples: 8, positions: 2093, meanKl: 0.001355, topSame: 2080 } };
    await useOnnxExport.getState().checkGguf();
    expect(status()).toContain('its Q4_K_M rounding moves the log-probability gaps by up to 0.42. Over the answers of 8 held-out conversations of the run&#x27;s dataset (2,093 positions): mean KL divergence from the trained model 1.36e-3 nats, the same most likely next token at 99.4% of them.');
    worker.checkReport = { texts: 3, positions: 27, maxGapDiff: 3e-6, topDisagreements: 0, passed: true, heldOut: { examples: 1, positions: 90, meanKl: 2e-9, topSame: 90 } };
    await useOnnxExport.getState().checkGguf();
    expect(status()).toContain('Over the answers of one held-out conversation of the run&#x27;s dataset (90 positions): mean KL divergence from the trained model 2.00e-9 nats, the same most likely next token at every position.');

    // A type too coarse for the model: said as a problem, with what to do.
    await useOnnxExport.getState().exportGguf('r1', 'run one', 'q4_k_m');
    worker.checkReport = { texts: 3, positions: 27, maxGapDiff: 5.1, topDisagreements: 4, passed: false };
    await useOnnxExport.getState().checkGguf();
    html = status();
    expect(html).toContain('at 4 of 27 positions of 3 check prompts its most likely next token is not the trained model&#x27;s (largest log-probability gap difference 5.1). Q4_K_M rounds this model too coarsely; a type with more bits keeps closer to it.');
    expect(html).toContain('role="alert"');

    // A check that cannot run says why; the notice and its file stay.
    await useOnnxExport.getState().exportGguf('r1', 'run one', 'q8_0');
    worker.fail = Object.assign(new Error('out of GPU memory'), { name: 'GPUOutOfMemoryError' });
    await useOnnxExport.getState().checkGguf();
    expect(useOnnxExport.getState().error).toBe('Could not check run-one-q8_0.gguf: out of GPU memory.');
    expect(useOnnxExport.getState().gguf?.fileName).toBe('run-one-q8_0.gguf');
    expect(status()).toContain('data-testid="gguf-check"');
  });

  it('says which checkpoint it holds when the run went on past it', async () => {
    await useOnnxExport.getState().exportGguf('failed-later', 'late', 'q8_0');
    expect(status()).toContain('It holds the adapter of step 20, the run&#x27;s newest checkpoint, not of step 26 where the run stopped.');
  });

  it('shows its progress, holds other GPU jobs meanwhile, and says a failure with the run’s name', async () => {
    let release = () => undefined as void;
    worker.hold = new Promise<void>((r) => (release = r));
    const running = useOnnxExport.getState().exportGguf('r1', 'run one', 'q8_0');
    await vi.waitFor(() => expect(useOnnxExport.getState().busy?.done).toBe(10));
    expect(status()).toContain('GGUF export of run one: writing the GGUF file (model.embed_tokens.weight)');
    // What useGpuBusyReason and the job stores read to hold Evaluate, HDR, ablations and answers.
    expect(useOnnxExport.getState().exporting).toBe(true);
    expect(EXPORTING_REASON).toMatch(/ONNX, GGUF or merged/);
    // A second press while it runs asks nothing more.
    await useOnnxExport.getState().exportGguf('r1', 'run one', 'f32');
    worker.fail = new Error('the GGUF export knows the tokenizers of Qwen2/2.5/3, Llama 3 and SmolLM/SmolLM2, and this model\u2019s is none of them');
    release();
    await running;
    expect(worker.asked).toEqual([{ runId: 'r1', type: 'q8_0' }]);
    expect(saved).toEqual([]);
    expect(useOnnxExport.getState()).toMatchObject({ busy: null, exporting: false, gguf: null });
    expect(useOnnxExport.getState().error).toMatch(/^Could not export run one as GGUF: the GGUF export knows the tokenizers of .*\.$/);
  });
});
