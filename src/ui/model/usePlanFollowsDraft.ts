// Keeps the memory plan in step with the training settings and the loaded model, wherever those
// settings are shown (Model and Training panels), so the verdict is never stale.
import { useEffect } from 'react';
import { useModel } from '../../state/modelStore.ts';
import { trainShapeOf } from '../../state/modelStore.ts';
import { useRuns } from '../../state/runStore.ts';

export function usePlanFollowsDraft(): void {
  const draft = useRuns((s) => s.draft);
  const info = useModel((s) => s.info);
  const planMemory = useModel((s) => s.planMemory);
  useEffect(() => {
    void planMemory(trainShapeOf(draft));
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the fields the shape reads
  }, [info, draft.batchSize, draft.gradAccum, draft.seqLen, draft.lora.rank, draft.lora.targets, draft.lora.dropout, draft.recompute, planMemory]);
}
