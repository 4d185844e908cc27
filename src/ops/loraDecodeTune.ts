// The lora_decode autotune: for each shape class met while recording a decode step on a hardware
// adapter (ops/loraDecode.ts keeps one call of each), time every layout of the kernel on that call's
// own buffers and keep the fastest for this adapter (gpu.tuning, saved to its store). Runs once per
// class per adapter and kernel source, before a generation's first step, never inside one. Adds to
// the output buffers of the calls it times: callers tune before those buffers hold data.
import { compileAhead, takeUntunedClasses, type Gpu } from '../gpu/index.ts';
import { raceVariants, warmGpu } from '../gpu/race.ts';
import { loraDecode, seenLoraDecodeClasses } from './loraDecode.ts';
import { describeLoraDecodeVariant, loraDecodeCandidates, LORA_DECODE_SOURCE_HASH, LORA_DECODE_TUNING_OP, tunedLoraDecodeVariant, type LoraDecodeVariant } from './loraDecodeChoice.ts';

export interface TunedLoraDecodeClass {
  shapeClass: string;
  chosen: LoraDecodeVariant;
  /** Milliseconds per call for every candidate, fastest first. */
  timings: Array<{ variant: string; millis: number }>;
}

/** Tunes every class recorded since the last call that this adapter has no usable choice for yet
 * (none stored, or a damaged one). Every
 * candidate's pipeline is compiled before anything is timed (pipelines made between readbacks have
 * been seen to destabilise Dawn). */
export async function tuneLoraDecodes(gpu: Gpu, candidates: () => LoraDecodeVariant[] = loraDecodeCandidates): Promise<TunedLoraDecodeClass[]> {
  const untuned = takeUntunedClasses(seenLoraDecodeClasses(gpu), (shapeClass) => tunedLoraDecodeVariant(gpu, shapeClass));
  if (gpu.ctx.adapter.isSoftware || untuned.length === 0) return [];
  const racers = candidates();
  await compileAhead(gpu, async () => {
    for (const [, args] of untuned) for (const v of racers) await loraDecode(gpu, { ...args, variant: v });
  });
  await warmGpu(gpu, () => loraDecode(gpu, { ...untuned[0][1], variant: racers[0] }));
  const out: TunedLoraDecodeClass[] = [];
  for (const [shapeClass, args] of untuned) {
    const timings = await raceVariants(gpu, racers, (v) => loraDecode(gpu, { ...args, variant: v }));
    const chosen = timings[0].variant;
    gpu.tuning.set(LORA_DECODE_TUNING_OP, LORA_DECODE_SOURCE_HASH, shapeClass, chosen);
    out.push({ shapeClass, chosen, timings: timings.map((t) => ({ variant: describeLoraDecodeVariant(t.variant), millis: t.millis })) });
  }
  await gpu.tuning.save();
  return out;
}
