// Keeps the memory plan in step with the training settings and the loaded model, wherever those
// settings are shown (Model and Training panels), so the verdict is never stale.
import { useEffect } from 'react';
import { useModel } from '../../state/modelStore.ts';
import { useRuns } from '../../state/runStore.ts';
import type { RunConfig, TrainShape } from '../../worker/protocol.ts';

/** The shape the trainer allocates for these settings (LoRA dropout adds its scratch buffers), and
 * the accumulation a suggested smaller micro-batch keeps the optimizer batch with. */
export function draftShape(draft: Pick<RunConfig, 'batchSize' | 'gradAccum' | 'seqLen' | 'lora' | 'recompute'>): TrainShape {
  return { batch: draft.batchSize, seqLen: draft.seqLen, rank: draft.lora.rank, targets: draft.lora.targets, recompute: draft.recompute, loraDropout: draft.lora.dropout, gradAccum: draft.gradAccum };
}

export function usePlanFollowsDraft(): void {
  const draft = useRuns((s) => s.draft);
  const info = useModel((s) => s.info);
  const planMemory = useModel((s) => s.planMemory);
  useEffect(() => {
    void planMemory(draftShape(draft));
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the fields the shape reads
  }, [info, draft.batchSize, draft.gradAccum, draft.seqLen, draft.lora.rank, draft.lora.targets, draft.lora.dropout, draft.recompute, planMemory]);
}
