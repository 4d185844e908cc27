// The Model panel: pick a source (embedded, a hub preset or repo id, a local folder), watch it load,
// see the loaded model's facts, the memory plan for the current training settings (the running
// run's while one trains), and the cache.
import { useModel } from '../../state/modelStore.ts';
import { plannedRunConfig, plannedRunDatasetId } from '../../state/runStore.ts';
import { Alert } from '../shell/Alert.tsx';
import { ModelSourcePicker } from './ModelSourcePicker.tsx';
import { ModelLoadProgress } from './ModelLoadProgress.tsx';
import { LoadedModel } from './LoadedModel.tsx';
import { MemoryPlanView } from './MemoryPlanView.tsx';
import { CachedModels } from './CachedModels.tsx';
import { StorageUse } from './StorageUse.tsx';
import { usePlanFollowsDraft } from './usePlanFollowsDraft.ts';

export function ModelPanel() {
  const error = useModel((s) => s.error);
  const notice = useModel((s) => s.notice);
  usePlanFollowsDraft(plannedRunConfig, true, plannedRunDatasetId);

  return (
    <section className="panel" aria-labelledby="model-title" data-testid="model-panel">
      <h2 id="model-title" tabIndex={-1}>Model</h2>
      {error && <Alert message={error} onDismiss={() => useModel.setState({ error: null })} testId="model-error" />}
      {notice && <Alert kind="notice" message={notice} onDismiss={() => useModel.setState({ notice: null })} testId="model-notice" />}
      <div className="grid2">
        <div>
          <ModelSourcePicker />
          <ModelLoadProgress />
          <CachedModels />
          <StorageUse />
        </div>
        <div>
          <LoadedModel />
          <MemoryPlanView />
        </div>
      </div>
    </section>
  );
}
