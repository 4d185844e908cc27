// What llama-quantize's fallbacks make of each GGUF type, from the export's own choice of types, and
// the words the Runs panel and studio export-gguf say it in. The embedded model's Q4_K_M file came
// out as large as its Q8_0 one (rows of 64 and 128 are not whole 256-value K-quant blocks) and the
// page offered it without a word.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ggufTensorName, ggufTensorType, ggufTypeFallback } from '../../src/export/ggufExport.ts';
import { ggufFallbackText } from '../../src/export/ggufFallback.ts';
import { ggmlTensorBytes } from '../../src/export/ggufFile.ts';
import { GGUF_EXPORT_TYPES, type GgufExportType } from '../../src/export/ggufExportTypes.ts';
import { parseModelConfig, weightManifest, type ModelSpec } from '../../src/model/config.ts';

const embedded = parseModelConfig(readFileSync('public/models/tiny-qwen3/config.json', 'utf8'));
const tensorsOf = (spec: ModelSpec) => weightManifest(spec).map((w) => ({ name: ggufTensorName(w.name), shape: w.shape }));
const tied = (spec: ModelSpec) => !weightManifest(spec).some((w) => w.name === 'lm_head.weight');
const fallback = (spec: ModelSpec, type: GgufExportType) => ggufTypeFallback(tensorsOf(spec), type, spec.numLayers, tied(spec));
/** The tensors' data bytes in `type` (the header is the same in all): what the buttons' sizes compare. */
const bytesAs = (spec: ModelSpec) => Object.fromEntries(GGUF_EXPORT_TYPES.map((type) => [type, tensorsOf(spec).reduce((n, t) => n + ggmlTensorBytes(ggufTensorType(t.name, t.shape, type, spec.numLayers, tied(spec)), t.shape), 0)])) as Record<GgufExportType, number>;

describe('GGUF types the fallbacks change', () => {
  it('says that none of the embedded model\'s weights are K-quantized, in what they are stored instead, and that Q4_K_M is about Q8_0\'s size', () => {
    const q4 = fallback(embedded, 'q4_k_m')!;
    expect(q4).toMatchObject({ share: 1, meant: ['Q6_K', 'Q4_K'], storedAs: ['Q8_0', 'Q5_0'], rowLengths: [64, 128], block: 256 });
    expect(ggufFallbackText('q4_k_m', q4, bytesAs(embedded))).toBe(
      "This model's weights cannot be stored as Q6_K or Q4_K (their rows are 64 or 128 values long, not a multiple of 256), so they are stored as Q8_0 and Q5_0: the file is about as large as Q8_0's.",
    );
    expect(ggufFallbackText('q6_k', fallback(embedded, 'q6_k')!, bytesAs(embedded))).toBe(
      "This model's weights cannot be stored as Q6_K (their rows are 64 or 128 values long, not a multiple of 256), so they are stored as Q8_0: the file is as large as Q8_0's.",
    );
    // Q8_0's 32-value blocks fit its rows; F16 and F32 have no blocks.
    for (const type of ['q8_0', 'f16', 'f32'] as const) expect(fallback(embedded, type)).toBeNull();
  });

  it('says nothing of a model whose rows are whole blocks, and the share where only some are not', () => {
    const whole = { ...embedded, hiddenSize: 256, headDim: 64, intermediateSize: 512 };
    expect(fallback(whole, 'q4_k_m')).toBeNull();
    // Its MLP's down projections read rows of intermediateSize 320: those weights only (layer 1's
    // meant for Q6_K, use_more_bits' last eighth, layer 0's for Q4_K).
    const some = { ...whole, vocabSize: 1000, intermediateSize: 320 };
    const f = fallback(some, 'q4_k_m')!;
    expect(f).toMatchObject({ meant: ['Q4_K', 'Q6_K'], storedAs: ['Q5_0', 'Q8_0'], rowLengths: [320], block: 256 });
    const matrices = tensorsOf(some).filter((t) => t.shape.length === 2);
    const weights = (ts: typeof matrices) => ts.reduce((n, t) => n + t.shape[0] * t.shape[1], 0);
    expect(f.share).toBeCloseTo(weights(matrices.filter((t) => t.name.endsWith('ffn_down.weight'))) / weights(matrices), 12);
    expect(ggufFallbackText('q4_k_m', f, bytesAs(some))).toMatch(/^14% of this model's weights cannot be stored as Q4_K or Q6_K \(their rows are 320 values long, not a multiple of 256\), so they are stored as Q5_0 and Q8_0: the file is \d+% smaller than Q8_0's\.$/);
  });
});
