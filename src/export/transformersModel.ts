// Loads an exported folder with transformers.js (AutoModelForCausalLM / pipeline) the way the
// playground does, on onnxruntime-web: WASM in Node and in the browser, WebGPU in the browser.
// transformers.js picks its ONNX runtime when its module is first evaluated; a runtime published
// under Symbol.for('onnxruntime') wins, so ortGlobal.ts (imported first) publishes onnxruntime-web
// there (in Node transformers.js would otherwise load onnxruntime-node, which the studio does not use).
// Owns that wiring and greedy generation through `model.generate`; never touches our engine.
import './ortGlobal.ts';
import * as ort from 'onnxruntime-web';
import { onnxModelPath, type OnnxExportDtype } from './onnxExport.ts';
import type { OrtExecutionProvider } from './onnxRuntime.ts';
import { releaseAfter } from '../model/releaseAfter.ts';

type Transformers = typeof import('@huggingface/transformers');
let loaded: Promise<Transformers> | null = null;

/** transformers.js bound to onnxruntime-web. Fails clearly if it was imported elsewhere first. */
export function importTransformers(): Promise<Transformers> {
  loaded ??= (async () => {
    // transformers.js points wasmPaths at a CDN when none are set; keep onnxruntime-web's own
    // default (the files beside its module: node_modules in Node, bundled assets in the browser).
    const wasmPaths = ort.env.wasm.wasmPaths;
    const t = await import('@huggingface/transformers');
    ort.env.wasm.wasmPaths = wasmPaths;
    if (!t.env.backends.onnx?.versions?.web) {
      throw new Error('transformers.js was evaluated before src/export/ortGlobal.ts and bound itself to onnxruntime-node; import src/export/ortGlobal.ts first');
    }
    return t;
  })();
  return loaded;
}

export type ModelLocation =
  /** A folder on disk (Node): `dir` holds `config.json` and `onnx/`. */
  | { kind: 'directory'; dir: string }
  /** Files in memory (the browser right after export): relative path → bytes. */
  | { kind: 'memory'; files: Map<string, Uint8Array> };

export interface TransformersLoadOptions {
  dtype: OnnxExportDtype;
  executionProvider?: OrtExecutionProvider;
}

export interface TransformersCausalLM {
  /** The transformers.js model (for `pipeline` use or custom generation settings). */
  model: Awaited<ReturnType<Transformers['AutoModelForCausalLM']['from_pretrained']>>;
  transformers: Transformers;
  /** Greedy continuation of `promptIds` (new tokens only; ends with the eos token when one is
   * generated, per generation_config.json). `signal` stops it after the token under way (what it
   * has is returned); `onTokens` gets the new tokens so far after each one. */
  greedy(promptIds: number[], maxNewTokens: number, opts?: { signal?: AbortSignal; onTokens?: (ids: number[]) => void }): Promise<number[]>;
  dispose(): Promise<void>;
}

/** transformers.js's global file-resolution settings while `load` runs (restored afterwards), for
 * an exported folder on disk or in memory; `load` gets the model id and from_pretrained options. */
async function withExportLocation<T>(
  t: Transformers,
  location: ModelLocation,
  opts: TransformersLoadOptions,
  load: (modelId: string, options: Record<string, unknown>) => Promise<T>,
): Promise<T> {
  const { env } = t;
  const saved = { ...pickEnv(env) };
  let modelId: string;
  let externalData: Array<{ path: string; data: Uint8Array }> = [];
  try {
    env.allowLocalModels = true;
    env.allowRemoteModels = false;
    env.useBrowserCache = false;
    env.useFSCache = false; // read the files as they are; never copy them into a cache directory
    if (location.kind === 'directory') {
      const dir = location.dir.replace(/[\\/]+$/, '');
      const cut = Math.max(dir.lastIndexOf('/'), dir.lastIndexOf('\\'));
      modelId = dir.slice(cut + 1);
      env.localModelPath = cut >= 0 ? dir.slice(0, cut + 1) : './';
      externalData = await readExternalDataNode(location.dir, opts.dtype);
    } else {
      // Served from memory through transformers.js's custom-cache hook: every lookup of
      // `<local path>/<modelId>/<path>` is answered from the map. Local-only settings make a miss
      // an error (a 404 from the page's own origin at worst), never a hub download.
      const id = 'studio-onnx-export';
      modelId = id;
      const files = location.files;
      env.localModelPath = '/__studio_memory_models__/';
      env.useCustomCache = true;
      env.customCache = {
        async match(key: string) {
          const at = String(key).lastIndexOf(`${id}/`);
          if (at < 0) return undefined;
          const bytes = files.get(String(key).slice(at + id.length + 1));
          return bytes ? new Response(bytes as Uint8Array<ArrayBuffer>) : undefined;
        },
        async put() {},
      };
    }
    return await load(modelId, {
      local_files_only: true,
      dtype: opts.dtype,
      // 'auto' is the one device transformers.js accepts for an injected runtime; the execution
      // provider itself is chosen by session_options.
      device: 'auto',
      session_options: { executionProviders: [opts.executionProvider ?? 'wasm'], ...(externalData.length ? { externalData } : {}) },
    });
  } finally {
    Object.assign(env, saved);
  }
}

/** Loads an exported model with transformers.js, local files only (no hub access). */
export async function loadTransformersCausalLM(location: ModelLocation, opts: TransformersLoadOptions): Promise<TransformersCausalLM> {
  const t = await importTransformers();
  const model = await withExportLocation(t, location, opts, (id, options) => t.AutoModelForCausalLM.from_pretrained(id, options));
  return {
    model,
    transformers: t,
    async greedy(promptIds, maxNewTokens, opts = {}) {
      const L = promptIds.length;
      const input_ids = new t.Tensor('int64', BigInt64Array.from(promptIds, (v) => BigInt(v)), [1, L]);
      const attention_mask = new t.Tensor('int64', new BigInt64Array(L).fill(1n), [1, L]);
      // The library checks its stopping criteria after every token: an interrupt is a cancel.
      const interrupt = new t.InterruptableStoppingCriteria();
      const stop = () => interrupt.interrupt();
      if (opts.signal?.aborted) stop();
      opts.signal?.addEventListener('abort', stop, { once: true });
      const streamer = opts.onTokens ? tokenStreamer(t, opts.onTokens) : undefined;
      // generate() merges the folder's generation_config.json (Qwen2.5-Instruct ships a repetition
      // penalty): every logits processor is switched off here, so this is plain argmax decoding.
      // (null is the library's off value where its type declarations say number.)
      const settings = { input_ids, attention_mask, max_new_tokens: maxNewTokens, ...PLAIN_GREEDY, stopping_criteria: [interrupt], streamer } as unknown as Parameters<typeof model.generate>[0];
      try {
        const out = (await model.generate(settings)) as InstanceType<Transformers['Tensor']>;
        return Array.from(out.data as BigInt64Array, Number).slice(L);
      } finally {
        opts.signal?.removeEventListener('abort', stop);
      }
    },
    dispose: () => model.dispose().then(() => undefined),
  };
}

/** Collects the new token ids generate() streams (its first call carries the prompt). */
function tokenStreamer(t: Transformers, onTokens: (ids: number[]) => void): InstanceType<Transformers['BaseStreamer']> {
  const ids: number[] = [];
  let promptSeen = false;
  const streamer = new t.BaseStreamer();
  streamer.put = (value: bigint[][]) => {
    if (!promptSeen) {
      promptSeen = true;
      return;
    }
    ids.push(Number(value[0][0]));
    onTokens(ids.slice());
  };
  streamer.end = () => undefined;
  return streamer;
}

/** Generation settings that leave the logits alone (transformers.js's "off" value for each). */
const PLAIN_GREEDY = {
  do_sample: false,
  num_beams: 1,
  repetition_penalty: 1.0,
  no_repeat_ngram_size: 0,
  min_length: 0,
  min_new_tokens: null,
  suppress_tokens: null,
  begin_suppress_tokens: null,
  bad_words_ids: null,
  forced_bos_token_id: null,
  forced_eos_token_id: null,
  guidance_scale: null,
} as const;

export type ExportTextGenerationPipeline = Awaited<ReturnType<typeof loadTextGenerationPipeline>>;

/** `pipeline('text-generation')` over an export that includes its tokenizer files (the playground:
 * chat messages in, generated text out, then the same call parser as for our engine). */
export async function loadTextGenerationPipeline(location: ModelLocation, opts: TransformersLoadOptions) {
  const t = await importTransformers();
  return withExportLocation(t, location, opts, (id, options) => t.pipeline('text-generation', id, options));
}

/** In Node transformers.js hands ONNX Runtime only the external data file's *path*, which
 * onnxruntime-node can open but onnxruntime-web's WASM cannot ("Module.MountedFiles is not
 * available"), so the bytes are read here and given as session_options.externalData (which
 * transformers.js then leaves alone). Only the directory (Node) case comes here. Weights go
 * external past ~2 GiB, and fs.readFile refuses a file over 2 GiB (one read of more aborts Node),
 * so the file is read into its buffer in pieces of READ_PIECE_BYTES. */
async function readExternalDataNode(dir: string, dtype: OnnxExportDtype): Promise<Array<{ path: string; data: Uint8Array }>> {
  const { open, readdir } = await import(/* @vite-ignore */ 'node:fs/promises');
  const { join } = await import(/* @vite-ignore */ 'node:path');
  const modelPath = onnxModelPath(dtype);
  const sub = modelPath.slice(0, modelPath.lastIndexOf('/'));
  const base = modelPath.slice(sub.length + 1);
  let names: string[];
  try {
    names = await readdir(join(dir, sub));
  } catch {
    return []; // no onnx/ folder: let transformers.js report the missing model file
  }
  const out = [];
  for (const name of names.filter((n) => n.startsWith(`${base}_data`)).sort()) {
    const file = await open(join(dir, sub, name), 'r');
    const data = await releaseAfter(async () => {
      const bytes = new Uint8Array((await file.stat()).size);
      for (let at = 0; at < bytes.byteLength; ) {
        const { bytesRead } = await file.read(bytes, at, Math.min(READ_PIECE_BYTES, bytes.byteLength - at), at);
        if (bytesRead === 0) throw new Error(`${join(dir, sub, name)}: file shrank while reading (${at} of ${bytes.byteLength} bytes)`);
        at += bytesRead;
      }
      return bytes;
    }, () => file.close());
    out.push({ path: name, data });
  }
  return out;
}

const READ_PIECE_BYTES = 2 ** 30;

function pickEnv(env: Transformers['env']) {
  const { localModelPath, allowLocalModels, allowRemoteModels, useFSCache, useBrowserCache, useCustomCache, customCache } = env;
  return { localModelPath, allowLocalModels, allowRemoteModels, useFSCache, useBrowserCache, useCustomCache, customCache };
}
