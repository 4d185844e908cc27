// Keeps the memory plan in step with the training settings and the loaded model, wherever those
// settings are shown (Model and Training panels), so the verdict is never stale.
import { useEffect } from 'react';
import { useModel } from '../../state/modelStore.ts';
import { useRuns } from '../../state/runStore.ts';

export function usePlanFollowsDraft(): void {
  const draft = useRuns((s) => s.draft);
  const info = useModel((s) => s.info);
  const planMemory = useModel((s) => s.planMemory);
  useEffect(() => {
    void planMemory({ batch: draft.batchSize, seqLen: draft.seqLen, rank: draft.lora.rank, targets: draft.lora.targets, recompute: draft.recompute });
  }, [info, draft.batchSize, draft.seqLen, draft.lora.rank, draft.lora.targets, draft.recompute, planMemory]);
}
