// The GGUF export's types and what each takes: apart from the export itself, so the page can ask
// (its GGUF buttons) without loading the export's code.

/** What the matrices are stored as (vectors are always f32, as llama.cpp's converter keeps them);
 * q4_k_m, q5_k_m and q6_k are llama-quantize's mixes of those names. */
export type GgufExportType = 'f32' | 'f16' | 'q8_0' | 'q6_k' | 'q5_k_m' | 'q4_k_m';
export const GGUF_EXPORT_TYPES: GgufExportType[] = ['q8_0', 'q6_k', 'q5_k_m', 'q4_k_m', 'f16', 'f32'];

/** Whether `type` stores matrices in blocks the CPU quantizes (the exports worth a quantization pool). */
export const isQuantizedExport = (type: GgufExportType): boolean => type !== 'f32' && type !== 'f16';

/** Whether an importance matrix changes `type`'s bytes: the K-quant mixes (Q8_0 has no weighted form). */
export const takesImportance = (type: GgufExportType): boolean => type === 'q4_k_m' || type === 'q5_k_m' || type === 'q6_k';
