// Decode benchmark against transformers.js (issue 13): the same model and adapter, exported by the
// studio's own ONNX export (LoRA merged), decoded greedily for the same prompts and token count by
// our engine and by transformers.js on onnxruntime-web, in the same page. Reports time to first
// token and decode tokens/s for each side and checks that both produce the same tokens. Imports
// the export (the peer runs our export, by definition). Speed is measured here, never in tests.
import type { Gpu } from '../gpu/index.ts';
import type { ModelFiles } from '../model/model-files.ts';
import type { LoraAdapter } from '../model/lora.ts';
import { loadEngineModel } from '../model/engineModel.ts';
import { generate } from '../model/generate.ts';
import { exportOnnxModel } from '../export/onnxExport.ts';
import { loadTransformersCausalLM } from '../export/transformersModel.ts';
import type { OrtExecutionProvider } from '../export/onnxRuntime.ts';

export interface DecodePeerOptions {
  prompts: number[][];
  newTokens: number;
  /** onnxruntime-web execution providers to try for the peer, in order; each one that loads is timed. */
  executionProviders: OrtExecutionProvider[];
  /** Timed runs per prompt after one untimed warm-up (medians are reported). */
  reps: number;
}

export interface DecodeSide {
  name: string;
  /** Median over prompts and runs: call → first new token. */
  ttftMillis: number;
  /** New tokens after the first per second of decoding (B = 1), median over prompts and runs. */
  decodeTokensPerSecond: number;
  tokens: number[][];
}

export interface DecodePeerRow {
  ours: DecodeSide;
  peers: Array<DecodeSide & { executionProvider: OrtExecutionProvider; sameTokens: boolean; decodeRatio: number; ttftRatio: number }>;
  /** Peers that could not run, with why. */
  failed: Array<{ executionProvider: OrtExecutionProvider; error: string }>;
}

interface Timed {
  tokens: number[];
  ttftMillis: number;
  decodeMillis: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function timeSide(name: string, opts: DecodePeerOptions, run: (prompt: number[]) => Promise<Timed>): Promise<DecodeSide> {
  const ttft: number[] = [];
  const rate: number[] = [];
  const tokens: number[][] = [];
  for (const prompt of opts.prompts) {
    await run(prompt); // pipelines, sessions, buffers
    for (let r = 0; r < opts.reps; r++) {
      const t = await run(prompt);
      ttft.push(t.ttftMillis);
      rate.push((t.tokens.length - 1) / (t.decodeMillis / 1000));
      if (r === 0) tokens.push(t.tokens);
    }
  }
  return { name, ttftMillis: median(ttft), decodeTokensPerSecond: median(rate), tokens };
}

/** Times our decode and each peer on `files` with `adapter` (merged for the export). */
export async function runDecodePeerBench(gpu: Gpu, files: ModelFiles, adapter: LoraAdapter | null, opts: DecodePeerOptions): Promise<DecodePeerRow> {
  const N = opts.newTokens;
  const maxPrompt = Math.max(...opts.prompts.map((p) => p.length));
  const model = await loadEngineModel(gpu, files, { lora: null, adapter: adapter ?? undefined, maxTokens: maxPrompt, forwardOnly: true });
  let ours: DecodeSide;
  try {
    ours = await timeSide('ours (WebGPU engine)', opts, async (prompt) => {
      const t0 = performance.now();
      let first = 0;
      const [out] = await generate(model.state, [prompt], {
        maxNewTokens: N,
        stopTokenIds: [], // always N tokens, as the peer (eos off)
        onToken: () => {
          first ||= performance.now();
        },
      });
      return { tokens: out.tokens, ttftMillis: first - t0, decodeMillis: performance.now() - first };
    });
  } finally {
    model.release();
  }

  const exported = await exportOnnxModel(gpu, files, { dtype: 'fp32', adapter });
  const row: DecodePeerRow = { ours, peers: [], failed: [] };
  for (const ep of opts.executionProviders) {
    try {
      const lm = await loadTransformersCausalLM({ kind: 'memory', files: exported.files }, { dtype: 'fp32', executionProvider: ep });
      const t = lm.transformers;
      try {
        const side = await timeSide(`transformers.js (onnxruntime-web ${ep})`, opts, async (prompt) => {
          const L = prompt.length;
          const input_ids = new t.Tensor('int64', BigInt64Array.from(prompt, (v) => BigInt(v)), [1, L]);
          const attention_mask = new t.Tensor('int64', new BigInt64Array(L).fill(1n), [1, L]);
          // generate() hands the streamer the prompt first, then each new token as it is chosen.
          let puts = 0;
          let first = 0;
          const streamer = { put: () => void (++puts === 2 && (first = performance.now())), end: () => undefined };
          const t0 = performance.now();
          const out = (await lm.model.generate({ input_ids, attention_mask, max_new_tokens: N, do_sample: false, eos_token_id: null, streamer } as never)) as { data: BigInt64Array };
          const end = performance.now();
          return { tokens: Array.from(out.data, Number).slice(L), ttftMillis: first - t0, decodeMillis: end - first };
        });
        const sameTokens = side.tokens.every((tk, i) => tk.join() === ours.tokens[i].join());
        row.peers.push({ ...side, executionProvider: ep, sameTokens, decodeRatio: ours.decodeTokensPerSecond / side.decodeTokensPerSecond, ttftRatio: side.ttftMillis / ours.ttftMillis });
      } finally {
        await lm.dispose();
      }
    } catch (err) {
      row.failed.push({ executionProvider: ep, error: (err as Error)?.message ?? String(err) });
    }
  }
  return row;
}

/** The row as the lines the runner prints. */
export function formatDecodePeer(row: DecodePeerRow, opts: DecodePeerOptions): string[] {
  const line = (s: DecodeSide) => `${s.name.padEnd(40)} TTFT ${s.ttftMillis.toFixed(1).padStart(8)} ms   decode ${s.decodeTokensPerSecond.toFixed(1).padStart(8)} tokens/s`;
  const out = [`greedy decode, B = 1, ${opts.prompts.length} prompts × ${opts.newTokens} new tokens, median of ${opts.reps} runs each`, line(row.ours)];
  for (const p of row.peers) {
    out.push(line(p));
    out.push(`  ours / peer: decode ${p.decodeRatio.toFixed(2)}×, TTFT ${p.ttftRatio.toFixed(2)}× faster; tokens ${p.sameTokens ? 'identical' : 'DIFFER'}`);
    if (!p.sameTokens) p.tokens.forEach((tk, i) => out.push(`    prompt ${i}: ours [${row.ours.tokens[i]}] peer [${tk}]`));
  }
  for (const f of row.failed) out.push(`transformers.js on ${f.executionProvider}: did not run (${f.error})`);
  return out;
}
