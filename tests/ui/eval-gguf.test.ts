// A GGUF file evaluated from the page: the saved export's "Evaluate it" chooses the file for the
// Evaluation panel (on its run's dataset, which it selects) and opens that panel; a file the user
// picks there answers with the loaded model's config and tokenizer; either is sent to the worker as
// the Blob it is, in place of the adapter. A file that is no GGUF is refused at once. Its results
// sit beside the run's adapter in the accuracy table, named by the file; and an evaluation of a
// file is never taken as the adapter's own (the snapshot's and the demo's accuracy).
import { createElement } from 'react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { renderNow } from '../helpers/render.ts';
import { press } from '../helpers/press.ts';

vi.mock('react/jsx-dev-runtime', async (original) => (await import('../helpers/press.ts')).recordingJsxRuntime(original));
const requests = vi.hoisted(() => [] as Array<{ kind: string; payload: Record<string, unknown> }>);
vi.mock('../../src/state/engine.ts', () => ({
  engineClient: () => ({
    onEvent: () => () => undefined,
    request: async (kind: string, payload: Record<string, unknown>) => {
      requests.push({ kind, payload });
      if (kind === 'exportGguf') {
        const file = new Blob(['GGUF', new Uint8Array(60)]);
        return { file, bytes: file.size, preTokenizer: 'qwen2', adapterStep: 20, runStep: 20 };
      }
      if (kind === 'evaluate') return { evalRunId: 'e-file', summary: { total: 8, correct: 5, accuracy: 5 / 8, byCategory: {}, failureRules: {}, finishReasons: {} }, aborted: false, requested: 8 };
      return undefined;
    },
  }),
}));
vi.mock('../../src/state/download.ts', () => ({ downloadBytes: () => undefined }));

const { useJobs } = await import('../../src/state/jobStore.ts');
const { useRuns, latestEvalPerAdapter } = await import('../../src/state/runStore.ts');
const { useModel } = await import('../../src/state/modelStore.ts');
const { useDatasets } = await import('../../src/state/datasetStore.ts');
const { useOnnxExport } = await import('../../src/state/onnxExportStore.ts');
const { OnnxExportStatus } = await import('../../src/ui/runs/OnnxExportStatus.tsx');
const { EvalForm } = await import('../../src/ui/eval/EvalForm.tsx');
const { EvalResults, defaultComparison } = await import('../../src/ui/eval/EvalResults.tsx');
const { demoEvalOf } = await import('../../src/state/demoStore.ts');
const { DEMO_EVAL } = await import('../../src/state/demoStore.ts');

const trained = { id: 'r1', datasetId: 'd7', kind: 'train', status: 'done', createdAt: 1, updatedAt: 1, name: 'run one', modelRef: 'tiny', lastStep: 20, config: {} };
const summary = (total: number, correct: number) => ({ total, correct, accuracy: correct / total, byCategory: {}, failureRules: {}, finishReasons: {} });
const evalRow = (id: string, createdAt: number, adapterRunId: string | null, gguf?: { fileName: string; bytes: number; fileType: string | null }, total = 32) => ({
  id, datasetId: 'd7', kind: 'eval', status: 'done', createdAt, updatedAt: createdAt, name: `eval ${id}`, modelRef: 'tiny', summary: summary(total, total / 2),
  config: { adapterRunId, limit: DEMO_EVAL.limit, maxNewTokens: DEMO_EVAL.maxNewTokens, lora: null, ...(gguf && { gguf }) },
});
const form = () => renderNow(createElement(EvalForm, { datasetId: 'd7', disabled: false })).replace(/<!-- -->/g, '');

beforeEach(() => {
  requests.length = 0;
  useJobs.setState({ evalGguf: null, error: null, errorKind: null, notice: null, noticeKind: null, running: null });
  // The runs are the test's: no database to read them again from after a job.
  useRuns.setState({ runs: [trained as never], active: null, refreshRuns: async () => undefined });
  useModel.setState({ info: { ref: 'tiny' } as never });
  useDatasets.setState({ selectedId: 'd1' });
  useOnnxExport.setState({ gguf: null, busy: null, exporting: false, error: null });
});

describe('a GGUF file evaluated from the page', () => {
  it('"Evaluate it" chooses the saved file on its run\'s dataset and opens the Evaluation panel, whose Evaluate sends that Blob with the run', async () => {
    await useOnnxExport.getState().exportGguf('r1', 'run one', 'q4_k_m');
    const saved = useOnnxExport.getState().gguf!.file!;
    const opened = vi.fn();
    renderNow(createElement(OnnxExportStatus, { onOpenEval: opened }));
    press('Evaluate it');
    await vi.waitFor(() => expect(useJobs.getState().evalGguf).toEqual({ file: saved, fileName: 'run-one-q4_k_m.gguf', runId: 'r1', runName: 'run one' }));
    expect(opened).toHaveBeenCalledOnce();
    // The run's held-out examples are its dataset's.
    expect(useDatasets.getState().selectedId).toBe('d7');

    const html = form();
    expect(html).toContain('Answers with the weights of <strong>run-one-q4_k_m.gguf</strong> (64 B, “run one” with its adapter merged), read as llama.cpp reads them: what its rounding costs in accuracy.');
    expect(html).not.toContain('id="eval-adapter"');
    press('Evaluate run-one-q4_k_m.gguf');
    await vi.waitFor(() => expect(useJobs.getState().notice).toBe('With the weights of run-one-q4_k_m.gguf: evaluated 8 examples: 62.5% correct.'));
    const asked = requests.find((r) => r.kind === 'evaluate')!.payload;
    expect(asked).toMatchObject({ datasetId: 'd7', runId: 'r1', gguf: { fileName: 'run-one-q4_k_m.gguf' } });
    expect((asked.gguf as { file: Blob }).file).toBe(saved);

    // Back to the adapter: the picker returns, and the next evaluation sends no file.
    press('Use an adapter instead');
    await vi.waitFor(() => expect(useJobs.getState().evalGguf).toBeNull());
    expect(form()).toContain('id="eval-adapter"');
  });

  it('takes a file the user picks with the loaded model, and refuses one that is no GGUF, keeping the choice before it', async () => {
    const file = new File(['GGUF', new Uint8Array(28)], 'bartowski-Q4_K_M.gguf');
    await useJobs.getState().chooseEvalGguf({ file, fileName: file.name, runId: null, runName: null });
    expect(form()).toContain('Answers with the weights of <strong>bartowski-Q4_K_M.gguf</strong> (32 B), read as llama.cpp reads them');
    const notGguf = new File(['{"messages": []}'], 'data.jsonl');
    await useJobs.getState().chooseEvalGguf({ file: notGguf, fileName: notGguf.name, runId: null, runName: null });
    expect(useJobs.getState()).toMatchObject({ error: 'data.jsonl is not a GGUF file (it does not begin with “GGUF”): choose a .gguf file, such as the Runs panel’s GGUF export saves.', errorKind: 'evaluate' });
    expect(useJobs.getState().evalGguf?.fileName).toBe('bartowski-Q4_K_M.gguf');

    // Its weights run with the loaded model's config and tokenizer: with none loaded, none can.
    useModel.setState({ info: null });
    expect(/id="eval-problem"[^>]*>([^<]*)</.exec(form())?.[1]).toBe('Load a model first (Model panel).');
    useModel.setState({ info: { ref: 'tiny' } as never });
    await useJobs.getState().runEvaluation('d7', useJobs.getState().evalDraft, useJobs.getState().evalGguf);
    expect(requests.find((r) => r.kind === 'evaluate')!.payload).toMatchObject({ datasetId: 'd7', runId: undefined, gguf: { file, fileName: 'bartowski-Q4_K_M.gguf' } });
  });

  it('shows each file beside the adapter it was exported from, and never takes it for the adapter\'s own evaluation', () => {
    const q4 = { fileName: 'run-one-q4_k_m.gguf', bytes: 15.6 * 2 ** 20, fileType: 'Q4_K_M' };
    const theirs = { fileName: 'other.gguf', bytes: 2 ** 30, fileType: null };
    // Newest first, as the runs table lists them.
    const rows = [evalRow('dropped', 5, null, theirs), evalRow('file', 4, 'r1', q4), evalRow('adapter', 3, 'r1'), evalRow('base', 2, null)];
    expect(latestEvalPerAdapter(rows).map((r) => r.id)).toEqual(['base', 'adapter', 'file', 'dropped']);
    useRuns.setState({ runs: [...rows, trained] as never });
    const html = renderNow(createElement(EvalResults, { datasetId: 'd7' })).replace(/<!-- -->/g, '');
    expect(html).toContain('<td>run one as run-one-q4_k_m.gguf (Q4_K_M weights, 15.6 MiB)</td>');
    expect(html).toContain('<td>other.gguf (GGUF weights, 1.00 GiB)</td>');
    expect(html).toContain('<td>base model (no adapter)</td>');
    // Its answers are set beside those of the adapter it holds; a file the user gave, the base
    // model's; an adapter's, the base model's; the base model's, none by default.
    const [dropped, file, adapter, base] = rows as never as Parameters<typeof defaultComparison>[0][];
    expect(defaultComparison(file, [dropped, adapter, base])?.id).toBe('adapter');
    expect(defaultComparison(dropped, [file, adapter, base])?.id).toBe('base');
    expect(defaultComparison(adapter, [dropped, file, base])?.id).toBe('base');
    expect(defaultComparison(base, [dropped, file, adapter])).toBeNull();
    // The demo compares the adapter's own accuracy with the base model's: a file's is neither.
    expect(demoEvalOf([rows[1] as never], 'r1')).toBeNull();
    expect(demoEvalOf([rows[0] as never], null)).toBeNull();
    expect(demoEvalOf(rows as never, 'r1')?.id).toBe('adapter');
  });
});
