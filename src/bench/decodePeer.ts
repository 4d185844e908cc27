// Decode benchmark against transformers.js (issue 13): the same model and adapter, exported by the
// studio's own ONNX export (LoRA merged), decoded greedily for the same prompts and token count by
// our engine and by transformers.js on onnxruntime-web, in the same page. Reports time to first
// token and decode tokens/s for each side and checks that both produce the same tokens. Imports
// the export (the peer runs our export, by definition). Speed is measured here, never in tests.
import type { Gpu } from '../gpu/index.ts';
import type { ModelFiles } from '../model/model-files.ts';
import type { LoraAdapter } from '../model/lora.ts';
import { loadEngineModel } from '../model/engineModel.ts';
import { releaseAfter } from '../model/releaseAfter.ts';
import { generate } from '../model/generate.ts';
import { exportOnnxModel } from '../export/onnxExport.ts';
import { loadTransformersCausalLM } from '../export/transformersModel.ts';
import type { OrtExecutionProvider } from '../export/onnxRuntime.ts';

export interface DecodePeerOptions {
  /** At least as many prompts as the largest batch, all of one length (a batch needs no padding). */
  prompts: number[][];
  newTokens: number;
  /** onnxruntime-web execution providers to try for the peer, in order; each one that loads is timed. */
  executionProviders: OrtExecutionProvider[];
  /** Timed runs per prompt after one untimed warm-up (medians are reported). */
  reps: number;
  /** Sequences decoded at once: B = 1 times each prompt alone, B > 1 the first B prompts together. */
  batches: number[];
}

export interface DecodeSide {
  name: string;
  /** Median over prompts (or batches) and runs: call → first new token. */
  ttftMillis: number;
  /** New tokens after the first, over all B sequences, per second of decoding; median. */
  decodeTokensPerSecond: number;
  /** Per sequence: the prompts in order at B = 1, the batch's rows at B > 1. */
  tokens: number[][];
}

export interface DecodePeerBatch {
  batch: number;
  ours: DecodeSide;
  peers: Array<DecodeSide & { executionProvider: OrtExecutionProvider; sameTokens: boolean; decodeRatio: number; ttftRatio: number }>;
}

export interface DecodePeerRow {
  batches: DecodePeerBatch[];
  /** Peers that could not run, with why. */
  failed: Array<{ executionProvider: OrtExecutionProvider; error: string }>;
}

interface Timed {
  tokens: number[][];
  ttftMillis: number;
  decodeMillis: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** What one side is timed on at batch B: each prompt alone, or the first B prompts together. */
function workOf(opts: DecodePeerOptions, B: number): number[][][] {
  if (B === 1) return opts.prompts.map((p) => [p]);
  if (opts.prompts.length < B) throw new Error(`a batch of ${B} needs ${B} prompts, got ${opts.prompts.length}`);
  return [opts.prompts.slice(0, B)];
}

async function timeSide(name: string, opts: DecodePeerOptions, B: number, run: (prompts: number[][]) => Promise<Timed>): Promise<DecodeSide> {
  const ttft: number[] = [];
  const rate: number[] = [];
  const tokens: number[][] = [];
  for (const prompts of workOf(opts, B)) {
    await run(prompts); // pipelines, sessions, buffers
    for (let r = 0; r < opts.reps; r++) {
      const t = await run(prompts);
      ttft.push(t.ttftMillis);
      rate.push((B * (opts.newTokens - 1)) / (t.decodeMillis / 1000));
      if (r === 0) tokens.push(...t.tokens);
    }
  }
  return { name, ttftMillis: median(ttft), decodeTokensPerSecond: median(rate), tokens };
}

/** Times our decode and each peer on `files` with `adapter` (merged for the export), at each batch size. */
export async function runDecodePeerBench(gpu: Gpu, files: ModelFiles, adapter: LoraAdapter | null, opts: DecodePeerOptions): Promise<DecodePeerRow> {
  const N = opts.newTokens;
  const L = opts.prompts[0].length;
  if (opts.prompts.some((p) => p.length !== L)) throw new Error('the decode bench takes prompts of one length (a batch needs no padding)');
  const model = await loadEngineModel(gpu, files, { lora: null, adapter: adapter ?? undefined, maxTokens: L * Math.max(...opts.batches), forwardOnly: true });
  const row: DecodePeerRow = { batches: [], failed: [] };
  try {
    for (const B of opts.batches) {
      const ours = await timeSide('ours (WebGPU engine)', opts, B, async (prompts) => {
        const t0 = performance.now();
        let first = 0;
        const out = await generate(model.state, prompts, {
          maxNewTokens: N,
          stopTokenIds: [], // always N tokens, as the peer (eos off)
          batchSize: prompts.length,
          onToken: () => {
            first ||= performance.now();
          },
        });
        return { tokens: out.map((o) => o.tokens), ttftMillis: first - t0, decodeMillis: performance.now() - first };
      });
      row.batches.push({ batch: B, ours, peers: [] });
    }
  } finally {
    model.release();
  }

  const exported = await exportOnnxModel(gpu, files, { dtype: 'fp32', adapter });
  for (const ep of opts.executionProviders) {
    try {
      const lm = await loadTransformersCausalLM({ kind: 'memory', files: exported.files }, { dtype: 'fp32', executionProvider: ep });
      const t = lm.transformers;
      // What failed in the peer's run is what the row records, not a dispose that follows from it.
      await releaseAfter(async () => {
        for (const b of row.batches) {
          const side = await timeSide(`transformers.js (onnxruntime-web ${ep})`, opts, b.batch, async (prompts) => {
            const B = prompts.length;
            const input_ids = new t.Tensor('int64', BigInt64Array.from(prompts.flat(), (v) => BigInt(v)), [B, L]);
            const attention_mask = new t.Tensor('int64', new BigInt64Array(B * L).fill(1n), [B, L]);
            // generate() hands the streamer the prompts first, then each step's new tokens.
            let puts = 0;
            let first = 0;
            const streamer = { put: () => void (++puts === 2 && (first = performance.now())), end: () => undefined };
            const t0 = performance.now();
            const out = (await lm.model.generate({ input_ids, attention_mask, max_new_tokens: N, do_sample: false, eos_token_id: null, streamer } as never)) as { data: BigInt64Array; dims: number[] };
            const end = performance.now();
            const width = out.dims[1];
            const tokens = prompts.map((_, i) => Array.from(out.data.subarray(i * width + L, (i + 1) * width), Number));
            return { tokens, ttftMillis: first - t0, decodeMillis: end - first };
          });
          const sameTokens = side.tokens.every((tk, i) => tk.join() === b.ours.tokens[i].join());
          b.peers.push({ ...side, executionProvider: ep, sameTokens, decodeRatio: b.ours.decodeTokensPerSecond / side.decodeTokensPerSecond, ttftRatio: side.ttftMillis / b.ours.ttftMillis });
        }
      }, () => lm.dispose());
    } catch (err) {
      row.failed.push({ executionProvider: ep, error: (err as Error)?.message ?? String(err) });
    }
  }
  return row;
}

/** Whether the run compared anything and agreed: every batch was decoded by at least one peer, and
 * every peer's tokens equal ours. A run where no peer could load compared nothing: not a pass. */
export function decodePeerAgrees(row: DecodePeerRow): boolean {
  return row.batches.every((b) => b.peers.length > 0 && b.peers.every((p) => p.sameTokens));
}

/** The row as the lines the runner prints. */
export function formatDecodePeer(row: DecodePeerRow, opts: DecodePeerOptions): string[] {
  const line = (s: DecodeSide) => `${s.name.padEnd(40)} TTFT ${s.ttftMillis.toFixed(1).padStart(8)} ms   decode ${s.decodeTokensPerSecond.toFixed(1).padStart(8)} tokens/s`;
  const out: string[] = [];
  for (const b of row.batches) {
    const what = b.batch === 1 ? `${opts.prompts.length} prompts` : `${b.batch} prompts at once`;
    out.push(`greedy decode, B = ${b.batch}, ${what} × ${opts.newTokens} new tokens, median of ${opts.reps} runs`, line(b.ours));
    for (const p of b.peers) {
      out.push(line(p));
      out.push(`  ours / peer: decode ${p.decodeRatio.toFixed(2)}×, TTFT ${p.ttftRatio.toFixed(2)}× faster; tokens ${p.sameTokens ? 'identical' : 'DIFFER'}`);
      if (!p.sameTokens) p.tokens.forEach((tk, i) => out.push(`    sequence ${i}: ours [${b.ours.tokens[i]}] peer [${tk}]`));
    }
  }
  for (const f of row.failed) out.push(`transformers.js on ${f.executionProvider}: did not run (${f.error})`);
  return out;
}
