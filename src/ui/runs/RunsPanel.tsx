// Every run with its status and headline numbers; open one on the dashboard, resume it, export it
// as a snapshot or a training recipe, copy a share link, delete it; pick two training runs to
// compare their curves.
import { useState } from 'react';
import type { Theme } from '../App.tsx';
import { useRuns } from '../../state/runStore.ts';
import { useSnapshots } from '../../state/snapshotStore.ts';
import { Alert } from '../shell/Alert.tsx';
import { RunsTable } from './RunsTable.tsx';
import { CompareRuns } from './CompareRuns.tsx';
import { SnapshotImport } from '../snapshot/SnapshotImport.tsx';
import { ShareLinkBox } from '../snapshot/ShareLinkBox.tsx';
import { OnnxExportStatus } from './OnnxExportStatus.tsx';

export function RunsPanel({ theme, onOpenDashboard, onOpenEval }: { theme: Theme; onOpenDashboard: () => void; onOpenEval: () => void }) {
  const error = useRuns((s) => s.error);
  const dismissError = useRuns((s) => s.dismissError);
  const recipeNotice = useRuns((s) => s.recipeNotice);
  const snapshotError = useSnapshots((s) => s.error);
  const snapshotNotice = useSnapshots((s) => s.notice);
  const dismissSnapshot = useSnapshots((s) => s.dismiss);
  const runs = useRuns((s) => s.runs);
  const [ticked, setCompare] = useState<string[]>([]);
  // A ticked run that was deleted since is no longer compared (its curves and settings are gone).
  const compare = ticked.filter((id) => runs.some((r) => r.id === id));
  const toggleCompare = (id: string) => setCompare(() => (compare.includes(id) ? compare.filter((x) => x !== id) : [...compare, id].slice(-2)));
  return (
    <section className="panel" aria-labelledby="runs-title" data-testid="runs-panel">
      <h2 id="runs-title" tabIndex={-1}>Runs &amp; snapshots</h2>
      {error && <Alert message={error} onDismiss={dismissError} />}
      {recipeNotice && <Alert kind="notice" message={recipeNotice} onDismiss={dismissError} testId="recipe-notice" />}
      {snapshotError && <Alert message={snapshotError} onDismiss={dismissSnapshot} testId="snapshot-error" />}
      {snapshotNotice && <Alert kind="notice" message={snapshotNotice} onDismiss={dismissSnapshot} testId="snapshot-notice" />}
      <OnnxExportStatus onOpenEval={onOpenEval} />
      <SnapshotImport />
      <ShareLinkBox />
      <RunsTable compare={compare} onToggleCompare={toggleCompare} onOpenDashboard={onOpenDashboard} />
      {compare.length === 2 ? <CompareRuns key={`${compare.join('+')}:${theme}`} runIds={compare as [string, string]} /> : <p className="muted">Tick two training runs to compare their curves.</p>}
    </section>
  );
}
