// The playground's ONNX backend when transformers.js fails to generate (onnxruntime-web aborting)
// and disposing the model then fails too: the page hears why the answer failed, not the dispose.
// The export, the model and its runtime are real; only the generation's and the dispose's failures
// are made (vi.mock of transformersModel.ts, the module that loads the model). In Node,
// transformers.js reads no model served from memory: the same files load from a folder.
import '../../src/export/transformersModel.ts'; // binds transformers.js to onnxruntime-web first
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { exportOnnxModel } from '../../src/export/onnxExport.ts';
import { openLoadedModel, type JobContext } from '../../src/jobs/context.ts';
import { memoryModelFiles } from '../../src/model/model-files.ts';
import { runGenerateOnnx } from '../../src/worker/onnxPlayground.ts';
import { testGpu } from '../helpers/gpu.ts';
import { tinyModelMap } from '../helpers/tinyEngine.ts';

const fail = vi.hoisted(() => ({ generate: false, dispose: false, folder: '' }));
const GENERATE_ERROR = 'Aborted(). Build with -sASSERTIONS for more info.';
const DISPOSE_ERROR = 'ORT session release failed';

vi.mock('../../src/export/transformersModel.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/export/transformersModel.ts')>();
  return {
    ...real,
    loadTransformersCausalLM: async (_memory: unknown, opts: Parameters<typeof real.loadTransformersCausalLM>[1]) => {
      const lm = await real.loadTransformersCausalLM({ kind: 'directory', dir: fail.folder }, opts);
      return {
        ...lm,
        greedy: (...greedy: Parameters<typeof lm.greedy>) => (fail.generate ? Promise.reject(new Error(GENERATE_ERROR)) : lm.greedy(...greedy)),
        async dispose() {
          await lm.dispose();
          if (fail.dispose) throw new Error(DISPOSE_ERROR);
        },
      };
    },
  };
});

const root = await mkdtemp(join(tmpdir(), 'studio-onnx-playground-'));
afterAll(() => rm(root, { recursive: true, force: true }));

/** The playground's ONNX answer to one question, on the tiny model's export, with `failures`. */
async function answerWith(failures: Partial<typeof fail>) {
  const files = memoryModelFiles(tinyModelMap(), 'tiny');
  const model = await openLoadedModel(files, 'tiny');
  const exported = await exportOnnxModel(await testGpu(), files, { dtype: 'fp32', adapter: null });
  fail.folder = join(root, 'tiny');
  for (const [path, bytes] of exported.files) {
    await mkdir(dirname(join(fail.folder, path)), { recursive: true });
    await writeFile(join(fail.folder, path), bytes);
  }
  const ctx = { model, progress: () => undefined, signal: new AbortController().signal } as unknown as JobContext;
  Object.assign(fail, { generate: false, dispose: false }, failures);
  const question = { streamId: 's', tools: [], messages: [{ role: 'user' as const, content: 'hi' }], maxNewTokens: 2, temperature: 0 };
  return runGenerateOnnx(ctx, { ...question, held: { files: exported.files, dtype: 'fp32' }, emit: () => undefined });
}

describe('the ONNX playground: a failed dispose does not hide why the answer failed', () => {
  it('onnxruntime-web aborting is what is said, not the dispose after it', { timeout: 120_000 }, async () => {
    await expect(answerWith({ generate: true, dispose: true })).rejects.toThrow(GENERATE_ERROR);
  });

  it('after an answer, a failed dispose is said', { timeout: 120_000 }, async () => {
    await expect(answerWith({ dispose: true })).rejects.toThrow(DISPOSE_ERROR);
  });
});
