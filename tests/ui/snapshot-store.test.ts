// The Runs panel's snapshot actions (export a .zip, copy a share link) through the page's store,
// with the worker replaced by a recorder: they work for every run the panel offers them on,
// including an HDR run that continued a training run (it travels as that run with HDR's rounds).
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createElement } from 'react';
import type { StoredRun } from '../../src/jobs/store/schema.ts';
import { renderNow } from '../helpers/render.ts';

const requests = vi.hoisted(() => [] as Array<[string, unknown]>);
const engineReply = vi.hoisted(() => ({}) as Record<string, unknown>);
vi.mock('../../src/state/engine.ts', () => ({
  engineClient: () => ({
    request: async (kind: string, payload: unknown) => {
      requests.push([kind, payload]);
      if (kind === 'exportSnapshot') return { zip: new Uint8Array(100), holds: { adapter: true, checkpoint: false, dataset: false } };
      if (kind === 'shareLink') return { fragment: '#share=abc' };
      return engineReply[kind];
    },
    onEvent: () => undefined,
  }),
}));
vi.mock('../../src/state/download.ts', () => ({ downloadBytes: () => undefined }));
vi.stubGlobal('location', { origin: 'http://studio.test', pathname: '/' });
vi.stubGlobal('navigator', { clipboard: { writeText: async () => undefined } });

const { useSnapshots } = await import('../../src/state/snapshotStore.ts');
const { useRuns } = await import('../../src/state/runStore.ts');
const { useModel } = await import('../../src/state/modelStore.ts');
const { useDatasets } = await import('../../src/state/datasetStore.ts');
const { ShareLinkBox } = await import('../../src/ui/snapshot/ShareLinkBox.tsx');

const ref = 'embedded:tiny-qwen3';
const train = { id: 'run-a', datasetId: 'd', kind: 'train', status: 'done', createdAt: 1, updatedAt: 1, config: {}, name: 'first run', modelRef: ref, lastStep: 30 } as unknown as StoredRun;
const hdr = { id: 'hdr-1', datasetId: 'd', kind: 'hdr', status: 'done', createdAt: 2, updatedAt: 2, config: {}, name: 'HDR on first run', modelRef: ref, fromRunId: 'run-a', rounds: [], settings: {} } as unknown as StoredRun;

beforeEach(() => {
  requests.length = 0;
  useRuns.setState({ runs: [train, hdr], refreshRuns: async () => undefined, selectRun: () => undefined });
  useDatasets.setState({ refreshDatasets: async () => undefined });
  useModel.setState({ info: { ref } as never });
  useSnapshots.setState({ busy: null, error: null, notice: null, shareLink: null, openMode: 'read-only' });
});

describe('snapshot actions in the Runs panel', () => {
  it('export an HDR run that continued a training run, as the panel offers', async () => {
    await useSnapshots.getState().exportSnapshot('hdr-1', false);
    expect(useSnapshots.getState().error).toBeNull();
    expect(requests).toEqual([['exportSnapshot', { runId: 'hdr-1', includeDataset: false }]]);
    expect(useSnapshots.getState().notice).toMatch(/^Saved HDR-on-first-run-round0\.zip /);
  });

  it('make a share link for an HDR run that continued a training run', async () => {
    await useSnapshots.getState().copyShareLink('hdr-1');
    expect(useSnapshots.getState().error).toBeNull();
    expect(useSnapshots.getState().shareLink).toEqual({ runId: 'hdr-1', runName: 'HDR on first run', url: 'http://studio.test/#share=abc', copied: true });
    // The box names the run as the Runs panel does, not by its id.
    expect(renderNow(createElement(ShareLinkBox))).toContain('Share link for HDR on first run (copied to the clipboard)');
  });

  it('say a snapshot opened as resumable is ready to resume only when it has steps left', async () => {
    const file = new File([new Uint8Array(4)], 'done.zip');
    engineReply.importSnapshot = { runId: 'run-a', name: 'first run', metricSteps: 30 };
    useSnapshots.setState({ openMode: 'resume' });
    await useSnapshots.getState().importSnapshotFile(file);
    expect(useSnapshots.getState().notice).toBe('Opened “first run” from done.zip (30 steps of metrics), finished: its checkpoint is at its last step (the Dashboard’s Train on trains it on to more steps).');
    useRuns.setState({ runs: [{ ...train, status: 'paused' } as StoredRun, hdr] });
    await useSnapshots.getState().importSnapshotFile(file);
    expect(useSnapshots.getState().notice).toBe('Opened “first run” from done.zip (30 steps of metrics), ready to resume from its checkpoint.');
  });

  it('name the run as the Runs panel does when it cannot be exported or shared', async () => {
    // The errors named the run by its id ('Could not export 3f2a…: run 3f2a… was trained on …').
    const local = { ...train, id: 'c0ffee-1234', modelRef: 'local:my-model' } as StoredRun;
    useRuns.setState({ runs: [local] });
    useModel.setState({ info: null });
    await useSnapshots.getState().exportSnapshot('c0ffee-1234', false);
    expect(useSnapshots.getState().error).toBe('Could not export “first run”: it was trained on local:my-model; drop that model\'s folder in the Model panel first.');
    await useSnapshots.getState().copyShareLink('c0ffee-1234');
    expect(useSnapshots.getState().error).toBe('Could not make a share link for “first run”: it was trained on local:my-model; drop that model\'s folder in the Model panel first.');
    expect(requests).toEqual([]);
  });

  it('leave a run that names no model to the worker, as every start on a run does (modelToLoad), loading nothing', async () => {
    // The page refused it by itself ('Could not export “first run”: it has no model reference.').
    const unnamed = { ...train, modelRef: undefined } as StoredRun;
    useRuns.setState({ runs: [unnamed] });
    await useSnapshots.getState().exportSnapshot('run-a', false);
    await useSnapshots.getState().copyShareLink('run-a');
    expect(useSnapshots.getState().error).toBeNull();
    expect(requests.map(([kind]) => kind)).toEqual(['exportSnapshot', 'shareLink']);
  });

  it('export and share an HDR run of an imported training run without its model, as the training run itself exports', async () => {
    // The training run's stored spec summary describes the adapter; the HDR run asked for the model
    // ('it was trained on local:my-model; drop that model's folder in the Model panel first').
    const imported = { ...train, modelRef: 'local:my-model', modelSpec: { layers: 2 } } as unknown as StoredRun;
    useRuns.setState({ runs: [imported, { ...hdr, modelRef: 'local:my-model' } as StoredRun] });
    useModel.setState({ info: null });
    await useSnapshots.getState().exportSnapshot('hdr-1', false);
    expect(useSnapshots.getState().error).toBeNull();
    await useSnapshots.getState().copyShareLink('hdr-1');
    expect(useSnapshots.getState().error).toBeNull();
    expect(requests.map(([kind]) => kind)).toEqual(['exportSnapshot', 'shareLink']);
  });

  it('say a snapshot opened before is already open, and show that run', async () => {
    const selectRun = vi.fn();
    useRuns.setState({ selectRun });
    engineReply.importSnapshot = { runId: 'run-a', name: 'first run', metricSteps: 30, alreadyOpen: true };
    await useSnapshots.getState().importSnapshotFile(new File([new Uint8Array(4)], 'first.zip'));
    expect(useSnapshots.getState().notice).toBe('“first run” from first.zip is already open here (read-only); nothing was added.');
    expect(selectRun).toHaveBeenCalledWith('run-a');
  });

  it('open every snapshot dropped at once, naming each that could not be opened', async () => {
    engineReply.importSnapshot = { runId: 'run-a', name: 'first run', metricSteps: 30 };
    const good = new File([new Uint8Array(4)], 'a.zip');
    const bad = { name: 'b.zip', arrayBuffer: async () => Promise.reject(new Error('b.zip: not a zip file (only 4 bytes)')) } as unknown as File;
    await useSnapshots.getState().importSnapshotFiles([good, bad, new File([new Uint8Array(4)], 'c.zip')]);
    expect(requests.map(([kind, p]) => `${kind} ${(p as { label: string }).label}`)).toEqual(['importSnapshot a.zip', 'importSnapshot c.zip']);
    expect(useSnapshots.getState().notice).toBe('Opened “first run” from a.zip (30 steps of metrics), read-only. Opened “first run” from c.zip (30 steps of metrics), read-only.');
    expect(useSnapshots.getState().error).toBe('Could not open b.zip: not a zip file (only 4 bytes). Nothing of it was imported.');
  });

  it('still refuse a run no snapshot holds (an evaluation), in words', async () => {
    useRuns.setState({ runs: [train, hdr, { ...train, id: 'eval-1', kind: 'eval', name: 'first run, evaluated' } as StoredRun] });
    await useSnapshots.getState().exportSnapshot('eval-1', false);
    expect(useSnapshots.getState().error).toBe('Could not export “first run, evaluated”: it is an eval run; snapshots hold training runs and the HDR runs that continue them.');
    expect(requests).toEqual([]);
  });
});
