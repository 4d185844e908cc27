// The Runs panel's ONNX export writes fp16 weights. A merged weight past fp16's range (±65504) stops
// it by name; the page used to answer with the CLI's flag (`studio export-onnx --dtype fp32`), which
// a browser user cannot type anywhere. Now the error says to export in fp32 and has the button that
// does: pressed, it asks the worker for the same run in fp32. Other errors get no such button.
import { createElement } from 'react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { renderNow } from '../helpers/render.ts';
import { press } from '../helpers/press.ts';

vi.mock('react/jsx-dev-runtime', async (original) => (await import('../helpers/press.ts')).recordingJsxRuntime(original));
const worker = vi.hoisted(() => ({ asked: [] as Array<{ runId: string; dtype: string }>, fail: null as null | Error }));
vi.mock('../../src/state/engine.ts', () => ({
  engineClient: () => ({
    onEvent: () => () => undefined,
    request: async (kind: string, payload: { runId: string; dtype: string }) => {
      if (kind === 'heldOnnxExports') return [];
      if (kind !== 'exportOnnx') throw new Error(`unexpected request ${kind}`);
      worker.asked.push({ runId: payload.runId, dtype: payload.dtype });
      // As the worker's error arrives: a plain Error carrying the thrown error's name and message.
      if (worker.fail) throw worker.fail;
      return { zip: new Blob([new Uint8Array(8)]), files: ['onnx/model.onnx'], report: null, checkError: null, adapterStep: 30, runStep: 30, held: true };
    },
  }),
}));
vi.mock('../../src/state/download.ts', () => ({ downloadBytes: () => undefined }));

const { useOnnxExport } = await import('../../src/state/onnxExportStore.ts');
const { OnnxExportStatus } = await import('../../src/ui/runs/OnnxExportStatus.tsx');
const { Fp16OverflowError, FP16_OVERFLOW_ADVICE } = await import('../../src/export/mergeLora.ts');

const initial = useOnnxExport.getState();
const status = () => renderNow(createElement(OnnxExportStatus));
const asWorkerSends = (err: Error) => Object.assign(new Error(err.message), { name: err.name });
const OVERFLOW = `merge model.layers.1.mlp.down_proj.weight: element [3, 9] is past fp16's largest value (±65504) with the LoRA merged; ${FP16_OVERFLOW_ADVICE}`;

beforeEach(() => {
  useOnnxExport.setState(initial, true);
  worker.asked.length = 0;
  worker.fail = null;
});

describe('the Runs panel’s ONNX export when a weight does not fit fp16', () => {
  it('says to export in fp32, with no CLI flag, and its button exports the same run in fp32', async () => {
    worker.fail = asWorkerSends(new Fp16OverflowError(OVERFLOW));
    await useOnnxExport.getState().exportOnnx('r7', 'ssb r8', 'fp16');
    const failed = status();
    expect(useOnnxExport.getState().error).toBe(`Could not export ssb r8 to ONNX: ${OVERFLOW}.`);
    expect(failed).not.toMatch(/--dtype|studio export-onnx/);
    expect(failed).toContain('aria-label="Export ssb r8 as ONNX with fp32 weights (twice the size of fp16)"');

    worker.fail = null;
    press('Export in fp32');
    await vi.waitFor(() => expect(useOnnxExport.getState().busy).toBeNull());
    expect(worker.asked).toEqual([{ runId: 'r7', dtype: 'fp16' }, { runId: 'r7', dtype: 'fp32' }]);
    expect(useOnnxExport.getState()).toMatchObject({ error: null, fp32Instead: null, exportedRunIds: ['r7'] });
    expect(useOnnxExport.getState().report?.fileName).toBe('ssb-r8-onnx-fp32.zip');
    expect(status()).not.toContain('onnx-export-fp32');
  });

  it('offers no fp32 export for other failures, and dismissing the error takes the button away', async () => {
    worker.fail = asWorkerSends(new Error('the run has no checkpoint yet; train it first'));
    await useOnnxExport.getState().exportOnnx('r7', 'ssb r8', 'fp16');
    expect(status()).toContain('data-testid="onnx-export-error"');
    expect(status()).not.toContain('onnx-export-fp32');

    worker.fail = asWorkerSends(new Fp16OverflowError(OVERFLOW));
    await useOnnxExport.getState().exportOnnx('r7', 'ssb r8', 'fp16');
    expect(status()).toContain('onnx-export-fp32');
    status();
    press('✕');
    expect(useOnnxExport.getState()).toMatchObject({ error: null, fp32Instead: null });
    expect(status()).not.toContain('onnx-export-fp32');
  });
});
