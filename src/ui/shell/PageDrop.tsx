// Drag-and-drop anywhere on the page: dataset files (.json/.jsonl/.parquet, gzipped or not) are imported, a
// snapshot (.zip) is opened. Listens on window (native events), so a drop on any panel works;
// zones that take other files (the model folder) stop propagation themselves.
import { useEffect, useState } from 'react';
import { useDatasets } from '../../state/datasetStore.ts';
import { useSnapshots } from '../../state/snapshotStore.ts';

export function isSnapshotFile(f: File): boolean {
  return /\.zip$/i.test(f.name) || f.type === 'application/zip';
}

function hasFiles(e: DragEvent): boolean {
  return !!e.dataTransfer && Array.from(e.dataTransfer.types).includes('Files');
}

export function PageDrop({ onDataset, onSnapshot }: { onDataset: () => void; onSnapshot: () => void }) {
  const [dragging, setDragging] = useState(false);
  useEffect(() => {
    let depth = 0;
    const enter = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      depth++;
      setDragging(true);
    };
    const over = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault(); // without this the browser opens the file instead of dropping it here
      if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
    };
    const leave = () => {
      depth = Math.max(0, depth - 1);
      if (depth === 0) setDragging(false);
    };
    const drop = (e: DragEvent) => {
      if (!e.dataTransfer) return;
      e.preventDefault();
      depth = 0;
      setDragging(false);
      const files = Array.from(e.dataTransfer.files);
      if (files.length === 0) return;
      const snapshots = files.filter(isSnapshotFile);
      const datasets = files.filter((f) => !isSnapshotFile(f));
      if (snapshots.length) {
        onSnapshot();
        void useSnapshots.getState().importSnapshotFiles(snapshots);
      }
      if (datasets.length) {
        onDataset();
        void useDatasets.getState().importDataset(datasets);
      }
    };
    window.addEventListener('dragenter', enter);
    window.addEventListener('dragover', over);
    window.addEventListener('dragleave', leave);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragenter', enter);
      window.removeEventListener('dragover', over);
      window.removeEventListener('dragleave', leave);
      window.removeEventListener('drop', drop);
    };
  }, [onDataset, onSnapshot]);
  if (!dragging) return null;
  return (
    <div className="drop-overlay" aria-hidden="true">
      <p>Drop a dataset (.json, .jsonl, .parquet, or any of them .gz) to import it, or a run snapshot (.zip) to open it.</p>
    </div>
  );
}
