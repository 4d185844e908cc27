// The Training panel's counts (the truncation note, the SSB reasoning note) and the memory plan's
// longest prompt are one count of the dataset's examples (datasetFits), asked again when its key
// changes. The key named the tokenizer, the dataset and its inclusion edits but not its examples: after
// HDR added samples to the dataset (a new example count and fingerprint, the dataset list read
// again), the note kept saying "all 40 training examples fit whole" for the 40 before until the page
// was reloaded, though the next run trains on the samples too.
// The effect's dependency (the key its request is asked under) is what is checked.
import { createElement } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { renderNow } from '../helpers/render.ts';
import type { DatasetRow } from '../../src/state/queries.ts';

const effects = vi.hoisted(() => ({ keys: [] as unknown[] }));
vi.mock('react', async (importOriginal) => {
  const react = await importOriginal<typeof import('react')>();
  return { ...react, useEffect: (_effect: unknown, deps?: unknown[]) => void effects.keys.push(...(deps ?? [])) };
});
vi.mock('../../src/state/engine.ts', () => ({ engineClient: () => ({ request: async () => undefined, onEvent: () => () => undefined }) }));
const { useDatasets } = await import('../../src/state/datasetStore.ts');
const { useTruncation, useLongestPrompt, useTrainingReasoning } = await import('../../src/state/datasetViews.ts');

const dataset = { id: 'd', name: 'tools.jsonl', createdAt: 5, files: [], exampleCount: 40, fingerprint: 'sha256:before', split: { seed: 1, evalFraction: 0.1 }, issues: [], issueCount: 0 } as DatasetRow;

/** The keys the hook's effects were asked under, rendering it (server-side: effects do not run). */
function effectKeys(hook: () => unknown): unknown[] {
  effects.keys = [];
  renderNow(createElement(() => (hook(), null)));
  return effects.keys;
}

beforeEach(() => useDatasets.setState({ datasets: [dataset] }));
afterEach(() => useDatasets.setState({ datasets: [] }));

describe('the dataset’s token fits', () => {
  it('are asked again once HDR added samples to the dataset', () => {
    for (const hook of [() => useTruncation('d', 512), () => useLongestPrompt('d'), () => useTrainingReasoning('d')]) {
      const before = effectKeys(hook);
      useDatasets.setState({ datasets: [{ ...dataset, exampleCount: 46, fingerprint: 'sha256:after' }] });
      expect(effectKeys(hook)).not.toEqual(before);
      useDatasets.setState({ datasets: [dataset] });
    }
  });

  it('are asked again once an example was included or left out, and not otherwise', () => {
    const before = effectKeys(() => useTruncation('d', 512));
    expect(effectKeys(() => useTruncation('d', 1024))).toEqual(before);
    useDatasets.setState({ datasets: [{ ...dataset, inclusionEdits: 1 }] });
    expect(effectKeys(() => useTruncation('d', 512))).not.toEqual(before);
  });
});

describe('the Model panel’s plan', () => {
  // It sizes the generation cache by the longest prompt of the dataset a job decodes: the training
  // run's or the demo's, but for this tab's own evaluation, HDR run or ablation it read the selected
  // dataset's, so selecting another dataset while HDR ran on the first changed the verdict for
  // prompts no running job decodes.
  it('reads the longest prompt of the dataset this tab’s job works on, whichever is selected', async () => {
    const { usePlanFollowsDraft } = await import('../../src/ui/model/usePlanFollowsDraft.ts');
    const { plannedRunConfig, plannedRunDatasetId } = await import('../../src/state/runStore.ts');
    const { useJobs } = await import('../../src/state/jobStore.ts');
    const other = { ...dataset, id: 'other', name: 'other.jsonl', fingerprint: 'sha256:other' } as DatasetRow;
    useDatasets.setState({ datasets: [dataset, other], selectedId: 'other' });
    const asked = () => effectKeys(() => usePlanFollowsDraft(plannedRunConfig, true, plannedRunDatasetId)).filter((k) => typeof k === 'string');
    expect(asked().some((k) => (k as string).includes(':other:'))).toBe(true);
    useJobs.setState({ running: { kind: 'hdr', progress: null, datasetId: 'd' } });
    try {
      const keys = asked();
      expect(keys.some((k) => (k as string).includes(':d:'))).toBe(true);
      expect(keys.some((k) => (k as string).includes(':other:'))).toBe(false);
      // The Training panel plans its form's next run: on the selected dataset still.
      expect(effectKeys(() => usePlanFollowsDraft()).some((k) => typeof k === 'string' && k.includes(':other:'))).toBe(true);
    } finally {
      useJobs.setState({ running: null });
    }
  });
});
