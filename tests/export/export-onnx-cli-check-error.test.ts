// `studio export-onnx` in-process, with an export check that cannot run (as onnxruntime-web's
// WebAssembly heap refuses a model of several GB): the written export stays, and the command says
// so and exits 3, as the Runs panel keeps the files and says the check did not run.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { exportOnnxInProcess } from '../helpers/exportOnnxCli.ts';

vi.mock('../../src/export/verifyExport.ts', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../src/export/verifyExport.ts')>()),
  verifyOnnxExport: async () => {
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
