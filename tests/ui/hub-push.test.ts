// The Runs panel's push to the Hub: the run's Hub form asks what, where and with which token (the
// Model panel's, one for the page); Push sends the worker exactly that, shows its progress with a
// Cancel (nothing committed), and the notice says what landed where, how to load it, and links to it;
// a refusal is said with the run's name and the form stays for another try.
import { createElement } from 'react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { renderNow } from '../helpers/render.ts';
import { press } from '../helpers/press.ts';

vi.mock('react/jsx-dev-runtime', async (original) => (await import('../helpers/press.ts')).recordingJsxRuntime(original));
const worker = vi.hoisted(() => ({
  asked: [] as unknown[],
  fail: null as null | Error,
  hold: null as null | Promise<void>,
  cancel: null as null | (() => void),
  reply: {} as Record<string, unknown>,
}));
vi.mock('../../src/state/engine.ts', () => ({
  engineClient: () => ({
    onEvent: () => () => undefined,
    request: async (kind: string, payload: Record<string, unknown>, progress?: (p: { label: string; done: number; total: number }) => void) => {
      if (kind === 'cancelJob') {
        worker.asked.push('cancel');
        worker.cancel?.();
        return undefined;
      }
      if (kind !== 'pushToHub') throw new Error(`unexpected request ${kind}`);
      worker.asked.push(payload);
      progress?.({ label: 'uploading adapter_model.safetensors (4.2 MiB in all)', done: 2 * 2 ** 20, total: 4.2 * 2 ** 20 });
      await worker.hold;
      if (worker.fail) throw worker.fail;
      return {
        repo: 'ada/tool-calls',
        repoUrl: 'https://huggingface.co/ada/tool-calls',
        commitUrl: 'https://huggingface.co/ada/tool-calls/commit/abc123',
        created: true,
        files: [
          { path: 'adapter_config.json', bytes: 900, lfs: false, sent: true },
          { path: 'adapter_model.safetensors', bytes: 4.2 * 2 ** 20, lfs: true, sent: true },
          { path: 'README.md', bytes: 1300, lfs: false, sent: true },
        ],
        adapterStep: 40,
        runStep: 40,
        ...worker.reply,
      };
    },
  }),
}));

const { repoNameOf, useOnnxExport } = await import('../../src/state/onnxExportStore.ts');
const { useModel } = await import('../../src/state/modelStore.ts');
const { OnnxExportStatus } = await import('../../src/ui/runs/OnnxExportStatus.tsx');

const initial = useOnnxExport.getState();
const status = () => renderNow(createElement(OnnxExportStatus, { onOpenEval: () => undefined }));

beforeEach(() => {
  useOnnxExport.setState(initial, true);
  useModel.setState({ hubToken: '' });
  worker.asked.length = 0;
  worker.fail = null;
  worker.hold = null;
  worker.cancel = null;
  worker.reply = {};
});

describe('the Runs panel’s push to the Hub', () => {
  it('opens a form for the run: the adapter, a repo named after the run, private, and Push held until a token is there', () => {
    useOnnxExport.getState().openPushForm({ runId: 'r1', runName: 'tool calls #2', hdr: false });
    let html = status();
    expect(html).toContain('data-testid="hub-push-form"');
    expect(html).toContain('Push tool calls #2 to the Hugging Face Hub');
    expect(html).toMatch(/data-testid="hub-what-adapter"[^>]*checked/);
    expect(html).toContain('value="tool-calls-2"');
    expect(html).toMatch(/data-testid="hub-push-private"[^>]*checked|checked=""[^>]*data-testid="hub-push-private"/);
    expect(html).toMatch(/<button type="submit" disabled=""[^>]*data-testid="hub-push-submit"/);
    expect(html).toContain('Paste an access token to push.');
    useModel.getState().setHubToken('  hf_abc  ');
    html = status();
    expect(html).toMatch(/<button type="submit"[^>]*data-testid="hub-push-submit"/);
    expect(html).not.toMatch(/<button type="submit" disabled=""/);
    expect(repoNameOf('  my first run!  ')).toBe('my-first-run');
    expect(repoNameOf('###')).toBe('balancesft-adapter');
  });

  it('sends the worker the run, what, repo, token and visibility; the notice says what landed and links to the repo', async () => {
    useModel.getState().setHubToken('hf_abc');
    useOnnxExport.getState().openPushForm({ runId: 'r1', runName: 'tool calls', hdr: false });
    await useOnnxExport.getState().pushToHub('r1', 'tool calls', { what: 'adapter', repo: ' tool-calls ', private: true });
    expect(worker.asked).toEqual([{ runId: 'r1', what: 'adapter', repo: 'tool-calls', token: 'hf_abc', private: true }]);
    const html = status();
    expect(html).not.toContain('data-testid="hub-push-form"');
    expect(html).toContain(
      'Pushed the adapter of tool calls (PEFT, with a model card) to ada/tool-calls, a new private repo (3 files, 4.2 MiB) as one commit: https://huggingface.co/ada/tool-calls/commit/abc123. Load it with AutoPeftModelForCausalLM.from_pretrained(&quot;ada/tool-calls&quot;) in PEFT.',
    );
    expect(html).toContain('<a href="https://huggingface.co/ada/tool-calls" target="_blank" rel="noreferrer">Open ada/tool-calls on the Hub</a>');
  });

  it('says a merged push, files the repo had, and a checkpoint older than where the run stopped', async () => {
    worker.reply = { created: false, adapterStep: 30, runStep: 34, files: [{ path: 'model.safetensors', bytes: 988 * 2 ** 20, lfs: true, sent: false }, { path: 'README.md', bytes: 1000, lfs: false, sent: true }], readme: 'kept' };
    await useOnnxExport.getState().pushToHub('r1', 'tool calls', { what: 'merged', repo: 'ada/tool-calls', private: false });
    const html = status();
    expect(html).toContain('Pushed tool calls with its adapter merged (safetensors, config, tokenizer and a model card) to ada/tool-calls (2 files, 988.0 MiB; one the repo had already, not sent again) as one commit');
    expect(html).toContain('It holds the adapter of step 30, the run&#x27;s newest checkpoint, not of step 34 where the run stopped.');
    expect(html).toContain('AutoModelForCausalLM.from_pretrained(&quot;ada/tool-calls&quot;) in transformers, or vllm serve ada/tool-calls. The repo&#x27;s README kept its own text; the studio&#x27;s card is beside it, between two marker comments, and a later push rewrites only that part.');
  });

  it('offers the GGUF file this run saved last, and pushes that file: the notice says how Ollama and llama.cpp run it', async () => {
    const file = { size: 15.6 * 2 ** 20 } as Blob;
    useOnnxExport.setState({ gguf: { kind: 'model', runId: 'r1', runName: 'tool calls', fileName: 'tool-calls-q4_k_m.gguf', bytes: file.size, type: 'q4_k_m', adapterStep: 40, runStep: 40, file } });
    useOnnxExport.getState().openPushForm({ runId: 'r2', runName: 'other', hdr: false, what: 'gguf' });
    expect(useOnnxExport.getState().pushForm).toEqual({ runId: 'r2', runName: 'other', hdr: false });
    useOnnxExport.getState().openPushForm({ runId: 'r1', runName: 'tool calls', hdr: false, what: 'gguf' });
    const form = status();
    expect(form).toMatch(/data-testid="hub-what-gguf"[^>]*checked|checked=""[^>]*data-testid="hub-what-gguf"/);
    expect(form).toContain('tool-calls-q4_k_m.gguf (Q4_K_M, 15.6 MiB), for Ollama and llama.cpp straight from the Hub');
    worker.reply = { files: [{ path: 'tool-calls-Q4_K_M.gguf', bytes: file.size, lfs: true, sent: true }, { path: 'README.md', bytes: 900, lfs: false, sent: true }] };
    await useOnnxExport.getState().pushToHub('r1', 'tool calls', { what: 'gguf', repo: 'tool-calls', private: false });
    expect(worker.asked).toEqual([{ runId: 'r1', what: 'gguf', gguf: { file, type: 'q4_k_m' }, repo: 'tool-calls', token: '', private: false }]);
    expect(status()).toContain('Pushed the Q4_K_M GGUF file of tool calls (the adapter merged, with a model card) to ada/tool-calls, a new public repo (2 files, 15.6 MiB) as one commit: https://huggingface.co/ada/tool-calls/commit/abc123. Run it with ollama run hf.co/ada/tool-calls:Q4_K_M, or llama-server -hf ada/tool-calls:Q4_K_M --jinja.');
    useOnnxExport.setState({ gguf: null });
    await useOnnxExport.getState().pushToHub('r1', 'tool calls', { what: 'gguf', repo: 'tool-calls', private: false });
    expect(worker.asked.length).toBe(1);
    expect(useOnnxExport.getState().error).toBe("Could not push the GGUF file of tool calls to the Hub: it is no longer held here (its notice was closed, or another export replaced it); export it again.");
  });

  it('shows its progress and is cancelled with its Cancel: nothing committed, the notice says so', async () => {
    let release = () => undefined as void;
    worker.hold = new Promise<void>((r) => (release = r));
    worker.cancel = () => {
      worker.fail = Object.assign(new Error('This operation was aborted'), { name: 'AbortError' });
      release();
    };
    const pushing = useOnnxExport.getState().pushToHub('r1', 'tool calls', { what: 'adapter', repo: 'x', private: true });
    await vi.waitFor(() => expect(useOnnxExport.getState().busy?.label).toBe('uploading adapter_model.safetensors (4.2 MiB in all)'));
    const html = status();
    expect(html).toContain('push of tool calls to the Hub: uploading adapter_model.safetensors');
    expect(html).toContain('aria-label="Cancel the push of tool calls to the Hub (nothing is committed)"');
    await press('Cancel');
    await pushing;
    expect(worker.asked.at(-1)).toBe('cancel');
    expect(status()).toContain('The push of tool calls to the Hub was cancelled; nothing was committed.');
  });

  it('says a refusal with the run’s name and keeps the form for another try', async () => {
    useOnnxExport.getState().openPushForm({ runId: 'r1', runName: 'tool calls', hdr: false });
    worker.fail = new Error('this access token may only read; pushing needs a write token (or a fine-grained one that may write to the repo): huggingface.co/settings/tokens');
    await useOnnxExport.getState().pushToHub('r1', 'tool calls', { what: 'adapter', repo: 'x', private: true });
    const html = status();
    expect(html).toContain('Could not push tool calls to the Hub: this access token may only read; pushing needs a write token');
    expect(html).toContain('data-testid="hub-push-form"');
  });
});
