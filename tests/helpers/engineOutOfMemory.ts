// Our engine's side of the export check running out of GPU memory, without mocking the GPU layer:
// the engine opens for the check as it does; then the device reports memory it could not give, as
// Dawn does (an uncaptured error event). The GPU layer turns that into its refusal, and the
// engine's first readback throws it. onnxruntime-web runs on the CPU (wasm) and never sees it.
// For a test file's vi.mock of src/export/engineLogits.ts.
import type * as EngineLogits from '../../src/export/engineLogits.ts';

export const ENGINE_OUT_OF_MEMORY = 'Out of memory: could not allocate the export check logits';

/** `real` with its openEngineRunner followed by an out-of-memory on the runner's device. */
export function withEngineOutOfMemory(real: typeof EngineLogits): typeof EngineLogits {
  return {
    ...real,
    openEngineRunner: async (...args) => {
      const runner = await real.openEngineRunner(...args);
      const outOfMemory = new Event('uncapturederror');
      Object.defineProperty(outOfMemory, 'error', { value: { message: ENGINE_OUT_OF_MEMORY } });
      args[0].ctx.device.dispatchEvent(outOfMemory);
      return runner;
    },
  };
}
