// The Adapter picker of the Evaluate, HDR and Playground panels, rendered with react-dom/server
// reading the stores' current state. Protects: each run is named by the step (or HDR round) of the
// adapter a job would read, its newest checkpoint's, not by where the run stopped (a training run
// that failed after its last checkpoint read "step 57" and was evaluated at step 50); an HDR run
// that failed or was cut off after a round offers the adapter it kept, one still running does not.
import { createElement } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { renderNow as render } from '../helpers/render.ts';
import { DEFAULT_HDR_SETTINGS } from '../../src/hdr/settings.ts';
import { DEFAULT_RUN_CONFIG } from '../../src/train/config.ts';

vi.mock('../../src/state/engine.ts', () => ({ engineClient: () => ({ request: async () => undefined }) }));
const { useRuns } = await import('../../src/state/runStore.ts');
const { useJobs } = await import('../../src/state/jobStore.ts');
const { AdapterPicker } = await import('../../src/ui/shell/AdapterPicker.tsx');

const row = (id: string, over: Record<string, unknown>) => ({ id, name: id, datasetId: 'd1', kind: 'train', status: 'done', createdAt: 1, updatedAt: 1, config: DEFAULT_RUN_CONFIG, ...over });
const hdr = (id: string, over: Record<string, unknown>) => row(id, { kind: 'hdr', settings: DEFAULT_HDR_SETTINGS, rounds: [{ round: 1 }, { round: 2 }], lastStep: 2, ...over });
const options = () => [...render(createElement(AdapterPicker, { id: 'eval-adapter', value: '', onChange: () => undefined })).matchAll(/<option value="([^"]*)"[^>]*>([^<]*)<\/option>/g)].map((m) => m[2]);

describe('the adapter picker', () => {
  it('names each adapter by the step or round it holds', () => {
    useRuns.setState({
      runs: [row('sft', { status: 'failed', lastStep: 57 }), hdr('hdr-full-disk', { status: 'failed' })] as never,
      checkpointSteps: new Map([['sft', 50], ['hdr-full-disk', 1]]),
      adapterRuns: new Set(['sft', 'hdr-full-disk']),
    });
    expect(options()).toEqual(['base model (no adapter)', 'sft (step 50)', 'hdr-full-disk (HDR, round 1)']);
  });

  it('offers the adapter an HDR run kept when it failed or its page closed, not while it runs', () => {
    useJobs.setState({ rows: new Set(['hdr-now']) });
    useRuns.setState({
      runs: [hdr('hdr-now', { status: 'running' }), hdr('hdr-closed', { status: 'running' }), hdr('hdr-lost', { status: 'failed' }), hdr('hdr-none', { status: 'done', rounds: [] })] as never,
      checkpointSteps: new Map([['hdr-now', 2], ['hdr-closed', 2], ['hdr-lost', 2]]),
      adapterRuns: new Set(['hdr-now', 'hdr-closed', 'hdr-lost']),
    });
    expect(options()).toEqual(['base model (no adapter)', 'hdr-closed (HDR, round 2)', 'hdr-lost (HDR, round 2)']);
    useJobs.setState({ rows: new Set() });
  });

  it('names the adapter an HDR run that mined no hard case kept as no round, not "round 0"', () => {
    useRuns.setState({ runs: [hdr('hdr-easy', { rounds: [], lastStep: 0 })] as never, checkpointSteps: new Map([['hdr-easy', 0]]), adapterRuns: new Set(['hdr-easy']) });
    expect(options()).toEqual(['base model (no adapter)', 'hdr-easy (HDR, no round)']);
  });
});
