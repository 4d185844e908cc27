// Opening a snapshot: a picker (or drop the .zip anywhere) and whether to open it read-only or to
// resume training it in this browser.
import { useSnapshots, type SnapshotOpenMode } from '../../state/snapshotStore.ts';

export function SnapshotImport() {
  const { openMode, setOpenMode, importSnapshotFile, busy } = useSnapshots();
  return (
    <div className="row" data-testid="snapshot-import">
      <label className="filebutton">
        Open a snapshot (.zip)…
        <input type="file" accept=".zip,application/zip" aria-label="Open a run snapshot" disabled={!!busy} onChange={(e) => {
          const f = e.target.files?.[0];
          if (f) void importSnapshotFile(f).then(() => (e.target.value = ''));
        }} />
      </label>
      <div className="field inline">
        <label htmlFor="snapshot-mode">Open as</label>
        <select id="snapshot-mode" value={openMode} onChange={(e) => setOpenMode(e.target.value as SnapshotOpenMode)}>
          <option value="read-only">read-only (look at it)</option>
          <option value="resume">resumable (train it further here)</option>
        </select>
      </div>
      {busy && (
        <span role="status" className="muted">
          {busy}…
        </span>
      )}
    </div>
  );
}
