// Per-token loss of one held-out example with the current adapter, for the dashboard's loss strip:
// one forward pass (no gradient, no dropout) through the training model with its own small batch
// and loss-head buffers, then the NLL of every target token read back once. Runs at eval steps,
// between optimizer steps, so it never disturbs a step in flight (the next step's forward rewrites
// the activations anyway).
import { readF32, type Gpu } from '../gpu/index.ts';
import { createBatchSlots, writeBatch } from '../model/batchBuffers.ts';
import { createLossHead, lossForward, writeLossInputs } from '../model/lossHead.ts';
import { modelForward, type ModelState } from '../model/transformer.ts';
import { buildMicroBatch, type TokenizedExample } from '../train/batching.ts';

export interface TokenLossStrip {
  step: number;
  exampleId: string;
  /** The target tokens' text, segment (1 CoT, 2 call) and NLL, in order. */
  tokens: string[];
  segments: number[];
  nll: number[];
}

/** `texts`: each token's text, shown one by one (tokenTexts: a character split over byte tokens is
 * not shown as a � per token). */
/** `texts` over each run of consecutive rows on its own: loss rows of two turns (training on every
 * turn) are not one text, and a character is never joined across the gap between them. */
export function textsByRun(rows: number[], texts: (run: number[]) => string[]): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 1; i <= rows.length; i++) {
    if (i < rows.length && rows[i] === rows[i - 1] + 1) continue;
    out.push(...texts(rows.slice(start, i)));
    start = i;
  }
  return out;
}

export async function tokenLossStrip(gpu: Gpu, model: ModelState, example: TokenizedExample, seqLen: number, step: number, texts: (ids: number[]) => string[]): Promise<TokenLossStrip> {
  const mb = buildMicroBatch([example], seqLen);
  const N = mb.B * mb.T;
  const slots = createBatchSlots(gpu, N);
  const head = createLossHead(gpu, model, N);
  const savedDropout = model.dropout;
  model.dropout = null;
  try {
    writeBatch(gpu, slots, { B: mb.B, T: mb.T, inputIds: mb.inputIds, positions: mb.positions, attnSegments: mb.attnSegments });
    const M = writeLossInputs(gpu, head, { targets: mb.targets, targetSegments: mb.targetSegments, weights: new Float32Array(N) });
    if (M === 0) return { step, exampleId: example.id, tokens: [], segments: [], nll: [] };
    await modelForward(model, slots);
    await lossForward(model, head, N);
    gpu.recorder.submit();
    const nll = await readF32(gpu.ctx, head.nll, M);
    const rows = [...head.lossRows];
    return {
      step,
      exampleId: example.id,
      tokens: textsByRun(rows, (run) => texts(run.map((r) => mb.targets[r]))),
      segments: rows.map((r) => mb.targetSegments[r]),
      nll: [...nll],
    };
  } finally {
    model.dropout = savedDropout;
    slots.destroy();
    head.destroy();
  }
}
