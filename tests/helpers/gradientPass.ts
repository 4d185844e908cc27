// One micro-batch through the model on the GPU as a training step takes it, for tests that compare
// its NLL and LoRA gradients with the reference: segment sums and gradients cleared, forward, the
// loss head's pass with its gradient, backward, submitted.
import type { BatchSlots } from '../../src/model/batchBuffers.ts';
import { lossForwardBackward, resetSegmentSums, type LossHead } from '../../src/model/lossHead.ts';
import { modelBackward, modelForward, type ModelState } from '../../src/model/transformer.ts';

export async function gradientPass(m: ModelState, slots: BatchSlots, head: LossHead, tokens: number): Promise<void> {
  resetSegmentSums(m.gpu, head);
  m.gpu.recorder.clear(m.lora!.grads);
  await modelForward(m, slots);
  await lossForwardBackward(m, head, tokens);
  await modelBackward(m, slots);
  m.gpu.recorder.submit();
}
