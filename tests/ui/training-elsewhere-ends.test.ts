// A run another tab of the studio trains holds its Web Lock there, and this tab holds Start training,
// every Resume, evaluation, HDR, the ablation and the playground while it does. The page read the
// locks only when it refreshed its runs (a run event from another tab, a tab switch): an HDR run
// there sends no run events, and a tab closed mid-run sends none, so once they ended everything here
// stayed held, saying a run trains in another tab, until the user switched tabs. The page now waits
// for each such lock's release and reads the runs again. Node has no Web Locks: a stand-in with one
// other tab's exclusive locks takes their place.
import 'fake-indexeddb/auto';
import { createElement } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderNow } from '../helpers/render.ts';
import { RUN_LOCK_PREFIX } from '../../src/worker/runLock.ts';

vi.mock('../../src/state/engine.ts', () => ({ engineClient: () => ({ request: async () => undefined, onEvent: () => () => undefined }) }));
const { useRuns } = await import('../../src/state/runStore.ts');
const { useDatasets } = await import('../../src/state/datasetStore.ts');
const { useModel } = await import('../../src/state/modelStore.ts');
const { TrainingPanel } = await import('../../src/ui/training/TrainingPanel.tsx');

/** The other tab's exclusive locks, and this tab's requests waiting on them. */
function otherTabLocks() {
  const held = new Map<string, Array<() => void>>();
  const shared = new Set<string>();
  vi.stubGlobal('navigator', {
    locks: {
      async request(name: string, options: { mode?: string }, cb: (lock: unknown) => Promise<unknown>) {
        if (options.mode !== 'shared') throw new Error('this tab takes no exclusive lock in this test');
        if (held.has(name)) await new Promise<void>((resolve) => held.get(name)!.push(resolve));
        shared.add(name);
        try {
          return await cb({ name, mode: 'shared' });
        } finally {
          shared.delete(name);
        }
      },
      async query() {
        return { held: [...[...held.keys()].map((name) => ({ name, mode: 'exclusive' })), ...[...shared].map((name) => ({ name, mode: 'shared' }))] };
      },
    },
  });
  return {
    hold: (runId: string) => held.set(RUN_LOCK_PREFIX + runId, []),
    release(runId: string) {
      const waiting = held.get(RUN_LOCK_PREFIX + runId) ?? [];
      held.delete(RUN_LOCK_PREFIX + runId);
      for (const w of waiting) w();
    },
  };
}

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
const panelText = () => text(renderNow(createElement(TrainingPanel, { onOpenDashboard: () => undefined })));
const until = async (ok: () => boolean) => {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 5));
};

afterEach(() => vi.unstubAllGlobals());

describe('a run another tab trains, once its lock is let go without a run event (an HDR run, a closed tab)', () => {
  it('no longer holds Start training here', async () => {
    useDatasets.setState({ datasets: [{ id: 'd', name: 'train.jsonl', exampleCount: 40 }] as never, selectedId: 'd' });
    useModel.setState({ info: { ref: 'tiny' } as never });
    const locks = otherTabLocks();
    locks.hold('hdr-there');
    await useRuns.getState().refreshRuns();
    expect(panelText()).toContain('is training in another tab of the studio');
    locks.release('hdr-there');
    await until(() => useRuns.getState().trainingNow.size === 0);
    expect([...useRuns.getState().trainingNow]).toEqual([]);
    expect(panelText()).not.toContain('another tab');
  });
});
