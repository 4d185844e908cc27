// Two models' next-token distributions compared on the GPU from their logits
// (shaders/next_token_kl.wgsl): per row, KL(P ‖ Q) and each side's most likely token. The [rows, V]
// logits never leave the GPU; only rows × 3 numbers are read back. Only records into gpu.recorder.
import { packParams, shaderFile, splitWorkgroups, type Gpu } from '../gpu/index.ts';
import code from '../../shaders/next_token_kl.wgsl?raw';

export const NEXT_TOKEN_KL = shaderFile('next_token_kl.wgsl', code);
const WG = 256;

export interface NextTokenKlArgs {
  /** [rows, V] f32 logits of the reference model (P) */
  p: GPUBuffer;
  /** [rows, V] f32 logits of the model compared with it (Q) */
  q: GPUBuffer;
  /** [rows] f32, written: KL(softmax p ‖ softmax q) in nats */
  kl: GPUBuffer;
  /** [rows, 2] u32, written: argmax p, argmax q (the first on ties) */
  tops: GPUBuffer;
  rows: number;
  V: number;
}

export async function nextTokenKl(gpu: Gpu, a: NextTokenKlArgs): Promise<void> {
  if (a.rows === 0) return;
  for (const [name, buf, bytes] of [['p', a.p, a.rows * a.V * 4], ['q', a.q, a.rows * a.V * 4], ['kl', a.kl, a.rows * 4], ['tops', a.tops, a.rows * 8]] as const) {
    if (buf.size < bytes) throw new Error(`nextTokenKl: ${name} holds ${buf.size} bytes, needs ${bytes}`);
  }
  const pipeline = await gpu.pipelines.pipeline(NEXT_TOKEN_KL, 'compare', { WG });
  gpu.recorder.dispatch(pipeline, packParams([{ u32: a.rows }, { u32: a.V }]), { 1: a.p, 2: a.q, 3: a.kl, 4: a.tops }, splitWorkgroups(a.rows, gpu.ctx.limits.maxComputeWorkgroupsPerDimension));
}
