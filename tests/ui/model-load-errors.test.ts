// What the Model panel says when a download fails: a full disk is not a connection problem, and its
// partial download is no promise of a resume (nothing was kept that a retry could continue).
import { describe, expect, it, vi } from 'vitest';

const worker = vi.hoisted(() => ({ error: null as Error | null, sources: [] as unknown[] }));
vi.mock('../../src/state/engine.ts', () => ({
  engineClient: () => ({
    request: async (_kind: string, req: { source?: unknown }) => {
      worker.sources.push(req.source);
      throw worker.error;
    },
  }),
}));
const { useModel } = await import('../../src/state/modelStore.ts');
const { WorkerError } = await import('../../src/worker/client.ts');

describe('a failed model download', () => {
  it('names a full disk without the connection hint; other failures keep it', async () => {
    worker.error = new WorkerError('HubStorageError', 'rev/q7b needs 3.11 GB more to download, and 0.90 GB can be stored in the browser Origin Private File System. Free disk space (or delete cached models you no longer use) and try again');
    await useModel.getState().loadModel({ kind: 'hub', repo: 'rev/q7b' } as never);
    expect(useModel.getState().error).toBe('Could not load rev/q7b: rev/q7b needs 3.11 GB more to download, and 0.90 GB can be stored in the browser Origin Private File System. Free disk space (or delete cached models you no longer use) and try again.');
    worker.error = new WorkerError('HubTruncatedError', 'download of model.safetensors from rev/q7b was truncated');
    await useModel.getState().loadModel({ kind: 'hub', repo: 'rev/q7b' } as never);
    expect(useModel.getState().error).toMatch(/a partial download resumes when you try again\.$/);
  });

  it('sends the page’s access token with hub downloads only, and points a refused download at the token field', async () => {
    worker.error = new WorkerError('HubAccessError', 'could not download config.json of meta-llama/Llama-3.2-1B-Instruct: HTTP 401 Unauthorized from https://huggingface.co/… (the repo may be gated or private: give a Hugging Face access token, or download the repo and load its folder)');
    worker.sources.length = 0;
    await useModel.getState().loadModel({ kind: 'hub', repo: 'meta-llama/Llama-3.2-1B-Instruct' });
    expect(worker.sources).toEqual([{ kind: 'hub', repo: 'meta-llama/Llama-3.2-1B-Instruct' }]);
    expect(useModel.getState().error).toMatch(/Paste an access token \(huggingface\.co\/settings\/tokens\) under “Access token” and load again\.$/);
    expect(useModel.getState().error).not.toMatch(/connection/);
    useModel.getState().setHubToken('  hf_secret  ');
    await useModel.getState().loadModel({ kind: 'hub', repo: 'meta-llama/Llama-3.2-1B-Instruct' });
    await useModel.getState().loadModel({ kind: 'embedded' });
    expect(worker.sources.slice(1)).toEqual([{ kind: 'hub', repo: 'meta-llama/Llama-3.2-1B-Instruct', token: 'hf_secret' }, { kind: 'embedded' }]);
    // With a token the hub's own words say it has no access: no advice to paste one.
    worker.error = new WorkerError('HubAccessError', 'HTTP 403 Forbidden (the repo is gated or private, and this token has no access to it: accept its terms on the hub, or use a token that may read it)');
    await useModel.getState().loadModel({ kind: 'hub', repo: 'meta-llama/Llama-3.2-1B-Instruct' });
    expect(useModel.getState().error).toMatch(/use a token that may read it\)\.$/);
    useModel.getState().setHubToken('');
  });

  it('says a repo the hub does not know is not found, with no advice to paste a token or check the connection', async () => {
    worker.error = new WorkerError('HubRepoNotFoundError', 'Qwen/Qwen3-0.5B was not found on the hub (HTTP 401 from https://huggingface.co/Qwen/Qwen3-0.5B/resolve/main/config.json): no such repo (or it is private); check the repo id');
    await useModel.getState().loadModel({ kind: 'hub', repo: 'Qwen/Qwen3-0.5B' });
    expect(useModel.getState().error).toBe('Could not load Qwen/Qwen3-0.5B: Qwen/Qwen3-0.5B was not found on the hub (HTTP 401 from https://huggingface.co/Qwen/Qwen3-0.5B/resolve/main/config.json): no such repo (or it is private); check the repo id.');
  });
});

describe('a model load refused while a job holds the GPU', () => {
  it('says what to wait for, with no advice about the model’s files or rebuilding the app', async () => {
    worker.error = new WorkerError('ModelInUseError', 'a training run is using the GPU with local:tiny; pause or stop it first, then load the other model');
    await useModel.getState().loadModel({ kind: 'embedded' });
    expect(useModel.getState().error).toBe('Could not load the embedded tiny Qwen3: a training run is using the GPU with local:tiny; pause or stop it first, then load the other model.');
  });
});

describe('a model whose files load but whose configuration the studio refuses', () => {
  // The message names the file and what is wrong in it (a generation_config.json that does not
  // parse, a quantized checkpoint): the download went fine and the folder has every file, so neither
  // "check the repo id and your connection; a partial download resumes" nor "drop a folder with
  // config.json, …" is what to do.
  it('says what is wrong with it, with no advice about the connection or the folder’s files', async () => {
    worker.error = new WorkerError('ModelConfigError', 'Qwen/Qwen3-0.6B/generation_config.json: not valid JSON (Unexpected token } in JSON at position 41)');
    await useModel.getState().loadModel({ kind: 'hub', repo: 'Qwen/Qwen3-0.6B' });
    expect(useModel.getState().error).toBe('Could not load Qwen/Qwen3-0.6B: Qwen/Qwen3-0.6B/generation_config.json: not valid JSON (Unexpected token } in JSON at position 41).');
    worker.error = new WorkerError('ModelConfigError', 'my-model/config.json: quantization_config is set: quantized checkpoints (GPTQ, AWQ, FP8, bitsandbytes) are not supported; use the model’s bfloat16 or float16 release');
    await useModel.getState().loadModel({ kind: 'files', files: [], label: 'my-model' } as never);
    expect(useModel.getState().error).not.toMatch(/Drop a folder/);
  });
});
