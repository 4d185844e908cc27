// The training flags as studio train, hdr and ablate read them: what a run gets when a flag is not
// given. A default taken from the data once asked for more positions than the model has.
import { describe, expect, it, vi } from 'vitest';
import { checkRunConfigFor, inclusionFromFlags, inclusionOrRecorded, noteRescheduledResume, noteShortWarmup, runConfigFromFlags, seqLenFromData } from '../../src/cli/runFlags.ts';
import train from '../../src/cli/commands/train.ts';
import ablate from '../../src/cli/commands/ablate.ts';
import { resolveModel } from '../../src/cli/modelSource.ts';
import { openLoadedModel } from '../../src/jobs/context.ts';
import { DEFAULT_RUN_CONFIG } from '../../src/train/config.ts';
import type { Example } from '../../src/data/example.ts';

const MODEL = 'public/models/tiny-qwen3';

function example(id: string, words: number): Example {
  return { id, tools: [], messages: [{ role: 'user', content: 'word '.repeat(words) }], target: { calls: [{ name: 'f', arguments: {} }] } };
}

describe('seqLenFromData', () => {
  it('takes the sequence length from the data, within the model’s positions', async () => {
    const model = await openLoadedModel(await resolveModel(MODEL), MODEL);
    const said = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const config = { ...DEFAULT_RUN_CONFIG };
      await seqLenFromData(config, {}, model, [example('a', 40)]);
      expect(config.seqLen % 64).toBe(0);
      expect(config.seqLen).toBeLessThan(model.spec.maxPositionEmbeddings);
      // Examples past the 4096 positions: the 95th percentile (over 5000) trained past the context.
      await seqLenFromData(config, {}, model, [example('b', 5000), example('c', 5000)]);
      expect(config.seqLen).toBe(model.spec.maxPositionEmbeddings);
      expect(said.mock.calls.at(-1)?.[0]).toBe(`sequence length 4096 (95th percentile of the training examples' tokens, rounded up to 64, at most the model's 4096-token context; --seq to choose): 0 of 2 fit whole, 2 do not fit and are skipped`);
      // --seq given: the flag's value stands (validateRunConfigFor refuses it past the context).
      const given = { ...DEFAULT_RUN_CONFIG, seqLen: 512 };
      await seqLenFromData(given, { seq: 512 }, model, [example('b', 5000)]);
      expect(given.seqLen).toBe(512);
    } finally {
      said.mockRestore();
    }
  });
});

describe('noteRescheduledResume', () => {
  const said = (config: Partial<typeof DEFAULT_RUN_CONFIG>, stored: { steps: number; lastStep: number }) => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      noteRescheduledResume({ ...DEFAULT_RUN_CONFIG, lr: 1e-3, warmupSteps: 0, ...config }, stored);
      return spy.mock.calls.map((c) => String(c[0]));
    } finally {
      spy.mockRestore();
    }
  };

  it('names the first step whose rate moves, with both rates: a finished cosine run extended climbs back up', () => {
    expect(said({ steps: 200 }, { steps: 100, lastStep: 100 })).toEqual([
      'note: the run was planned for 100 steps and now runs 200: its cosine learning-rate schedule is laid over 200 steps, so step 101 trains at lr 5.00e-4 where the schedule over 100 has 0.00e+0 (the 100 steps trained keep theirs)',
    ]);
    // Paused halfway: the rate drops at once; going on as planned is one flag away.
    expect(said({ steps: 100, schedule: 'linear' }, { steps: 200, lastStep: 50 })[0]).toBe(
      'note: the run was planned for 200 steps and now runs 100: its linear learning-rate schedule is laid over 100 steps, so step 51 trains at lr 5.00e-4 where the schedule over 200 has 7.50e-4 (the 50 steps trained keep theirs); to go on as planned, resume with --steps 200',
    );
  });

  it('says nothing where the rates stay as planned: the same length, a constant schedule, or only warmup left', () => {
    expect(said({ steps: 100 }, { steps: 100, lastStep: 40 })).toEqual([]);
    expect(said({ steps: 300, schedule: 'constant' }, { steps: 100, lastStep: 100 })).toEqual([]);
    expect(said({ steps: 8, warmupSteps: 10 }, { steps: 4, lastStep: 2 })).toEqual([]);
  });
});

describe('the warmup', () => {
  const said = (config: Partial<typeof DEFAULT_RUN_CONFIG>, flag: number | undefined) => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      noteShortWarmup({ ...DEFAULT_RUN_CONFIG, ...config }, flag);
      return spy.mock.calls.map((c) => String(c[0]));
    } finally {
      spy.mockRestore();
    }
  };

  it('longer than the run: a default is named with its flag; a --warmup given is not sent back to be set', () => {
    expect(said({ steps: 3 }, undefined)).toEqual(["note: the default warmup of 5 steps is longer than the run's 3 steps; the learning rate never reaches --lr 0.0002 (set --warmup to change that)"]);
    // It said "(set --warmup to change that)" to a user who had just set it.
    expect(said({ steps: 3, warmupSteps: 10 }, 10)).toEqual(["note: --warmup 10 is longer than the run's 3 steps: the learning rate climbs to 6.00e-5 at its last step, never reaching --lr 0.0002"]);
    expect(said({ steps: 10, warmupSteps: 10 }, 10)).toEqual([]);
  });

  it('has its default stated in the help of the commands that take --warmup', () => {
    // Every other training default was stated; the warmup's was not, so the note above came as news.
    expect(train.usage).toContain('  --warmup <steps>        steps over which the learning rate climbs to --lr (default 5)\n');
    expect(ablate.usage).toContain('--warmup 5 steps');
  });
});

describe('settings an --adapter run folder gives (studio hdr)', () => {
  // Refused as if the user had typed the flag: "--seq must be at most the model's 512-token
  // context", from a command with no --seq, and nothing said the value was the folder's run.json.
  const file = 'runs/a/run.json';
  const stored = { ...DEFAULT_RUN_CONFIG, seqLen: 1024 };
  const spec = { maxPositionEmbeddings: 512 };

  it('names the file a refused value came from, and the flag that overrides it', () => {
    expect(() => checkRunConfigFor(stored, spec, { from: { flags: {}, file } })).toThrow(
      `seqLen must be at most the model's 512-token context (max_position_embeddings), got 1024 (seqLen from ${file}, not from a flag: give --seq to override)`,
    );
    expect(() => runConfigFromFlags({ 'alpha-max': 0.6 }, stored, file)).toThrow(
      `need 0 ≤ alphaMin < alpha0 < --alpha-max ≤ 1, got 0.05, 0.7, 0.6 (alphaMin, alpha0 from ${file}, not from a flag: give --alpha-min, --alpha0 to override)`,
    );
  });

  it('says a flag given as the flag, as before', () => {
    expect(() => checkRunConfigFor({ ...stored, seqLen: 2048 }, spec, { from: { flags: { seq: 2048 }, file } })).toThrow(/^--seq must be at most the model's 512-token context \(max_position_embeddings\), got 2048$/);
    expect(() => checkRunConfigFor(stored, spec)).toThrow(/^--seq must be at most/);
  });
});

describe('--include-flagged and --leave-out', () => {
  it('read as the page’s choice, by the quality rules’ names, each once', () => {
    expect(inclusionFromFlags({})).toBeUndefined();
    expect(inclusionFromFlags({ 'include-flagged': ['reasoning_as_promised', 'reasoning_as_promised'], 'leave-out': ['a', 'b', 'a'] })).toEqual({ includeFlagged: ['reasoning_as_promised'], leaveOut: ['a', 'b'] });
    expect(() => inclusionFromFlags({ 'include-flagged': ['reasoning'] })).toThrow(/^--include-flagged: no quality rule "reasoning" \(the rules are tools_valid_schema, /);
    expect(() => inclusionFromFlags({ 'include-flagged': ['arg_types_match'], 'include-failing': true })).toThrow('--include-failing uses every flagged example already; --include-flagged chooses those of some rules: give one of them');
  });

  // An --adapter run folder trained with --include-failing used every flagged example; where the
  // flags pick the flagged examples of some rules, taking all of them too would undo that pick.
  it('an --adapter run folder’s --include-failing is taken but where the flags pick flagged examples or say otherwise', () => {
    const from = { includeFailing: true as const, inclusion: { leaveOut: ['x'] }, file: 'runs/a/run.json' };
    expect(inclusionOrRecorded({}, from)).toEqual({ inclusion: { leaveOut: ['x'] }, inclusionFrom: 'runs/a/run.json', includeFailing: true });
    expect(inclusionOrRecorded({ 'leave-out': ['y'] }, from)).toEqual({ inclusion: { leaveOut: ['y'] }, includeFailing: true });
    expect(inclusionOrRecorded({ 'include-flagged': ['arg_types_match'] }, from)).toEqual({ inclusion: { includeFlagged: ['arg_types_match'] } });
    expect(inclusionOrRecorded({ 'include-failing': false }, from)).toMatchObject({ includeFailing: false });
    expect(inclusionOrRecorded({}, {})).toEqual({});
  });

  it('a resumed run uses the examples it recorded, and refuses others', () => {
    const recorded = { includeFlagged: ['reasoning_as_promised' as const], leaveOut: ['x'] };
    expect(inclusionFromFlags({}, { out: 'runs/a', recorded })).toEqual(recorded);
    expect(inclusionFromFlags({ 'include-flagged': ['reasoning_as_promised'], 'leave-out': ['x'] }, { out: 'runs/a', recorded })).toEqual(recorded);
    expect(() => inclusionFromFlags({ 'include-flagged': ['reasoning_as_promised'] }, { out: 'runs/a', recorded })).toThrow(
      '--resume: runs/a was trained with --include-flagged reasoning_as_promised --leave-out x, not --include-flagged reasoning_as_promised; a resumed run continues on its own examples: give the same, or neither (it keeps its own)',
    );
    expect(() => inclusionFromFlags({ 'leave-out': ['x'] }, { out: 'runs/b' })).toThrow('--resume: runs/b was trained with no --include-flagged or --leave-out, not --leave-out x;');
  });

  it('a resumed run given its own rules and ids in another order resumes: the same examples', () => {
    // `--leave-out b,a` on a run trained with `--leave-out a,b` was refused as another choice
    // ('was trained with --leave-out a,b, not --leave-out b,a'), though it leaves out the same two.
    const recorded = { includeFlagged: ['reasoning_as_promised' as const, 'arg_types_match' as const], leaveOut: ['a', 'b'] };
    expect(inclusionFromFlags({ 'include-flagged': ['arg_types_match', 'reasoning_as_promised'], 'leave-out': ['b', 'a', 'b'] }, { out: 'runs/a', recorded })).toEqual(recorded);
    // Another set is still refused.
    expect(() => inclusionFromFlags({ 'include-flagged': ['arg_types_match', 'reasoning_as_promised'], 'leave-out': ['b'] }, { out: 'runs/a', recorded })).toThrow('--resume: runs/a was trained with --include-flagged reasoning_as_promised,arg_types_match --leave-out a,b, not --include-flagged arg_types_match,reasoning_as_promised --leave-out b;');
  });
});
