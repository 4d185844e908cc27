// `studio export-onnx` when the GPU runs out of memory in our engine's side of the export check:
// that is the engine's out-of-memory, said in export-onnx's flags (as every command says it), with
// the written export kept (only the check stopped), not a
// check that "could not run on onnxruntime-web", which would send the user after the wrong runtime.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { exportOnnxInProcess } from '../helpers/exportOnnxCli.ts';

// The engine's side of the check runs out of GPU memory on the real device (engineOutOfMemory.ts).
vi.mock('../../src/export/engineLogits.ts', async (importOriginal) =>
  (await import('../helpers/engineOutOfMemory.ts')).withEngineOutOfMemory(await importOriginal()),
);

describe('studio export-onnx when our engine runs out of GPU memory in the check', () => {
  it('keeps the export and says the engine ran out of memory, with what to lower in its flags, not onnxruntime-web', async () => {
    const { code, out, errors } = await exportOnnxInProcess('studio-export-engine-oom-');
    expect(code).toBe(3);
    expect(existsSync(join(out, 'onnx/model.onnx'))).toBe(true);
    expect(errors.at(-1)).toBe(
      `studio export-onnx: the export in ${out} is written, but its check could not run our engine: the GPU ran out of memory (Out of memory: could not allocate the export check logits); only the check stopped: the export was written before it and is kept as it is. Lower --steps or the --prompt texts of the check (--no-check skips it), or close other tabs that use the GPU, and try again`,
    );
    // The files are there: not the words of a training or evaluation job, whose results are not kept.
    expect(errors.at(-1)).not.toMatch(/without keeping them/);
  }, 300_000);
});
