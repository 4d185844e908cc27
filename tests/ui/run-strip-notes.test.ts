// What a training run leaves out, said while it trains: a run resumed after HDR added samples to its
// dataset goes on over its own examples and leaves the added ones to a new run; a run that skipped
// examples too long for its sequence says so. The job writes it as the running row's message, and
// the page showed it only as the Runs table's status tooltip: under the run strip the user watches,
// a resumed run seemed to train on HDR's samples. Rendered with react-dom/server.
import { createElement } from 'react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { renderNow } from '../helpers/render.ts';

vi.mock('../../src/state/engine.ts', () => ({ engineClient: () => ({ request: async () => undefined, onEvent: () => undefined }) }));
const { useRuns } = await import('../../src/state/runStore.ts');
const { RunStrip } = await import('../../src/ui/shell/RunStrip.tsx');

const note = "8 examples added to or included in the dataset since this run's checkpoint, after its own, are not part of it: it goes on over its own 6; a new run trains on them";
const row = (message?: string) => ({ id: 'r', name: 'mine', datasetId: 'd', kind: 'train', status: 'running', createdAt: 1, updatedAt: 1, config: { steps: 30 }, lastStep: 3, message });
const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#x27;/g, "'").replace(/\s+/g, ' ');
const initial = useRuns.getState();
beforeEach(() => useRuns.setState(initial, true));

describe('the run strip of a training run', () => {
  it('says what the run leaves out of its training set', () => {
    useRuns.setState({ runs: [row(note)] as never, active: { runId: 'r', progress: { label: 'training', done: 4, total: 30 }, stepTimes: [], pausing: false, stopping: false } });
    expect(text(renderNow(createElement(RunStrip, { onOpenDashboard: () => undefined })))).toContain(`Note: ${note}.`);
  });

  it('says nothing more when the run leaves nothing out', () => {
    useRuns.setState({ runs: [row()] as never, active: { runId: 'r', progress: { label: 'training', done: 4, total: 30 }, stepTimes: [], pausing: false, stopping: false } });
    expect(text(renderNow(createElement(RunStrip, { onOpenDashboard: () => undefined })))).not.toContain('Note:');
  });
});
