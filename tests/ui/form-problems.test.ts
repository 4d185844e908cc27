// What the forms say before a button is pressed: a typed number that is not one the field takes,
// a configuration the run would refuse (in the form's labels), and whose job an error belongs to.
// A field that kept its last good value while showing another used to start a run with settings
// the user never saw; a config error used to appear on the Dashboard in field names.
import { createElement } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { renderNow } from '../helpers/render.ts';
import { useModel } from '../../src/state/modelStore.ts';
import { useRuns } from '../../src/state/runStore.ts';
import { RunConfigForm } from '../../src/ui/training/RunConfigForm.tsx';
import { TruncationNote } from '../../src/ui/training/TruncationNote.tsx';

// The worker's token counts of a dataset, fixed (no worker in Node).
const truncation = vi.hoisted(() => ({ value: null as unknown, layout: null as unknown }));
vi.mock('../../src/state/datasetViews.ts', () => ({ useTruncation: () => ({ value: truncation.value, error: null }), useBatchLayout: () => truncation.layout, useSuggestedSeqLen: () => undefined }));
import { fieldText, numberProblem, useFieldProblems } from '../../src/state/fieldProblems.ts';
import { draftProblem, STUDIO_DEFAULT_CONFIG } from '../../src/state/runStore.ts';
import { errorFor, savedJobDraft } from '../../src/state/jobStore.ts';

describe('numberProblem', () => {
  it('says what a field wants, in words', () => {
    expect(numberProblem('20', { min: 1, integer: true })).toBeNull();
    expect(numberProblem('0', { min: 1, integer: true })).toBe('a whole number, at least 1');
    expect(numberProblem('1.5', { min: 1, integer: true })).toBe('a whole number, at least 1');
    expect(numberProblem('', { min: 1 })).toBe('enter a number');
    expect(numberProblem('  ', {})).toBe('enter a number');
    expect(numberProblem('abc', {})).toBe('not a number');
    expect(numberProblem('0', { above: 0 })).toBe('a number, above 0');
    expect(numberProblem('-0.01', { above: 0 })).toBe('a number, above 0');
    expect(numberProblem('1e-4', { above: 0 })).toBeNull();
    expect(numberProblem('1.2', { min: 0, max: 1 })).toBe('a number, at least 0 and at most 1');
  });

  it('keeps one problem per field, and forgets it when the field is fine or gone', () => {
    const { setProblem } = useFieldProblems.getState();
    setProblem('cfg-steps', 'Steps', 'a whole number, at least 1');
    setProblem('eval-limit', 'Eval examples', 'enter a number');
    expect(useFieldProblems.getState().problems).toEqual({ 'cfg-steps': { label: 'Steps', problem: 'a whole number, at least 1' }, 'eval-limit': { label: 'Eval examples', problem: 'enter a number' } });
    setProblem('cfg-steps', 'Steps', null);
    setProblem('eval-limit', 'Eval examples', null);
    expect(useFieldProblems.getState().problems).toEqual({});
  });
});

describe('fieldText', () => {
  it('keeps what was typed while it reads as the value the field reported', () => {
    // '0.7' backspaced to '0.' reports 0: showing '0' dropped the point, and the 5 typed next made '05'.
    expect(fieldText('0.', 0)).toBe('0.');
    expect(fieldText('0.0', 0)).toBe('0.0');
    expect(fieldText('1e-4', 1e-4)).toBe('1e-4');
    // A value set from elsewhere (a button, another field) replaces the text.
    expect(fieldText('0.7', 320)).toBe('320');
    expect(fieldText('', 0)).toBe('0');
  });
});

describe('draftProblem', () => {
  it('checks the whole configuration as the run will, in the form’s labels', () => {
    expect(draftProblem(STUDIO_DEFAULT_CONFIG)).toBeNull();
    expect(draftProblem({ ...STUDIO_DEFAULT_CONFIG, alphaMin: 0.9 })).toBe(`need 0 ≤ α min < α₀ < α max ≤ 1, got 0.9, ${STUDIO_DEFAULT_CONFIG.alpha0}, ${STUDIO_DEFAULT_CONFIG.alphaMax}`);
    expect(draftProblem({ ...STUDIO_DEFAULT_CONFIG, lr: 0 })).toBe('Learning rate must be a positive number, got 0');
    expect(draftProblem({ ...STUDIO_DEFAULT_CONFIG, lora: { ...STUDIO_DEFAULT_CONFIG.lora, alpha: 0 } })).toBe('LoRA alpha must be a positive number, got 0');
    expect(draftProblem({ ...STUDIO_DEFAULT_CONFIG, lora: { ...STUDIO_DEFAULT_CONFIG.lora, targets: [] } })).toBe('LoRA needs at least one target module');
    // Keeping the best step chooses by the held-out loss, which the run must measure.
    expect(draftProblem({ ...STUDIO_DEFAULT_CONFIG, keepBest: true, evalEvery: 0 })).toBe('Keep the best step picks the step with the lowest held-out loss, which Eval loss every 0 never measures: set Eval loss every above 0');
    expect(draftProblem({ ...STUDIO_DEFAULT_CONFIG, keepBest: true })).toBeNull();
  });

  it('refuses a LoRA target the model has no module for, as a draft kept from elsewhere may hold', () => {
    // 'q_proj' is no LoRA target here: no module got an adapter, and the run trained nothing.
    const targets = ['q', 'q_proj'] as unknown as typeof STUDIO_DEFAULT_CONFIG.lora.targets;
    expect(draftProblem({ ...STUDIO_DEFAULT_CONFIG, lora: { ...STUDIO_DEFAULT_CONFIG.lora, targets } })).toBe('unknown LoRA target "q_proj" (choose from q, k, v, o, gate, up, down)');
  });

  it('refuses a sequence length past the loaded model’s positions, as a draft kept from another model may ask', () => {
    const model = { maxPositionEmbeddings: 4096 };
    expect(draftProblem({ ...STUDIO_DEFAULT_CONFIG, seqLen: 8192 }, model)).toBe("Sequence length must be at most the model's 4096-token context (max_position_embeddings), got 8192");
    expect(draftProblem({ ...STUDIO_DEFAULT_CONFIG, seqLen: 4096 }, model)).toBeNull();
    expect(draftProblem({ ...STUDIO_DEFAULT_CONFIG, seqLen: 8192 }, null)).toBeNull();
  });
});

describe('RunConfigForm', () => {
  const form = (draft: Partial<typeof STUDIO_DEFAULT_CONFIG>, context?: number) => {
    const before = { runs: useRuns.getState(), model: useModel.getState() };
    useRuns.setState({ draft: { ...STUDIO_DEFAULT_CONFIG, ...draft } });
    useModel.setState({ info: context === undefined ? null : ({ ref: 'm', maxPositionEmbeddings: context } as never) });
    try {
      return renderNow(createElement(RunConfigForm, { disabled: false }));
    } finally {
      useRuns.setState(before.runs, true);
      useModel.setState(before.model, true);
    }
  };

  it('bounds the sequence length by the loaded model’s positions', () => {
    expect(form({ seqLen: 8192 }, 4096)).toContain('a whole number, at least 16 and at most 4096');
    expect(form({ seqLen: 8192 })).not.toContain('field-problem');
  });

  it('offers the data’s sequence length only as far as the model reads', () => {
    truncation.value = { report: { examples: 10, whole: 2, shortened: 0, skipped: 8 }, suggestedSeqLen: 5056, tokenizer: 'test tokenizer' };
    const before = { runs: useRuns.getState(), model: useModel.getState() };
    useRuns.setState({ draft: { ...STUDIO_DEFAULT_CONFIG, seqLen: 320 } });
    useModel.setState({ info: { ref: 'm', maxPositionEmbeddings: 4096 } as never });
    try {
      // 'Use 5056' set a length the run then refused (past the 4096 positions).
      const html = renderNow(createElement(TruncationNote, { datasetId: 'd', disabled: false }));
      expect(html).toContain('The model reads at most 4096 tokens (its context).');
      expect(html).toContain('Use 4096');
      expect(html).not.toContain('Use 5056');
    } finally {
      useRuns.setState(before.runs, true);
      useModel.setState(before.model, true);
    }
  });

  it('ends the sentence about examples that lose earlier turns before the suggestion starts', () => {
    // It read "… (never the system prompt, the tools or the answer); The data suggests 384".
    truncation.value = { report: { examples: 8, whole: 0, shortened: 8, skipped: 0 }, suggestedSeqLen: 384, tokenizer: 'test tokenizer' };
    const text = renderNow(createElement(TruncationNote, { datasetId: 'd', disabled: false })).replace(/<[^>]+>/g, '');
    expect(text).toContain('Sequence length 320: 0 of 8 training examples fit whole; 8 are longer and lose their earlier turns to fit (never the system prompt, the tools or the answer). The data suggests 384');
    truncation.value = { report: { examples: 8, whole: 2, shortened: 3, skipped: 3 }, suggestedSeqLen: 384, tokenizer: 'test tokenizer' };
    const both = renderNow(createElement(TruncationNote, { datasetId: 'd', disabled: false })).replace(/<[^>]+>/g, '');
    expect(both).toContain('2 of 8 training examples fit whole; 3 are longer and lose their earlier turns to fit (never the system prompt, the tools or the answer); 3 are too long even so and will be skipped, not cut. The data suggests 384');
  });

  it('says how much of a batch is padding, and what packing short examples into shared rows saves', () => {
    truncation.value = { report: { examples: 8, whole: 8, shortened: 0, skipped: 0 }, suggestedSeqLen: 320, tokenizer: 'test tokenizer' };
    const before = useRuns.getState();
    try {
      // A length the user typed: the note offers no more than the suggestion (seq-len-follows.test.ts has the followed one).
      useRuns.setState({ draft: { ...STUDIO_DEFAULT_CONFIG, seqLen: 320, batchSize: 8, gradAccum: 1 }, seqLenFollowsData: false });
      truncation.layout = { packed: 1.21, rowEach: 1.66 };
      const text = () => renderNow(createElement(TruncationNote, { datasetId: 'd', disabled: false })).replace(/<[^>]+>/g, '');
      expect(text()).toBe('Sequence length 320: all 8 training examples fit whole. Batches of 8 examples are 17% padding: short examples share rows (a row each, 40%). The data suggests 320 (95% of examples fit whole; counted with the test tokenizer).');
      useRuns.setState({ draft: { ...STUDIO_DEFAULT_CONFIG, seqLen: 320, batchSize: 2, gradAccum: 4 } });
      truncation.layout = { packed: 1.04, rowEach: 1.21 };
      expect(text()).toContain('Batches of 2 examples (4 accumulated a step) are 4% padding: short examples share rows (a row each, 17%).');
      // Nothing to share (one example a batch, or lengths too alike): the padding alone.
      truncation.layout = { packed: 1.07, rowEach: 1.07 };
      expect(text()).toContain('Batches of 2 examples (4 accumulated a step) are 7% padding.');
      // One example a step: never padded, so nothing said.
      useRuns.setState({ draft: { ...STUDIO_DEFAULT_CONFIG, seqLen: 320, batchSize: 1, gradAccum: 1 } });
      truncation.layout = { packed: 1, rowEach: 1 };
      expect(text()).not.toContain('padding');
      truncation.layout = null; // not counted yet
      expect(text()).not.toContain('padding');
    } finally {
      useRuns.setState(before, true);
      truncation.layout = null;
    }
  });

  it('says when there are no training examples, not that all 0 fit whole', () => {
    // Every training example left out: the note said "all 0 training examples fit whole" and offered a length.
    truncation.value = { report: { examples: 0, whole: 0, shortened: 0, skipped: 0 }, suggestedSeqLen: 256, tokenizer: 'test tokenizer' };
    const html = renderNow(createElement(TruncationNote, { datasetId: 'd', disabled: false }));
    expect(html).toContain('No training examples: the dataset’s training side is empty, or every example on it is left out (flagged by the quality check, or left out by you). A run has nothing to train on; include some in the Dataset panel’s examples table (its Show filter lists those left out).');
    expect(html).not.toContain('fit whole');
    expect(html).not.toContain('Use 256');
  });

  it('asks how many evaluations without a lower loss end the run only when it keeps its best step', () => {
    expect(form({ keepBest: true, patience: 3 })).toContain('Stop after (evaluations without a lower loss, 0 = never)');
    expect(form({ keepBest: false })).not.toContain('Stop after');
    expect(draftProblem({ ...STUDIO_DEFAULT_CONFIG, keepBest: false, patience: 2 })).toBe('Stop after ends the run once the held-out loss stops falling, and needs Keep the best step so that the run keeps the step before it did');
  });

  it('says when the warm-up outlasts the run, as studio train does', () => {
    // The learning rate climbs for the whole run and never reaches the one typed.
    expect(form({ warmupSteps: 50, steps: 20, lr: 1e-3 })).toContain('Warm-up of 50 steps is longer than the run’s 20: the learning rate never reaches 0.001.');
    expect(form({ warmupSteps: 20, steps: 20 })).not.toContain('warmup-note');
  });
});

describe('errorFor', () => {
  it('shows a job’s error in the panels of that job only, and a general one everywhere', () => {
    const playground = { error: 'A training run is using the GPU; pause it before the playground answer.', errorKind: 'generate' as const };
    expect(errorFor(playground, ['generate'])).toBe(playground.error);
    expect(errorFor(playground, ['evaluate', 'hdr'])).toBeNull();
    expect(errorFor(playground, ['ablation'])).toBeNull();
    expect(errorFor({ error: 'Cancel failed: gone.', errorKind: null }, ['ablation'])).toBe('Cancel failed: gone.');
    expect(errorFor({ error: null, errorKind: null }, ['generate'])).toBeNull();
  });
});

describe('savedJobDraft', () => {
  it('brings back what the user left in a job form over today’s defaults, but not its adapter choice', () => {
    const store = new Map<string, string>();
    const g = globalThis as { localStorage?: unknown };
    const before = g.localStorage;
    g.localStorage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => store.set(k, v), removeItem: (k: string) => store.delete(k) };
    try {
      const defaults = { adapterRunId: null as string | null, limit: 8, maxNewTokens: 512, settings: { temperature: 0.7, maxRounds: 2 } };
      expect(savedJobDraft('k', defaults)).toEqual(defaults);
      store.set('k', JSON.stringify({ adapterRunId: 'run-gone', limit: 31, settings: { maxRounds: 5 } }));
      expect(savedJobDraft('k', defaults)).toEqual({ adapterRunId: null, limit: 31, maxNewTokens: 512, settings: { temperature: 0.7, maxRounds: 5 } });
      store.set('k', '{not json');
      expect(savedJobDraft('k', defaults)).toEqual(defaults);
    } finally {
      g.localStorage = before;
    }
  });
});
