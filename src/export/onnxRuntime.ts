// Runs an exported decoder with onnxruntime-web: WASM in Node and in the browser, or WebGPU in the
// browser. Owns session creation from the exported files (with external data), the feeds for one
// step (empty past on the first step, as transformers.js builds it) and reading logits/present.
// Never touches our engine or the GPU device of the studio (ORT's WebGPU EP owns its own device).
import * as ort from 'onnxruntime-web';
import type { ModelSpec } from '../model/config.ts';
import { pastName, presentName } from './decoderGraph.ts';

export type OrtExecutionProvider = 'wasm' | 'webgpu';

export interface OrtDecoder {
  spec: ModelSpec;
  session: ort.InferenceSession;
  executionProvider: OrtExecutionProvider;
  release(): Promise<void>;
}

let configured = false;

/** Single-threaded WASM: Node would otherwise start worker threads, and the studio's page is not
 * cross-origin isolated. The .wasm is found next to onnxruntime-web's own module (node_modules in
 * Node, the bundler's asset in the browser), so nothing is fetched from a CDN. */
function configureOrt(): void {
  if (configured) return;
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  configured = true;
}

/** Opens `modelPath` of an export (a `files` map from exportOnnxModel, or loaded from disk). */
export async function openOrtDecoder(
  spec: ModelSpec,
  files: Map<string, Uint8Array>,
  modelPath: string,
  executionProvider: OrtExecutionProvider = 'wasm',
): Promise<OrtDecoder> {
  configureOrt();
  const model = files.get(modelPath);
  if (!model) throw new Error(`ONNX export has no ${modelPath}`);
  const dir = modelPath.includes('/') ? modelPath.slice(0, modelPath.lastIndexOf('/') + 1) : '';
  // External data files live beside the model and are referenced by their bare file name.
  const externalData = [...files.entries()]
    .filter(([name]) => name.startsWith(`${modelPath}_data`))
    .map(([name, data]) => ({ path: name.slice(dir.length), data }));
  const session = await ort.InferenceSession.create(model, {
    executionProviders: [executionProvider],
    graphOptimizationLevel: 'all',
    ...(externalData.length ? { externalData } : {}),
  });
  return { spec, session, executionProvider, release: () => session.release() };
}

export interface DecoderStep {
  /** [B, S, V] f32. */
  logits: Float32Array;
  /** present.{i}.key/value of this step, to feed back as the next step's past. */
  present: Map<string, ort.Tensor>;
}

/** One forward step. `past` from the previous step's `present` (null: the empty first-step cache).
 * `attentionMask` covers past + new tokens; positions default to past length + 0..S-1.
 * `keepLogits`: logits of the last n positions of each sequence (0: all). */
export async function runDecoderStep(
  dec: OrtDecoder,
  ids: number[][],
  past: Map<string, ort.Tensor> | null,
  attentionMask?: number[][],
  positionIds?: number[][],
  keepLogits = 0,
): Promise<DecoderStep> {
  const { spec } = dec;
  const B = ids.length;
  const S = ids[0].length;
  const P = past ? Number(past.get(presentName(0, 'key'))?.dims[2] ?? NaN) : 0;
  if (!Number.isInteger(P)) throw new Error('runDecoderStep: the past cache has no present.0.key');
  const big = (rows: number[][]) => BigInt64Array.from(rows.flat(), (v) => BigInt(v));
  const mask = attentionMask ?? ids.map(() => Array.from({ length: P + S }, () => 1));
  const positions = positionIds ?? ids.map(() => Array.from({ length: S }, (_, i) => P + i));
  const feeds: Record<string, ort.Tensor> = {
    input_ids: new ort.Tensor('int64', big(ids), [B, S]),
    attention_mask: new ort.Tensor('int64', big(mask), [B, mask[0].length]),
    position_ids: new ort.Tensor('int64', big(positions), [B, S]),
    num_logits_to_keep: new ort.Tensor('int64', BigInt64Array.of(BigInt(keepLogits)), []),
  };
  for (let l = 0; l < spec.numLayers; l++) {
    for (const which of ['key', 'value'] as const) {
      const prev = past?.get(presentName(l, which));
      feeds[pastName(l, which)] = prev ?? new ort.Tensor('float32', new Float32Array(0), [B, spec.numKvHeads, 0, spec.headDim]);
    }
  }
  const out = await dec.session.run(feeds);
  const present = new Map<string, ort.Tensor>();
  for (let l = 0; l < spec.numLayers; l++) for (const which of ['key', 'value'] as const) present.set(presentName(l, which), out[presentName(l, which)]);
  const logits = out.logits;
  if (!logits || logits.type !== 'float32') throw new Error(`ONNX model returned no float32 logits (got ${logits?.type})`);
  return { logits: logits.data as Float32Array, present };
}
