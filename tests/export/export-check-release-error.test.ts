// The export check when a runtime fails and then releasing the other (or the same) runtime fails
// too: what the user hears is the failure that stopped the check, on its side, not "release failed".
// The runtimes run as they do; only the failures are made (vi.mock of their modules), on real
// objects: the engine runs out of GPU memory on the real device (engineOutOfMemory.ts), the ORT
// session is the real one with a release that throws after releasing.
import { describe, expect, it, vi } from 'vitest';
import { exportOnnxModel } from '../../src/export/onnxExport.ts';
import { checkFailure, verifyOnnxExport } from '../../src/export/verifyExport.ts';
import { generateTinyModel, tinyTestOptions } from '../../src/model/tiny-model.ts';
import { memoryModelFiles } from '../../src/model/model-files.ts';
import { testGpu } from '../helpers/gpu.ts';
import { ENGINE_OUT_OF_MEMORY } from '../helpers/engineOutOfMemory.ts';

/** Which failures the next check meets (set by each test). */
const fail = vi.hoisted(() => ({ engineOutOfMemory: false, engineRelease: false, ortOpen: false, ortRelease: false }));
const ORT_OPEN_ERROR = 'Aborted(). Build with -sASSERTIONS for more info.';
const ORT_RELEASE_ERROR = 'ORT session release failed';
const ENGINE_RELEASE_ERROR = 'engine release failed';

vi.mock('../../src/export/engineLogits.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/export/engineLogits.ts')>();
  const outOfMemory = (await import('../helpers/engineOutOfMemory.ts')).withEngineOutOfMemory(real);
  return {
    ...real,
    openEngineRunner: async (...args: Parameters<typeof real.openEngineRunner>) => {
      const runner = await (fail.engineOutOfMemory ? outOfMemory : real).openEngineRunner(...args);
      return {
        ...runner,
        release() {
          runner.release();
          if (fail.engineRelease) throw new Error(ENGINE_RELEASE_ERROR);
        },
      };
    },
  };
});

vi.mock('../../src/export/onnxRuntime.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/export/onnxRuntime.ts')>();
  return {
    ...real,
    openOrtDecoder: async (...args: Parameters<typeof real.openOrtDecoder>) => {
      if (fail.ortOpen) throw new Error(ORT_OPEN_ERROR);
      const dec = await real.openOrtDecoder(...args);
      return {
        ...dec,
        async release() {
          await dec.release();
          if (fail.ortRelease) throw new Error(ORT_RELEASE_ERROR);
        },
      };
    },
  };
});

async function checkWith(failures: Partial<typeof fail>) {
  const gpu = await testGpu();
  gpu.ctx.clearRefusal(); // each check starts as a new job does
  const tiny = generateTinyModel(tinyTestOptions('qwen3'));
  const files = memoryModelFiles(tiny.files, 'tiny-qwen3');
  Object.assign(fail, { engineOutOfMemory: false, engineRelease: false, ortOpen: false, ortRelease: false });
  const exported = await exportOnnxModel(gpu, files, { dtype: 'fp32', adapter: null });
  Object.assign(fail, failures);
  try {
    await verifyOnnxExport(gpu, files, null, exported, { prompts: [[1, 11, 40, 41]], steps: 2 });
  } catch (err) {
    return checkFailure(err);
  }
  return null;
}

describe('export check: a failed release does not hide why the check failed', () => {
  it('the engine runs out of GPU memory in a step, then the ORT session fails to release: the engine out-of-memory is said', { timeout: 300_000 }, async () => {
    expect(await checkWith({ engineOutOfMemory: true, ortRelease: true })).toEqual({
      side: 'engine',
      message: expect.stringContaining(`the GPU ran out of memory (${ENGINE_OUT_OF_MEMORY})`),
    });
  });

  it('onnxruntime-web cannot open the model, then the engine fails to release: onnxruntime-web is said', { timeout: 300_000 }, async () => {
    expect(await checkWith({ ortOpen: true, engineRelease: true })).toEqual({ side: 'onnxruntime-web', message: ORT_OPEN_ERROR });
  });

  it('the check ran, then a release fails: that failure is said, on its side', { timeout: 300_000 }, async () => {
    expect(await checkWith({ ortRelease: true })).toEqual({ side: 'onnxruntime-web', message: ORT_RELEASE_ERROR });
    expect(await checkWith({ engineRelease: true })).toEqual({ side: 'engine', message: ENGINE_RELEASE_ERROR });
  });
});
