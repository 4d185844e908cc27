// Test access to a real WebGPU device (Dawn on SwiftShader in Node), shared by the tests of a process:
// one test file, or several where vitest runs files in shared processes (scripts/test-projects.mjs).
import { acquireNodeGpu } from '../../src/gpu/nodeGpu.ts';
import { createGpu, type Gpu } from '../../src/gpu/index.ts';

let shared: Promise<Gpu> | null = null;

/** The process's test device; a new one once a test has destroyed it (a device-loss test), so the
 * tests after it, in its file or the next, are not handed a lost device. */
export function testGpu(): Promise<Gpu> {
  if (!shared) {
    const made = acquireNodeGpu().then(createGpu);
    shared = made;
    const forget = () => {
      if (shared === made) shared = null;
    };
    // A failed acquisition is the caller's to report (through `made`); the next call tries again.
    void made.then((gpu) => gpu.ctx.lost.then(forget), forget);
  }
  return shared;
}
