// Reads one run row (eval or HDR rows carry their results on the row) and re-reads it when the
// runs list changes (a job finished or a round was recorded).
import { useEffect, useState } from 'react';
import type { RunRow } from '../../data/db.ts';
import { studioDb } from '../../state/db.ts';
import { useRuns } from '../../state/runStore.ts';

export function useRunRow<T extends RunRow>(runId: string | null): T | null {
  const stamp = useRuns((s) => s.runs.find((r) => r.id === runId)?.updatedAt ?? 0);
  const [row, setRow] = useState<T | null>(null);
  useEffect(() => {
    if (!runId) return setRow(null);
    let live = true;
    void studioDb()
      .runs.get(runId)
      .then((r) => live && setRow((r as T) ?? null));
    return () => {
      live = false;
    };
  }, [runId, stamp]);
  return row;
}
