// Side effect only: publishes onnxruntime-web under Symbol.for('onnxruntime'), the hook
// transformers.js checks when its module is evaluated, so transformers.js runs on the same
// onnxruntime-web (WASM / WebGPU) as the export check instead of onnxruntime-node (Node) or its own
// bundled copy (browser). Import this module before anything that imports @huggingface/transformers
// (first line of the worker entry and of the CLI/tests that load exports with transformers.js).
//
// It also pins onnxruntime-web's wasm to the files served with the app: transformers.js points
// `env.wasm.wasmPaths` at a public CDN when it finds none set, and the studio never fetches code
// or data from a third party. Off-origin values are ignored; the default (files beside the
// onnxruntime-web module: node_modules in Node, bundled assets in the browser) stays.
import * as ort from 'onnxruntime-web';

const ORT_SYMBOL = Symbol.for('onnxruntime');
const g = globalThis as Record<symbol, unknown>;

function offOrigin(value: unknown): boolean {
  const urls = typeof value === 'string' ? [value] : value && typeof value === 'object' ? Object.values(value as Record<string, unknown>) : [];
  const here = typeof location !== 'undefined' ? location.origin : null;
  return urls.some((u) => {
    const text = typeof u === 'string' ? u : u instanceof URL ? u.href : '';
    if (!/^https?:\/\//i.test(text)) return false;
    return here === null || new URL(text).origin !== here;
  });
}

if (!(ORT_SYMBOL in g)) {
  let wasmPaths = ort.env.wasm.wasmPaths;
  Object.defineProperty(ort.env.wasm, 'wasmPaths', {
    configurable: true,
    enumerable: true,
    get: () => wasmPaths,
    set: (value) => {
      if (!offOrigin(value)) wasmPaths = value;
    },
  });
  g[ORT_SYMBOL] = ort;
}

export const publishedOrt = g[ORT_SYMBOL];
