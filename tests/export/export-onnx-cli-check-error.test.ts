// `studio export-onnx` in-process, with an export check that cannot run (as onnxruntime-web's
// WebAssembly heap refuses a model of several GB): the written export stays, and the command says
// so and exits 3, as the Runs panel keeps the files and says the check did not run.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { exportOnnxInProcess } from '../helpers/exportOnnxCli.ts';

// onnxruntime-web refuses the session as its WebAssembly build aborts; the check itself runs as it
// does, and says that this side failed.
vi.mock('../../src/export/onnxRuntime.ts', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../src/export/onnxRuntime.ts')>()),
  openOrtDecoder: async () => {
    throw new Error('Aborted(). Build with -sASSERTIONS for more info.\nat abort (ort-wasm.mjs:1:1)');
  },
}));

describe('studio export-onnx when its check cannot run', () => {
  it('keeps the export, says it is written and why the check did not run, and exits 3', async () => {
    const { code, out, errors } = await exportOnnxInProcess('studio-export-check-error-');
    expect(code).toBe(3);
    expect(existsSync(join(out, 'onnx/model.onnx'))).toBe(true);
    expect(errors.at(-1)).toBe(`studio export-onnx: the export in ${out} is written, but its check could not run on onnxruntime-web (wasm): Aborted(). Build with -sASSERTIONS for more info.`);
  }, 300_000);
});
