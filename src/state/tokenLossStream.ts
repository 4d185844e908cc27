// Live per-token loss strips from the worker (one per eval step), for the dashboard strip of a run.
// The latest strip is also stored on the run row, which the strip reads after a reload.
import type { TokenLossStrip } from '../worker/protocol.ts';

export type { TokenLossStrip };

const listeners = new Map<string, Set<(s: TokenLossStrip) => void>>();

export function onTokenLoss(runId: string, cb: (s: TokenLossStrip) => void): () => void {
  let set = listeners.get(runId);
  if (!set) listeners.set(runId, (set = new Set()));
  set.add(cb);
  return () => set.delete(cb);
}

export function routeTokenLoss(runId: string, strip: TokenLossStrip): void {
  for (const cb of listeners.get(runId) ?? []) cb(strip);
}
