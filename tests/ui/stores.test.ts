// Pure helpers behind the stores: the ETA, which runs count as interrupted, run kinds, model refs
// that can be reopened, and the import error message that must name the file and the lines.
import { describe, expect, it } from 'vitest';
import { effectiveStatus, etaSeconds, hasAdapter, isTrainingRun, runKind, STUDIO_DEFAULT_CONFIG } from '../../src/state/runStore.ts';
import { sourceForRef } from '../../src/state/modelStore.ts';
import { datasetNameOf, nothingImportedMessage } from '../../src/state/datasetStore.ts';
import { validateRunConfig } from '../../src/train/config.ts';
import type { StoredRun } from '../../src/jobs/store/schema.ts';
import { formatIssue } from '../../src/data/record-error.ts';
import { formatDuration } from '../../src/ui/format.ts';

const run = (over: Record<string, unknown> = {}): StoredRun => ({ id: 'r1', datasetId: 'd', kind: 'train', status: 'running', createdAt: 0, updatedAt: 0, config: {}, ...over }) as StoredRun;

describe('run helpers', () => {
  it('estimates the time left from the recent pace of steps', () => {
    expect(etaSeconds([{ step: 1, at: 0 }], 10)).toBeNull();
    // 2 s per step, 6 steps left → 12 s
    expect(etaSeconds([{ step: 2, at: 1000 }, { step: 3, at: 3000 }, { step: 4, at: 5000 }], 10)).toBeCloseTo(12);
    expect(etaSeconds([{ step: 9, at: 0 }, { step: 10, at: 1000 }], 10)).toBe(0);
  });

  it('calls a stored `running` row interrupted unless it is the one training now', () => {
    expect(effectiveStatus(run(), null)).toBe('interrupted');
    expect(effectiveStatus(run(), 'r1')).toBe('running');
    expect(effectiveStatus(run({ status: 'paused' }), null)).toBe('paused');
    // An HDR run or ablation arm this tab's job writes (its worker claimed the row) is being written now.
    const ours = new Set(['r1']);
    expect(effectiveStatus(run({ updatedAt: 5000 }), null, ours)).toBe('running');
    expect(effectiveStatus(run({ updatedAt: 5000 }), null, new Set(['other']))).toBe('interrupted');
    expect(canResume(run({ updatedAt: 5000, lastStep: 2, config: { steps: 10 } }), null, ours)).toBe(false);
    // A run another tab trains (it holds the run's lock): training elsewhere, and not resumable here.
    const elsewhere = new Set(['r1']);
    expect(effectiveStatus(run(), null, undefined, elsewhere)).toBe('elsewhere');
    expect(canResume(run({ lastStep: 2, config: { steps: 10 } }), null, undefined, elsewhere)).toBe(false);
    expect(canResume(run({ lastStep: 2, config: { steps: 10 } }), null)).toBe(true);
    // …also while this tab runs a job of its own, whose rows are others: a row written after that job
    // began used to count as the job's ("Training as part of the running job… Cancel it in its panel").
    expect(effectiveStatus(run({ updatedAt: 5000 }), null, new Set(['hdr-here']), elsewhere)).toBe('elsewhere');
    expect(effectiveStatus(run({ status: 'created', updatedAt: 5000 }), null, new Set(['hdr-here']), elsewhere)).toBe('elsewhere');
    // An ablation's arm holds its lock while its row still says `created` (it tokenizes): not startable.
    expect(effectiveStatus(run({ status: 'created' }), null, undefined, elsewhere)).toBe('elsewhere');
    expect(effectiveStatus(run({ status: 'created' }), null, ours, elsewhere)).toBe('running');
    expect(canResume(run({ status: 'created', lastStep: 0, config: { steps: 10 } }), null, undefined, elsewhere)).toBe(false);
  });

  it('tells training runs from evaluation and HDR rows in the same table', () => {
    // An HDR run offers the adapter it kept (its last finished round's); one cancelled before any kept none.
    const kept = new Set(['r1']);
    expect(hasAdapter(run({ kind: 'hdr', status: 'done', rounds: [] }), new Set())).toBe(false);
    expect(hasAdapter(run({ kind: 'hdr', status: 'done', rounds: [{ round: 1 }] }), kept)).toBe(true);
    // One that failed in round 3 kept round 2's adapter so it could be evaluated, yet the pickers left
    // it out; one whose adapter could not be written (a full disk) has none to offer.
    expect(hasAdapter(run({ kind: 'hdr', status: 'failed', rounds: [{ round: 1 }, { round: 2 }] }), kept)).toBe(true);
    expect(hasAdapter(run({ kind: 'hdr', status: 'failed', rounds: [{ round: 1 }] }), new Set())).toBe(false);
    // Still running: its adapter is replaced round by round; cut off by a closed page, it ended.
    const running = run({ kind: 'hdr', status: 'running', rounds: [{ round: 1 }] });
    expect(hasAdapter(running, kept, effectiveStatus(running, null, new Set(['r1'])))).toBe(false);
    expect(hasAdapter(running, kept, effectiveStatus(running, null))).toBe(true);
    expect(runKind(run())).toBe('train');
    expect(runKind(run({ kind: 'eval' }))).toBe('eval');
    expect(isTrainingRun(run({ kind: 'hdr' }))).toBe(false);
  });

  it('ships studio defaults that pass validation and fit the demo (seqLen ≥ 320)', () => {
    expect(() => validateRunConfig(STUDIO_DEFAULT_CONFIG)).not.toThrow();
    expect(STUDIO_DEFAULT_CONFIG.seqLen).toBeGreaterThanOrEqual(320);
  });
});

describe('model refs', () => {
  it('reopens the embedded model and hub repos, but not dropped folders', () => {
    expect(sourceForRef('embedded:tiny-qwen3')).toEqual({ kind: 'embedded' });
    expect(sourceForRef('Qwen/Qwen3-0.6B')).toEqual({ kind: 'hub', repo: 'Qwen/Qwen3-0.6B' });
    expect(sourceForRef('local:my-model')).toBeNull();
    expect(sourceForRef('not a ref')).toBeNull();
  });
});

describe('dataset import messages', () => {
  it('names the dataset after the first file', () => {
    expect(datasetNameOf([{ name: 'dir/train.jsonl' }])).toBe('train');
    expect(datasetNameOf([{ name: 'BFCL_v3_simple.json' }, { name: 'answers.json' }])).toBe('BFCL_v3_simple (+1 file)');
    expect(datasetNameOf([{ name: 'a.jsonl' }, { name: 'b.jsonl' }, { name: 'c.json' }])).toBe('a (+2 files)');
  });

  it('names the file, the first bad lines and says nothing was saved', () => {
    const files = [{ name: 'bad.jsonl', format: undefined, detected: false, records: 5, imported: 0, rejected: 5 }];
    const issues = [1, 2, 3, 4, 5].map((line) => ({ file: 'bad.jsonl', line, index: line - 1, reason: `invalid JSON ${line}` }));
    const msg = nothingImportedMessage(files, issues.map(formatIssue));
    expect(msg).toContain('bad.jsonl, line 1, record 1: invalid JSON 1');
    expect(msg).toContain('line 3');
    expect(msg).not.toContain('line 4');
    expect(msg).toContain('(and 2 more)');
    expect(msg).toContain('Nothing was saved');
  });
});

import { canResume } from '../../src/state/runStore.ts';

describe('canResume', () => {
  const cfg = { steps: 24 };
  it('offers a resume only when steps are left and nothing is training', () => {
    expect(canResume(run({ status: 'paused', lastStep: 20, config: cfg }), null)).toBe(true);
    expect(canResume(run({ status: 'running', lastStep: 5, config: cfg }), null)).toBe(true); // interrupted by a reload
    expect(canResume(run({ status: 'paused', lastStep: 24, config: cfg }), null)).toBe(false);
    expect(canResume(run({ status: 'paused', lastStep: 20, config: cfg }), 'other-run')).toBe(false);
    expect(canResume(run({ status: 'done', lastStep: 24, config: cfg }), null)).toBe(false);
    expect(canResume(run({ status: 'paused', lastStep: 1, config: cfg, kind: 'hdr' }), null)).toBe(false);
  });

  it('says a run stopped before it trained a step as that, not "created at step 0"', async () => {
    const { runEndedText } = await import('../../src/state/notify.ts');
    expect(runEndedText('a', 'created', 0)).toBe('Training “a” stopped before it trained a step');
    expect(runEndedText('a', 'done', 4)).toBe('Training “a” finished at step 4');
    expect(runEndedText('a', 'failed', 1)).toBe('Training “a” failed after 1 step');
    expect(runEndedText('a', 'failed', 0)).toBe('Training “a” failed before its first step');
  });

  it('offers a resume for a run that failed at its last step: its newest checkpoint may be earlier', () => {
    expect(canResume(run({ status: 'failed', lastStep: 24, config: cfg }), null)).toBe(true);
    expect(canResume(run({ status: 'failed', lastStep: 24, config: cfg }), 'other-run')).toBe(false);
    // Opened read-only from a snapshot (an HDR run's carries no trainer checkpoint): nothing to go on from.
    expect(canResume(run({ status: 'failed', lastStep: 24, config: cfg, readOnly: true }), null)).toBe(false);
  });
});

describe('device and worker health', () => {
  it('clears a lost device once a new one is in use, and tells a crashed worker from missing WebGPU', async () => {
    const { useCapabilities } = await import('../../src/state/capabilityStore.ts');
    const caps = useCapabilities.getState();
    useCapabilities.setState({ status: 'ready', capabilities: {} as never, problem: null, strayErrors: [] });
    caps.noteHealth({ type: 'device-lost', message: 'the GPU device was lost (destroyed): gone' });
    expect(useCapabilities.getState()).toMatchObject({ status: 'lost', problem: 'the GPU device was lost (destroyed): gone' });
    caps.noteHealth({ type: 'device-ready' });
    expect(useCapabilities.getState()).toMatchObject({ status: 'ready', problem: null });
    caps.noteHealth({ type: 'gpu-error', message: 'Invalid CommandBuffer' });
    caps.noteHealth({ type: 'gpu-error', message: 'Invalid CommandBuffer' });
    expect(useCapabilities.getState().strayErrors).toEqual(['GPU error: Invalid CommandBuffer']);
    caps.noteHealth({ type: 'worker-crashed', message: "the studio's GPU worker could not start (x)" });
    expect(useCapabilities.getState().status).toBe('crashed');
  });
});

describe('a message between the page and the worker that could not be read', () => {
  // The page said "The GPU worker hit an error outside any task:" before a message saying a task
  // may never answer: the two contradicted each other.
  it('is shown as what it is, a task that may not answer, not as an error outside any task', async () => {
    const { useCapabilities } = await import('../../src/state/capabilityStore.ts');
    const { EngineClient } = await import('../../src/worker/client.ts');
    useCapabilities.setState({ strayErrors: [] });
    const worker = {} as { onmessageerror?: () => void };
    new EngineClient(worker as unknown as Worker).onEvent((e) => useCapabilities.getState().noteHealth(e));
    worker.onmessageerror!();
    useCapabilities.getState().noteHealth({ type: 'worker-error', message: 'Uncaught TypeError: x is undefined' });
    expect(useCapabilities.getState().strayErrors).toEqual([
      'A message from the GPU worker to the page could not be read, so a task may never report that it ended; if one stays busy, reload the page',
      'The GPU worker hit an error outside any task: Uncaught TypeError: x is undefined',
    ]);
  });
});

describe('the time left in words', () => {
  it('rounds before it splits into minutes and hours (no "1 min 60 s")', () => {
    expect(formatDuration(42.4)).toBe('42 s');
    expect(formatDuration(59.6)).toBe('1 min 0 s');
    expect(formatDuration(119.6)).toBe('2 min 0 s');
    expect(formatDuration(125)).toBe('2 min 5 s');
    expect(formatDuration(3599.7)).toBe('1 h 0 min');
    expect(formatDuration(7199)).toBe('2 h 0 min');
    expect(formatDuration(5400)).toBe('1 h 30 min');
    expect(formatDuration(Infinity)).toBe('—');
  });
});
