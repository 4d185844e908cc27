// How Dawn (the npm `webgpu` package) waits in Node. While any of its promises is pending
// (mapAsync, onSubmittedWorkDone, createComputePipelineAsync), dawn.node re-queues
// wgpuInstanceProcessEvents through the global setImmediate after every call: a busy loop on the
// main thread for as long as the GPU works. On a hardware GPU that costs one idle CPU core and
// buys the lowest latency. On a software adapter the GPU *is* the CPU: SwiftShader's threads share
// the cores with that loop (18,266 polls in one 225 ms wait), so every wait slowed the work it
// waited for. Measured on 2 cores with Dawn's polls moved to setTimeout: a training step of the
// embedded model 5.2 → 3.0–3.6 s, its decoding 32 → 47 tokens/s (B = 1) and 64 → 107 (B = 4), two
// GPU-heavy test files 91 → 40 s. So on a software adapter Dawn's polls go through
// setTimeout(0): at most one poll a millisecond, and a wait ends at most ~1 ms late.
//
// dawn.node reads globalThis.setImmediate afresh for every poll, with a new native function and
// no arguments; that is how its polls are told apart from everyone else's, which go through
// untouched.

const NATIVE = 'function () { [native code] }';

let installed = false;
let polls = 0;

function isDawnPoll(fn: unknown, args: unknown[]): boolean {
  // An unnamed native function: a named one prints its name before the parentheses. A bound
  // function prints as native and unnamed too, but is named "bound …": fake-indexeddb starts every
  // transaction through setImmediate(this._start.bind(this)), and counted as a poll each waited a
  // millisecond or more (its import test 8 → 42 s once a GPU test had run in the process).
  return typeof fn === 'function' && args.length === 0 && fn.name === '' && Function.prototype.toString.call(fn) === NATIVE;
}

/** Routes Dawn's event polls through setTimeout(0) from now on, for the whole process (idempotent).
 * For software adapters only: see the file's comment. */
export function throttleDawnPolling(): void {
  if (installed) return;
  installed = true;
  const original = globalThis.setImmediate;
  const throttled = function setImmediate(this: unknown, fn: (...a: unknown[]) => void, ...args: unknown[]) {
    if (isDawnPoll(fn, args)) {
      polls++;
      return setTimeout(fn, 0) as unknown as NodeJS.Immediate;
    }
    return original.call(this, fn, ...args);
  };
  // Keep what hangs off the original (util.promisify's custom form, __promisify__).
  for (const key of Reflect.ownKeys(original)) {
    if (key !== 'length' && key !== 'name' && key !== 'prototype') Object.defineProperty(throttled, key, Object.getOwnPropertyDescriptor(original, key)!);
  }
  globalThis.setImmediate = throttled as typeof globalThis.setImmediate;
}

/** Dawn polls routed through setTimeout so far (0 while not throttled). */
export function throttledDawnPolls(): number {
  return polls;
}
