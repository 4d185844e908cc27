// A stored dataset as one JSONL file in the studio's own format (a snapshot's dataset.jsonl): every
// example in its order, HDR's added ones too, each with the user's choice to train on it or not and,
// where the user edited its answer, the example as it was imported. The studio imports it back as
// the same dataset (its fingerprint is the same, the imported answers restorable), and `studio
// train --data` reads it with those choices.
// Read in one transaction, so a job adding examples meanwhile gives all of them or none; a chunk of
// rows at a time, turned into lines at once, so the worker holds the file's bytes but never every
// row of a large dataset.
import type { ExampleRow, StudioDb } from '../data/db.ts';
import type { Example } from '../data/example.ts';
import { encodeDatasetJsonl } from './dataset-jsonl.ts';

const ROWS_PER_CHUNK = 2000;

export interface DatasetExport {
  /** A file name from the dataset's name (`my data.jsonl`). */
  name: string;
  file: Blob;
  examples: number;
}

/** What a dataset's name may not carry into a file name on the usual systems. */
const NOT_IN_FILE_NAMES = /[\\/:*?"<>|\u0000-\u001f]+/g;

export async function exportDatasetJsonl(db: StudioDb, datasetId: string, onProgress?: (done: number, total: number) => void, rowsPerChunk = ROWS_PER_CHUNK): Promise<DatasetExport> {
  const parts: Uint8Array[] = [];
  const { name, rows } = await readDatasetInChunks(
    db,
    datasetId,
    (rows) => parts.push(encodeDatasetJsonl(rows.map((r) => r.example), new Map(rows.map((r) => [r.id, r.included === 1])), importedAnswers(rows))),
    onProgress,
    rowsPerChunk,
  );
  return { name: `${datasetFileName(name)}.jsonl`, file: new Blob(parts as BlobPart[], { type: 'application/jsonl' }), examples: rows };
}

/** The edited examples among `rows`, each as it was imported: what travels beside the edited one. */
export function importedAnswers(rows: ExampleRow[]): Map<string, Example> {
  return new Map(rows.flatMap((r) => (r.original ? [[r.id, r.original] as const] : [])));
}

/** A dataset's name as a file name's stem. */
function datasetFileName(name: string): string {
  return name.replace(NOT_IN_FILE_NAMES, '-').replace(/^[.\s-]+|[.\s]+$/g, '') || 'dataset';
}

/** Every stored row of a dataset in order, handed to `each` a chunk at a time, in one transaction
 * (a job adding examples meanwhile gives all of them or none): its name and how many rows. */
export async function readDatasetInChunks(db: StudioDb, datasetId: string, each: (rows: ExampleRow[]) => void, onProgress?: (done: number, total: number) => void, rowsPerChunk = ROWS_PER_CHUNK): Promise<{ name: string; rows: number }> {
  return db.transaction('r', db.datasets, db.examples, async () => {
    const row = await db.datasets.get(datasetId);
    if (!row) throw new Error('this dataset is no longer stored (deleted in another tab?)');
    const total = await db.examples.where('datasetId').equals(datasetId).count();
    let done = 0;
    let after = -Infinity;
    for (;;) {
      const rows = await db.examples.where('[datasetId+ord]').between([datasetId, after], [datasetId, Infinity], false, true).limit(rowsPerChunk).toArray();
      if (!rows.length) break;
      each(rows);
      done += rows.length;
      after = rows.at(-1)!.ord;
      onProgress?.(done, total);
    }
    return { name: row.name, rows: done };
  });
}
