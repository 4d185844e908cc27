// The Runs panel's merged-model export: the worker zips the model with the adapter merged as a
// Hugging Face folder, the page saves the .zip under the folder's name and the notice says what it
// holds and what loads it; it shows its progress, can be cancelled (nothing saved), and a failure is
// said with the run's name.
import { createElement } from 'react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { renderNow } from '../helpers/render.ts';
import { press } from '../helpers/press.ts';

vi.mock('react/jsx-dev-runtime', async (original) => (await import('../helpers/press.ts')).recordingJsxRuntime(original));
const worker = vi.hoisted(() => ({
  asked: [] as string[],
  fail: null as null | Error,
  hold: null as null | Promise<void>,
  cancel: null as null | (() => void),
  reply: {} as Record<string, unknown>,
}));
const saved = vi.hoisted(() => [] as Array<{ size: number; name: string }>);
vi.mock('../../src/state/engine.ts', () => ({
  engineClient: () => ({
    onEvent: () => () => undefined,
    request: async (kind: string, payload: { runId?: string }, progress?: (p: { label: string; done: number; total: number }) => void) => {
      if (kind === 'cancelJob') {
        worker.asked.push('cancel');
        worker.cancel?.();
        return undefined;
      }
      if (kind !== 'exportMerged') throw new Error(`unexpected request ${kind}`);
      worker.asked.push(`merged ${payload.runId}`);
      progress?.({ label: 'merging the adapter into the weights (3 of 24 tensors)', done: 300, total: 1000 });
      await worker.hold;
      if (worker.fail) throw worker.fail;
      return { zip: { size: 1.13 * 2 ** 30 } as Blob, folder: 'tool-calls-merged', files: ['model.safetensors'], dtype: 'bf16', weightBytes: 1.12 * 2 ** 30, weightFiles: 1, merged: 196, adapterStep: 40, runStep: 40, ...worker.reply };
    },
  }),
}));
vi.mock('../../src/state/download.ts', () => ({ downloadBytes: (file: Blob, name: string) => void saved.push({ size: file.size, name }) }));

const { useOnnxExport } = await import('../../src/state/onnxExportStore.ts');
const { OnnxExportStatus } = await import('../../src/ui/runs/OnnxExportStatus.tsx');

const initial = useOnnxExport.getState();
const status = () => renderNow(createElement(OnnxExportStatus, { onOpenEval: () => undefined }));

beforeEach(() => {
  useOnnxExport.setState(initial, true);
  worker.asked.length = 0;
  worker.fail = null;
  worker.hold = null;
  worker.cancel = null;
  worker.reply = {};
  saved.length = 0;
});

describe('the Runs panel’s merged-model export', () => {
  it('saves the folder as a .zip under its name and says what it holds and what loads it', async () => {
    await useOnnxExport.getState().exportMerged('r1', 'tool calls');
    expect(worker.asked).toEqual(['merged r1']);
    expect(saved).toEqual([{ size: 1.13 * 2 ** 30, name: 'tool-calls-merged.zip' }]);
    const html = status();
    expect(html).toContain('Saved tool-calls-merged.zip (1.13 GiB): the folder tool-calls-merged, the model with the adapter merged into 196 of its weights (W + scale·B·A rounded once to bfloat16, as PEFT&#x27;s merge_and_unload() rounds it), as safetensors, with the model&#x27;s config, tokenizer and a model card.');
    expect(html).toContain('AutoModelForCausalLM.from_pretrained(&quot;tool-calls-merged&quot;) in transformers, vllm serve tool-calls-merged, mlx_lm.convert --hf-path tool-calls-merged');
    expect(html).toContain('data-testid="merged-export-saved"');
  });

  it('says the shards and a checkpoint older than where the run stopped', async () => {
    worker.reply = { weightFiles: 2, adapterStep: 30, runStep: 34 };
    await useOnnxExport.getState().exportMerged('r1', 'tool calls');
    const html = status();
    expect(html).toContain('as safetensors in 2 shards as the model&#x27;s own');
    expect(html).toContain('It holds the adapter of step 30, the run&#x27;s newest checkpoint, not of step 34 where the run stopped.');
  });

  it('shows its progress and is cancelled with its Cancel: nothing saved, the notice says so', async () => {
    let release = () => undefined as void;
    worker.hold = new Promise<void>((r) => (release = r));
    worker.cancel = () => {
      worker.fail = Object.assign(new Error('This operation was aborted'), { name: 'AbortError' });
      release();
    };
    const running = useOnnxExport.getState().exportMerged('r1', 'run one');
    await vi.waitFor(() => expect(useOnnxExport.getState().busy?.done).toBe(300));
    const busy = status();
    expect(busy).toContain('merged-model export of run one: merging the adapter into the weights (3 of 24 tensors)');
    expect(busy).toContain('aria-label="Cancel the merged-model export of run one (nothing is saved)"');
    expect(useOnnxExport.getState().exporting).toBe(true);
    press('Cancel');
    await running;
    expect(worker.asked).toEqual(['merged r1', 'cancel']);
    expect(saved).toEqual([]);
    expect(useOnnxExport.getState()).toMatchObject({ busy: null, exporting: false, merged: null, cancelled: { kind: 'Merged model', runName: 'run one' } });
    expect(status()).toContain('The merged-model export of run one was cancelled; nothing was saved.');
  });

  it('says a failure with the run’s name and saves nothing', async () => {
    worker.fail = new Error('its weights are 6.2 GB, more than a .zip download holds (4 GiB)');
    await useOnnxExport.getState().exportMerged('r1', 'run one');
    expect(saved).toEqual([]);
    expect(useOnnxExport.getState().error).toBe('Could not export run one as a merged model: its weights are 6.2 GB, more than a .zip download holds (4 GiB).');
  });
});
