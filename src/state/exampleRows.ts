// Loading a dataset's example rows for the dataset views, as a React hook with loading and error.
import { useEffect, useState } from 'react';
import { exampleRows, type ExampleRow } from './queries.ts';

export function useExampleRows(datasetId: string | null): { rows: ExampleRow[] | null; error: string | null } {
  const [state, setState] = useState<{ id: string | null; rows: ExampleRow[] | null; error: string | null }>({ id: null, rows: null, error: null });
  useEffect(() => {
    if (!datasetId) return;
    let live = true;
    exampleRows(datasetId).then(
      (rows) => live && setState({ id: datasetId, rows, error: null }),
      (err) => live && setState({ id: datasetId, rows: null, error: `Could not read the examples: ${(err as Error).message}. Reload the page.` }),
    );
    return () => {
      live = false;
    };
  }, [datasetId]);
  return state.id === datasetId ? { rows: state.rows, error: state.error } : { rows: null, error: null };
}
