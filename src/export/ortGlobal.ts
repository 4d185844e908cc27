// Side effect only: publishes onnxruntime-web under Symbol.for('onnxruntime'), the hook
// transformers.js checks when its module is evaluated, so transformers.js runs on the same
// onnxruntime-web (WASM / WebGPU) as the export check instead of onnxruntime-node (Node) or its own
// bundled copy (browser). Import this module before anything that imports @huggingface/transformers
// (first line of the worker entry and of the CLI/tests that load exports with transformers.js).
import * as ort from 'onnxruntime-web';

const ORT_SYMBOL = Symbol.for('onnxruntime');
const g = globalThis as Record<symbol, unknown>;
if (!(ORT_SYMBOL in g)) g[ORT_SYMBOL] = ort;

export const publishedOrt = g[ORT_SYMBOL];
