// The HDR round procedure with a scripted model (pure logic; the GPU run is hdr-proof.test.ts).
// The script decides each output from (hard case, sample index, rounds trained so far), so each
// test states exactly what the "model" says. Protects: solved cases leave the pool, duplicates
// are counted once, training sees everything accepted so far plus the replay share, a round that
// solves nothing stops the loop without training, the round limit holds, failed outputs are kept
// (capped), pass@k counts cases, mining only admits examples that pass the base check, and a round's
// samples are generated in batches whose size never changes the answers.
import { describe, expect, it } from 'vitest';
import type { Example } from '../../src/data/example.ts';
import { checkPrediction, evaluateExamples, type GenerateFn } from '../../src/eval/index.ts';
import { firstMinable, hardCaseRootId, hdrSampleSeed, hdrStoppedText, hdrStopText, minableExamples, roundAccuracyText, roundCancelledText, roundCutOffText, roundNotes, mineHardCases, replayCount, runAnswerChanges, runHdrRounds, validateHdrSettings, DEFAULT_HDR_SETTINGS, type HardCase, type HdrEngine, type HdrSample, type HdrSettings } from '../../src/hdr/index.ts';

const tools = [{ name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] } }];
const ex = (id: string): Example => ({
  id,
  tools,
  messages: [{ role: 'user', content: `find ${id}` }],
  target: { reasoning: 'lookup it', calls: [{ name: 'lookup', arguments: { q: id } }] },
  source: 'openai',
});
const right = (id: string, note = '') => `<think>use lookup for ${id}${note}</think><tool_call>{"name":"lookup","arguments":{"q":"${id}"}}</tool_call>`;
const wrong = (id: string) => `<think>use lookup</think><tool_call>{"name":"lookup","arguments":{"q":"not-${id}"}}</tool_call>`;

type Script = (caseId: string, sample: number | 'greedy', trainedRounds: number) => string;

/** A scripted engine: prompts are example indices, outputs are char codes of the script's text. */
function scripted(examples: Example[], script: Script) {
  const calls = { train: [] as Array<{ round: number; ids: string[]; aborted: boolean }>, generate: 0 };
  const samplesSeen = new Map<string, number>();
  let trained = 0;
  // As the engine does: each answer reported as it ends, and none after an abort.
  const generate: GenerateFn = async (prompts, settings) => {
    calls.generate++;
    return prompts.map(([i], k) => {
      if (settings.signal?.aborted) return { tokens: [], finishReason: 'aborted' as const };
      const id = examples[i].id;
      let sample: number | 'greedy' = 'greedy';
      if (settings.temperature) {
        const key = `${trained}:${id}`;
        sample = samplesSeen.get(key) ?? 0;
        samplesSeen.set(key, sample + 1);
      }
      const out = { tokens: Array.from(script(id, sample, trained), (ch) => ch.charCodeAt(0)), finishReason: 'eos' as const };
      settings.onFinish?.(k, out);
      return out;
    });
  };
  const engine: HdrEngine = {
    generate,
    encodePrompt: (e) => [examples.findIndex((x) => x.id === e.id)],
    decode: (ids) => String.fromCharCode(...ids),
    async train(batch, round, signal) {
      calls.train.push({ round, ids: batch.map((e) => e.id), aborted: signal?.aborted ?? false });
      trained++;
      return { steps: 5, examples: batch.length, lossFirst: 2, lossLast: 1, skipped: [] };
    },
  };
  return { engine, calls };
}

const settings = (over: Partial<HdrSettings> = {}): HdrSettings => ({ ...DEFAULT_HDR_SETTINGS, samplesPerCase: 3, batchSize: 2, maxNewTokens: 64, replayShare: 0.5, ...over });
const open = (e: Example): HardCase => ({ example: e, failedOutputs: ['first failure'], round: 0, status: 'open' });

describe('HDR rounds', () => {
  it('solves cases by sampling, dedupes, trains on accepted + replay, and stops when the pool is empty', async () => {
    const [a, b, c] = ['a', 'b', 'c'].map(ex);
    const replayPool = ['r1', 'r2', 'r3', 'r4', 'r5'].map(ex);
    const all = [a, b, c, ...replayPool];
    const { engine, calls } = scripted(all, (id, sample, trained) => {
      if (sample === 'greedy') return trained >= 2 || (trained === 1 && id !== 'c') ? right(id) : wrong(id);
      if (id === 'a') return sample === 1 ? right('a') : wrong('a');
      if (id === 'b') return right('b'); // the same sample three times
      return trained >= 1 ? right('c', ` (${sample})`) : `<think></think><tool_call>{"name":"lookup","arguments":{"q":"c"}}</tool_call>`;
    });
    const evalSet = [a, b, c];
    const order: string[] = [];
    const r = await runHdrRounds({
      pool: [open(a), open(b), open(c)], evalSet, replayPool, engine, settings: settings(),
      hooks: {
        onSamples: (round) => void order.push(`samples${round}`),
        onAccepted: (round, e) => void order.push(`accepted${round}:${e.map((x) => x.id).join(',')}`),
        onSolved: (round, ids) => void order.push(`solved${round}:${ids.join(',')}`),
        onRound: (rep) => void order.push(`round${rep.round}`),
      },
    });
    expect(r.stopReason).toBe('pool_empty');
    expect(r.rounds.map((x) => [x.poolBefore, x.poolAfter])).toEqual([[3, 1], [1, 0]]);
    const [r1, r2] = r.rounds;
    expect(r1).toMatchObject({ samples: 9, gatePassed: 4, accepted: 2, duplicates: 2, solved: ['a', 'b'], passAtK: 1, replayed: 2 });
    // c's round-1 samples are correct calls with empty reasoning: answer right, gate says no.
    expect(r1.rejectedByRule).toEqual({ answer: 2, reasoning_missing: 3 });
    // Those three are what pass@k counts c answered by while c stays in the pool: said with the round.
    expect(r1.rightButRejected).toEqual({ samples: 3, byRule: { reasoning_missing: 3 }, casesLeftOpen: 1 });
    expect(r2.rightButRejected).toBeUndefined();
    expect(r1.evalAccuracyBefore).toBe(0);
    expect(r1.evalAccuracyAfter).toBeCloseTo(2 / 3, 12);
    expect(r2).toMatchObject({ accepted: 3, duplicates: 0, solved: ['c'], evalAccuracyBefore: r1.evalAccuracyAfter, evalAccuracyAfter: 1 });
    // The answers behind the accuracies: round 1 fixed a and b, round 2 fixed c; none broke.
    expect([r1.evalChanges, r1.evalChangesSinceStart]).toEqual([{ fixed: 2, broken: 0 }, { fixed: 2, broken: 0 }]);
    expect([r2.evalChanges, r2.evalChangesSinceStart]).toEqual([{ fixed: 1, broken: 0 }, { fixed: 3, broken: 0 }]);
    expect(runAnswerChanges(r.rounds)).toEqual({ before: 0, after: 1, fromRound: 1, toRound: 2, fixed: 3, broken: 0 });
    expect(r.added.map((e) => e.id)).toEqual(['a#hdr1.0', 'b#hdr1.1', 'c#hdr2.0', 'c#hdr2.1', 'c#hdr2.2']);
    for (const e of r.added) expect(e).toMatchObject({ source: 'hdr', hdrRound: Number(e.id.split('#hdr')[1][0]) });
    // Round 1 trains on 2 HDR + 2 replayed (share 0.5); round 2 on all 5 HDR so far + 5 replayed.
    expect(calls.train.map((t) => t.round)).toEqual([1, 2]);
    expect(calls.train[0].ids.slice(0, 2)).toEqual(['a#hdr1.0', 'b#hdr1.1']);
    expect(calls.train[0].ids.slice(2).every((id) => id.startsWith('r'))).toBe(true);
    expect(calls.train[0].ids).toHaveLength(4);
    expect(calls.train[1].ids).toHaveLength(10);
    expect(new Set(calls.train[1].ids.slice(5)).size).toBe(5);
    expect(order).toEqual(['samples1', 'accepted1:a#hdr1.0,b#hdr1.1', 'solved1:a,b', 'round1', 'samples2', 'accepted2:c#hdr2.0,c#hdr2.1,c#hdr2.2', 'solved2:c', 'round2']);
    expect(r.pool.map((x) => x.status)).toEqual(['solved', 'solved', 'solved']);
  });

  it('stops without training when a round solves nothing, keeping the newest failed outputs', async () => {
    const a = ex('a');
    const { engine, calls } = scripted([a], (id, sample) => (sample === 'greedy' ? wrong(id) : `${wrong(id)}#${sample}`));
    const r = await runHdrRounds({ pool: [open(a)], evalSet: [], replayPool: [], engine, settings: settings({ maxFailedOutputs: 2 }) });
    expect(r.stopReason).toBe('pool_stopped_shrinking');
    // What the studio and the CLI print: words, not the code.
    expect(hdrStopText(r.stopReason)).toBe('the pool stopped shrinking');
    expect(r.rounds).toHaveLength(1);
    expect(r.rounds[0]).toMatchObject({ poolBefore: 1, poolAfter: 1, accepted: 0, passAtK: 0, training: null, evalAccuracyBefore: null, evalAccuracyAfter: null });
    expect(calls.train).toEqual([]);
    expect(r.pool[0]).toMatchObject({ status: 'open', round: 1, failedOutputs: [`${wrong('a')}#1`, `${wrong('a')}#2`] });
  });

  it('a mining that found no hard case stops as "no hard case", not "every hard case was solved"', async () => {
    const { engine, calls } = scripted([], () => '');
    const r = await runHdrRounds({ pool: [], evalSet: [], replayPool: [], engine, settings: settings() });
    expect(r.stopReason).toBe('no_hard_cases');
    expect(hdrStopText(r.stopReason)).toBe('the model answered every mined example correctly: no hard case');
    expect(r.rounds).toEqual([]);
    expect(calls.generate).toBe(0);
  });

  it('stops at the round limit even while the pool still shrinks', async () => {
    const cases = ['a', 'b', 'c'].map(ex);
    // Each round solves exactly one more case (the n-th after n trainings).
    const { engine } = scripted(cases, (id, _s, trained) => (cases.findIndex((e) => e.id === id) <= trained ? right(id) : wrong(id)));
    const r = await runHdrRounds({ pool: cases.map(open), evalSet: [], replayPool: [], engine, settings: settings({ maxRounds: 2, replayShare: 0 }) });
    expect(r.stopReason).toBe('round_limit');
    expect(r.rounds.map((x) => x.solved)).toEqual([['a'], ['b']]);
    expect(r.rounds.every((x) => x.replayed === 0)).toBe(true);
  });

  it('continues round numbering from firstRound, so ids of a resumed pool stay unique', async () => {
    const a = ex('a');
    const { engine } = scripted([a], (id) => right(id));
    const rounds: number[] = [];
    const r = await runHdrRounds({ pool: [open(a)], evalSet: [], replayPool: [], engine, settings: settings(), firstRound: 4, hooks: { onHardCases: (round) => void rounds.push(round) } });
    expect(r.rounds.map((x) => x.round)).toEqual([4]);
    expect(r.added.map((e) => [e.id, e.hdrRound])).toEqual([['a#hdr4.0', 4]]);
    expect(rounds).toEqual([3, 4]);
    await expect(runHdrRounds({ pool: [], evalSet: [], replayPool: [], engine, settings: settings(), firstRound: 0 })).rejects.toThrow(/firstRound/);
  });

  it('counts a sample an earlier HDR run already added as a duplicate, not a new example', async () => {
    // Every studio HDR run mines the training side again and appends what it accepts: the same
    // answer to the same case used to be added once per run.
    const a = ex('a');
    const { engine } = scripted([a], (id) => right(id));
    const first = await runHdrRounds({ pool: [open(a)], evalSet: [], replayPool: [a], engine, settings: settings({ maxRounds: 1 }) });
    expect(first.added.map((e) => e.id)).toEqual(['a#hdr1.0']);
    const second = await runHdrRounds({ pool: [open(a)], evalSet: [], replayPool: [a, ...first.added], engine, settings: settings({ maxRounds: 1 }), firstRound: 2 });
    expect(second.added).toEqual([]);
    expect(second.rounds[0]).toMatchObject({ gatePassed: 3, accepted: 0, duplicates: 3 });
  });

  it('numbers its rounds after the earlier HDR samples in the data, so a new sample never takes one\'s id', async () => {
    // `studio hdr --data d.jsonl,run1/hdr-examples.jsonl`: a run folder starts at round 1, and a
    // new answer for `a` was added as `a#hdr1.0` beside run 1's `a#hdr1.0` (a later import keeps
    // one of them and rejects the other as a duplicate id).
    const a = ex('a');
    const earlier = { ...a, id: 'a#hdr1.0', target: { reasoning: 'use lookup for a, said run 1', calls: a.target.calls }, source: 'hdr' as const, hdrRound: 1 };
    const deeper = { ...ex('b'), id: 'b#hdr3.0', source: 'hdr' as const, hdrRound: 3 };
    const { engine } = scripted([a], (id) => right(id));
    const r = await runHdrRounds({ pool: [open(a)], evalSet: [], replayPool: [a, earlier, deeper], engine, settings: settings({ maxRounds: 1 }) });
    expect(r.rounds.map((x) => x.round)).toEqual([4]);
    expect(r.added.map((e) => [e.id, e.hdrRound])).toEqual([['a#hdr4.0', 4]]);
    // A sample whose question is held out is on neither side (studio hdr --mine eval mines that
    // question): known all the same, never replayed.
    const again = scripted([a], (id) => right(id));
    const held = await runHdrRounds({ pool: [open(a)], evalSet: [], replayPool: [ex('c')], heldOutSamples: [earlier], engine: again.engine, settings: settings({ maxRounds: 1, replayShare: 0.5 }) });
    expect(held.rounds.map((x) => x.round)).toEqual([2]);
    expect(held.added.map((e) => e.id)).toEqual(['a#hdr2.0']);
    expect(again.calls.train.flatMap((t) => t.ids)).not.toContain('a#hdr1.0');
  });

  it('never adds again, trains on or solves with an answer the user excluded from the data', async () => {
    // The user excluded run 1's sample `a#hdr1.0` (a wrong answer the gate let through); run 2
    // sampled the same answer and added it back as `a#hdr2.0`, included, and trained on it.
    const a = ex('a');
    const first = scripted([a], (id) => right(id));
    const one = await runHdrRounds({ pool: [open(a)], evalSet: [], replayPool: [a], engine: first.engine, settings: settings({ maxRounds: 1 }) });
    expect(one.added.map((e) => e.id)).toEqual(['a#hdr1.0']);
    const { engine, calls } = scripted([a], (id, sample) => (sample === 'greedy' ? wrong(id) : right(id)));
    const two = await runHdrRounds({ pool: [open(a)], evalSet: [], replayPool: [a], excludedSamples: one.added, engine, settings: settings({ maxRounds: 1, replayShare: 0 }) });
    expect(two.added).toEqual([]);
    expect(two.rounds[0]).toMatchObject({ round: 2, gatePassed: 3, accepted: 0, duplicates: 3, solved: [], poolAfter: 1 });
    expect(calls.train).toEqual([]);
    expect(two.pool[0]).toMatchObject({ status: 'open', round: 2 });
  });

  it('trains on an earlier run\'s sample that a round accepts again, instead of calling its case solved untrained', async () => {
    // A second HDR run from the same training run (or after a run whose adapter was lost): its
    // model fails `a` again and samples the answer run 1 added. Not a new example, but the case
    // left the pool as solved while no round trained on that answer: the run ended "every hard
    // case was solved" with its adapter as it started.
    const a = ex('a');
    const b = ex('b');
    const first = scripted([a], (id) => right(id));
    const one = await runHdrRounds({ pool: [open(a)], evalSet: [], replayPool: [a], engine: first.engine, settings: settings({ maxRounds: 1 }) });
    expect(one.added.map((e) => e.id)).toEqual(['a#hdr1.0']);
    const { engine, calls } = scripted([a, b], (id, sample) => (sample === 'greedy' ? wrong(id) : right(id)));
    const two = await runHdrRounds({ pool: [open(a)], evalSet: [], replayPool: [a, b, ...one.added], engine, settings: settings({ maxRounds: 1, replayShare: 0 }), firstRound: 2 });
    expect(two.added).toEqual([]);
    expect(two.rounds[0]).toMatchObject({ accepted: 0, duplicates: 3, solved: ['a'] });
    expect(calls.train.map((t) => t.ids)).toEqual([['a#hdr1.0']]);
    expect(two.rounds[0].training).not.toBeNull();
  });

  it('mines and replays the dataset’s own examples only; a sample of an earlier run’s sample is a duplicate of its case', async () => {
    // A third HDR run over a dataset two runs grew: mining `a#hdr1.0` again made `a#hdr1.0#hdr2.0`,
    // `…#hdr3.0`: one question copied once per run, counted as a hard case of its own each time.
    const a = ex('a');
    const r1 = ex('r1');
    const hdr1 = { ...a, id: 'a#hdr1.0', source: 'hdr' as const, hdrRound: 1 };
    const nested = { ...a, id: 'a#hdr1.0#hdr2.0', source: 'hdr' as const, hdrRound: 2 };
    expect(minableExamples([a, hdr1, nested, r1]).map((e) => e.id)).toEqual(['a', 'r1']);
    // A mining limit counts the dataset's own examples (an ablation's HDR arm mined fewer than asked).
    expect(firstMinable([hdr1, nested, a, r1], 2).map((e) => e.id)).toEqual(['a', 'r1']);
    expect([hardCaseRootId('a#hdr1.0#hdr2.0'), hardCaseRootId('a#hdr3.1'), hardCaseRootId('a')]).toEqual(['a', 'a', 'a']);
    const { engine, calls } = scripted([a, r1], (id, sample) => (sample === 'greedy' ? wrong(id) : right(id, `#${sample}`)));
    const r = await runHdrRounds({ pool: [open(a)], evalSet: [], replayPool: [a, r1, hdr1, nested], engine, settings: settings({ maxRounds: 1, replayShare: 0.5 }), firstRound: 3 });
    expect(r.added.length).toBeGreaterThan(0);
    // Replay drew from a and r1 only, never an earlier run's sample.
    const replayed = calls.train[0].ids.filter((id) => !r.added.some((e) => e.id === id));
    expect(replayed.length).toBe(r.rounds[0].replayed);
    expect(replayed.every((id) => id === 'a' || id === 'r1')).toBe(true);
  });

  it('a round that retrained nothing reports no held-out accuracy after it (the page and the CLI show —, not the before value again)', async () => {
    // The round solves nothing, so it neither retrains nor re-evaluates: "50% → 50%" read as a
    // measured, unchanged accuracy.
    const cases = ['a', 'b'].map(ex);
    const { engine, calls } = scripted(cases, (id, sample) => (sample === 'greedy' && id === 'a' ? right(id) : wrong(id)));
    const r = await runHdrRounds({ pool: [open(cases[1])], evalSet: cases, replayPool: [], engine, settings: settings() });
    expect(r.stopReason).toBe('pool_stopped_shrinking');
    expect(calls.train).toEqual([]);
    expect(r.rounds[0]).toMatchObject({ accepted: 0, training: null, evalAccuracyBefore: 0.5, evalAccuracyAfter: null });
    // Nor answers that changed: nothing was measured again.
    expect(r.rounds[0].evalChanges).toBeUndefined();
    expect(runAnswerChanges(r.rounds)).toBeNull();
  });

  it('counts the held-out answers a round broke beside those it fixed, over the round and since the start', async () => {
    // Eight held-out examples: e0–e3 right before; after round 1, e0 breaks and e4–e6 are fixed; after
    // round 2, e0 is right again (e7 stays wrong throughout).
    const evalSet = Array.from({ length: 8 }, (_, i) => ex(`e${i}`));
    const cases = [ex('h1'), ex('h2')];
    const rightAfter = [new Set([0, 1, 2, 3]), new Set([1, 2, 3, 4, 5, 6]), new Set([0, 1, 2, 3, 4, 5, 6])];
    const { engine } = scripted([...evalSet, ...cases], (id, sample, trained) => {
      if (sample !== 'greedy') return id === `h${trained + 1}` ? right(id, `#${sample}`) : wrong(id);
      const i = Number(id.slice(1));
      return id.startsWith('e') && rightAfter[trained].has(i) ? right(id) : wrong(id);
    });
    const r = await runHdrRounds({ pool: cases.map(open), evalSet, replayPool: [], engine, settings: settings({ maxRounds: 2, replayShare: 0 }) });
    expect(r.rounds.map((x) => [x.evalAccuracyBefore, x.evalAccuracyAfter])).toEqual([[0.5, 0.75], [0.75, 0.875]]);
    expect(r.rounds.map((x) => x.evalChanges)).toEqual([{ fixed: 3, broken: 1 }, { fixed: 1, broken: 0 }]);
    // Since the start: e4–e6 fixed, e0 back as it was.
    expect(r.rounds.map((x) => x.evalChangesSinceStart)).toEqual([{ fixed: 3, broken: 1 }, { fixed: 3, broken: 0 }]);
    expect(runAnswerChanges(r.rounds)).toEqual({ before: 0.5, after: 0.875, fromRound: 1, toRound: 2, fixed: 3, broken: 0 });
  });

  it('never accepts a sample the token limit cut off before it declined to call, as evaluation never counts one right', async () => {
    // A question no function fits: "<think>…</think>I cannot hel" ran out of tokens mid-reply.
    // Evaluation fails it (it may have been about to call); the gate took it and trained the
    // model to stop mid-sentence.
    const none: Example = { id: 'n', tools, messages: [{ role: 'user', content: 'tell me a joke' }], target: { reasoning: 'no function fits', calls: [], content: 'No tool fits.' }, source: 'openai' };
    const cut = '<think>lookup does not fit a joke</think>I cannot hel';
    const engine: HdrEngine = {
      generate: async (prompts, gen) => prompts.map(() => ({ tokens: Array.from(cut, (ch) => ch.charCodeAt(0)), finishReason: gen.temperature ? ('length' as const) : ('eos' as const) })),
      encodePrompt: () => [0],
      decode: (ids) => String.fromCharCode(...ids),
      train: async (batch) => ({ steps: 1, examples: batch.length, lossFirst: 1, lossLast: 1, skipped: [] }),
    };
    const samples: HdrSample[] = [];
    const r = await runHdrRounds({ pool: [open(none)], evalSet: [], replayPool: [], engine, settings: settings({ maxRounds: 1 }), hooks: { onSamples: (_r, s) => void samples.push(...s) } });
    expect(r.added).toEqual([]);
    expect(samples.map((x) => [x.accepted, x.answerCorrect, x.failures[0]?.rule])).toEqual([[false, false, 'answer'], [false, false, 'answer'], [false, false, 'answer']]);
    expect(samples[0].failures[0].detail).toMatch(/Max new tokens limit/);
    expect(r.rounds[0]).toMatchObject({ passAtK: 0, accepted: 0, solved: [] });
  });

  it('measures held-out accuracy as an evaluation run does: an example too long for the model\'s context is not asked', async () => {
    // HDR's evaluations dropped the model's context length, so they asked (and failed) the
    // examples an evaluation run of the same adapter leaves out: two accuracies for one model.
    const [short, long, hard] = ['short', 'long', 'hard'].map(ex);
    const { engine } = scripted([short, long, hard], (id, sample) => (id === 'short' || (id === 'hard' && sample !== 'greedy') ? right(id) : wrong(id)));
    const encode = engine.encodePrompt;
    engine.encodePrompt = (e) => (e.id === 'long' ? [...encode(e), ...new Array(99).fill(0)] : encode(e));
    engine.maxPositions = 80; // 1 + 64 new tokens fit, 100 + 64 do not
    const alone = await evaluateExamples([short, long], engine, { maxNewTokens: 64 });
    expect(alone).toMatchObject({ total: 1, accuracy: 1, tooLong: 1 });
    const r = await runHdrRounds({ pool: [open(hard)], evalSet: [short, long], replayPool: [], engine, settings: settings({ maxRounds: 1 }) });
    expect(r.rounds[0]).toMatchObject({ evalAccuracyBefore: alone.accuracy, evalAccuracyAfter: alone.accuracy });
    // Mining too: nothing asked is no "every mined example answered correctly".
    await expect(mineHardCases([long], engine, settings())).rejects.toThrow("no hard case could be mined: 1 example was not asked: its prompt and the answer's 64 tokens pass the model's 80-token context (not counted in the accuracy)");
    // Some asked: the ones left out are counted in the notes, not only missing from the totals.
    const some = await mineHardCases([short, long], engine, settings());
    expect(some.notes).toEqual(["1 example was not asked: its prompt and the answer's 64 tokens pass the model's 80-token context (not counted in the accuracy)"]);
  });

  // A held-out question a training example asks word for word is answered from memory: HDR's
  // before/after accuracy moved on it like on any other, and nothing said so.
  it('counts the held-out questions training also asks apart, before and after each round', async () => {
    const [x, y, h] = ['x', 'y', 'h'].map(ex);
    const r1 = ex('r1');
    const twin: Example = { ...ex('twin'), messages: r1.messages, target: { reasoning: 'lookup it', calls: [{ name: 'lookup', arguments: { q: 'twin' } }] } };
    const { engine } = scripted([x, y, h, twin, r1], (id, sample, trained) => {
      if (id === 'h') return sample === 'greedy' ? wrong(id) : right(id);
      if (id === 'twin') return trained >= 1 ? right(id) : wrong(id);
      return id === 'y' ? wrong(id) : right(id);
    });
    const r = await runHdrRounds({ pool: [open(h)], evalSet: [x, y, twin], replayPool: [r1], engine, settings: settings({ maxRounds: 1 }) });
    expect(r.rounds[0]).toMatchObject({ evalAccuracyBefore: 1 / 3, evalAccuracyAfter: 2 / 3, evalNotAsked: { before: { correct: 1, total: 2 }, after: { correct: 1, total: 2 } } });
    const pct = (v: number | null) => (v === null ? '—' : `${Math.round(v * 100)}%`);
    expect(roundAccuracyText(r.rounds[0], pct)).toBe('33% → 67% (on the questions training does not ask 1/2 → 1/2)');
    expect(roundAccuracyText({ ...r.rounds[0], evalAccuracyAfter: null, training: null }, pct)).toBe('33% (not retrained: no sample accepted; on the questions training does not ask 1/2)');
    // No held-out question asked in training: nothing set apart.
    const plain = await runHdrRounds({ pool: [open(h)], evalSet: [x, y], replayPool: [r1], engine: scripted([x, y, h, r1], (id, sample) => (id === 'y' || (id === 'h' && sample === 'greedy') ? wrong(id) : right(id))).engine, settings: settings({ maxRounds: 1 }) });
    expect(plain.rounds[0]).not.toHaveProperty('evalNotAsked');
    expect(roundAccuracyText(plain.rounds[0], pct)).toBe('50% → 50%');
  });

  it('counts pass@k with evaluation\'s answer check: an unreadable reply to a question no function fits passes it, and is still not trained on', async () => {
    // BFCL (and evaluation) take an answer that decodes to no call as declining, so it is right;
    // the gate reported it as a wrong answer, and pass@k disagreed with the eval score.
    const none: Example = { id: 'n', tools, messages: [{ role: 'user', content: 'tell me a joke' }], target: { reasoning: 'no function fits', calls: [], content: 'No tool fits.' }, source: 'openai' };
    const unreadable = '<think>lookup does not fit</think><tool_call>{"name":"lookup","arguments":{"q":';
    const { engine } = scripted([none], (_id, sample) => (sample === 'greedy' ? 'x' : unreadable));
    expect(checkPrediction(none, unreadable, 'eos', 20).valid).toBe(true);
    const samples: HdrSample[] = [];
    const r = await runHdrRounds({ pool: [open(none)], evalSet: [], replayPool: [], engine, settings: settings({ maxRounds: 1 }), hooks: { onSamples: (_r, s) => void samples.push(...s) } });
    expect(samples.map((x) => [x.answerCorrect, x.accepted, x.failures.map((f) => f.rule).join()])).toEqual(new Array(3).fill([true, false, 'parse']));
    expect(r.rounds[0]).toMatchObject({ passAtK: 1, accepted: 0, rejectedByRule: { parse: 3 }, rightButRejected: { samples: 3, byRule: { parse: 3 }, casesLeftOpen: 1 } });
  });

  it('stops at an abort: training is told, the partial evaluation is not reported as accuracy', async () => {
    const cases = ['a', 'b'].map(ex);
    const { engine, calls } = scripted(cases, (id, sample) => (sample === 'greedy' || id === 'a' ? right(id) : wrong(id)));
    const controller = new AbortController();
    const r = await runHdrRounds({
      pool: cases.map(open), evalSet: cases, replayPool: [], engine, settings: settings(), signal: controller.signal, initialEvalAccuracy: 0.5,
      hooks: { onSamples: () => controller.abort() },
    });
    expect(r.stopReason).toBe('aborted');
    expect(r.rounds).toHaveLength(1);
    expect(r.rounds[0]).toMatchObject({ solved: ['a'], evalAccuracyBefore: 0.5, evalAccuracyAfter: null });
    expect(calls.train.map((t) => t.aborted)).toEqual([true]);
  });

  it('a cancel during the last round\'s retraining is "aborted", not "every hard case was solved" or "the round limit"', async () => {
    // Ctrl-C while the round that empties the pool (or the last allowed round) retrains: the
    // training was cut short and the held-out accuracy after it never measured, so the run was
    // cancelled (the CLI exits 130), whatever the pool says.
    for (const maxRounds of [1, 10]) {
      const cases = ['a', 'b'].map(ex);
      const { engine } = scripted(cases, (id, sample) => (sample === 'greedy' ? wrong(id) : maxRounds === 1 && id === 'b' ? wrong(id) : right(id)));
      const controller = new AbortController();
      const train = engine.train;
      engine.train = (batch, round) => {
        controller.abort();
        return train(batch, round, controller.signal);
      };
      const r = await runHdrRounds({ pool: cases.map(open), evalSet: cases, replayPool: [], engine, settings: settings({ maxRounds }), signal: controller.signal, initialEvalAccuracy: 0 });
      expect(r.rounds).toHaveLength(1);
      expect(r.rounds[0].evalAccuracyAfter).toBeNull();
      expect(r.stopReason, `maxRounds ${maxRounds}`).toBe('aborted');
      // The round says it was cut short: it read as a finished round (CLI line, rounds table).
      expect(r.rounds[0].cancelledIn).toBe('retraining');
    }
  });

  it('a round cancelled while it retrains or re-evaluates says so; a round that ran to its end says nothing', async () => {
    for (const phase of ['retraining', 're-evaluation', null] as const) {
      const cases = ['a', 'b', 'c'].map(ex);
      // One case solved per round: the pool shrinks and does not empty in round 1.
      const { engine } = scripted(cases, (id, sample) => (sample === 'greedy' || id !== 'a' ? wrong(id) : right(id)));
      const controller = new AbortController();
      const { train, generate } = engine;
      let trained = false;
      engine.train = async (batch, round) => {
        if (phase === 'retraining') controller.abort();
        const t = await train(batch, round, controller.signal);
        trained = true;
        // Cancelled before its 5 steps were all taken.
        return phase === 'retraining' ? { ...t, steps: 2 } : t;
      };
      // Cancelled as the held-out evaluation after the retraining starts.
      engine.generate = (prompts, s) => {
        if (trained && phase === 're-evaluation') controller.abort();
        return generate(prompts, s);
      };
      const r = await runHdrRounds({ pool: cases.map(open), evalSet: cases, replayPool: [], engine, settings: settings({ maxRounds: 1 }), signal: controller.signal, initialEvalAccuracy: 0 });
      expect(r.rounds).toHaveLength(1);
      expect(r.rounds[0].cancelledIn, String(phase)).toBe(phase ?? undefined);
      expect(roundCancelledText(r.rounds[0])).toBe(
        phase === 'retraining'
          ? 'round 1 was cancelled during its retraining, after 2 steps: the adapter holds those, and the held-out accuracy after the round was not measured'
          : phase === 're-evaluation'
            ? 'round 1 was cancelled during its held-out evaluation after retraining: the accuracy after the round was not measured'
            : null,
      );
      expect(hdrStoppedText({ rounds: 1, stopReason: r.stopReason, cutShort: phase ? { round: 1, phase } : undefined })).toBe(
        phase ? `stopped in round 1's ${phase} (cancelled)` : 'stopped after 1 round (the round limit was reached)',
      );
    }
  });

  it('a mining cancelled before any failure is "aborted", not "every hard case was solved", and mining and sampling count their progress', async () => {
    const cases = ['a', 'b', 'c'].map(ex);
    const { engine } = scripted(cases, (id, sample) => (sample === 'greedy' ? wrong(id) : right(id)));
    const controller = new AbortController();
    const counts: string[] = [];
    const onCount = (label: string, done: number, total: number) => counts.push(`${label} ${done}/${total}`);
    // Cancelled after the first greedy answer: the short pool must not read as "all solved".
    const mined = await mineHardCases(cases, engine, settings({ batchSize: 1 }), controller.signal, (label, done, total) => {
      onCount(label, done, total);
      controller.abort();
    });
    expect(mined.report.aborted).toBe(true);
    expect(counts).toEqual(['mining hard cases from 3 examples 1/3']);
    const r = await runHdrRounds({ pool: [], evalSet: [], replayPool: [], engine, settings: settings(), signal: controller.signal });
    expect(r.stopReason).toBe('aborted');

    counts.length = 0;
    const full = await runHdrRounds({ pool: cases.map(open), evalSet: [], replayPool: [], engine, settings: settings({ maxRounds: 1 }), hooks: { onCount } });
    expect(full.rounds).toHaveLength(1);
    expect(counts).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => `round 1: sampling answers for 3 hard cases ${n}/9`));
  });

  it('generates a round batchSize sequences at a time, a case\'s k samples side by side, each with its own seed: any batch size gives the same samples', async () => {
    const cases = ['a', 'b', 'c', 'd', 'e'].map(ex);
    const k = 3;
    /** A "model" whose answer depends only on the prompt and the sequence's seed, as the engine's is. */
    const seeded = (log: Array<{ ids: string[]; seeds: number[]; batchSize?: number }>): HdrEngine => ({
      generate: async (prompts, gen) => {
        if (gen.temperature) log.push({ ids: prompts.map(([i]) => cases[i].id), seeds: gen.seeds!, batchSize: gen.batchSize });
        return prompts.map(([i], j) => {
          const id = cases[i].id;
          const text = !gen.temperature ? wrong(id) : gen.seeds![j] % 4 === 0 ? right(id) : `${wrong(id)}#${gen.seeds![j]}`;
          return { tokens: Array.from(text, (ch) => ch.charCodeAt(0)), finishReason: 'eos' as const };
        });
      },
      encodePrompt: (e) => [cases.findIndex((x) => x.id === e.id)],
      decode: (ids) => String.fromCharCode(...ids),
      train: async (batch) => ({ steps: 1, examples: batch.length, lossFirst: 1, lossLast: 1, skipped: [] }),
    });
    const runWith = async (batchSize: number) => {
      const log: Array<{ ids: string[]; seeds: number[]; batchSize?: number }> = [];
      const samples: HdrSample[] = [];
      await runHdrRounds({
        pool: cases.map(open), evalSet: [], replayPool: [], engine: seeded(log), settings: settings({ samplesPerCase: k, batchSize, maxRounds: 1, replayShare: 0 }),
        hooks: { onSamples: (_r, s) => void samples.push(...s) },
      });
      return { log, samples };
    };
    const one = await runWith(1);
    const four = await runWith(4);
    const all = await runWith(64);
    // One generate call for the round's 5 cases · 3 samples, decoding batchSize of them at a time.
    expect([one, four, all].map((r) => r.log.map((c) => [c.ids.length, c.batchSize]))).toEqual([[[15, 1]], [[15, 4]], [[15, 64]]]);
    // Case-major: a case's samples are adjacent, in sample order.
    expect(all.log[0].ids).toEqual(cases.flatMap((c) => [c.id, c.id, c.id]));
    const seeds = all.log[0].seeds;
    expect(seeds).toEqual(cases.flatMap((c) => [0, 1, 2].map((s) => hdrSampleSeed(DEFAULT_HDR_SETTINGS.seed, 1, c.id, s))));
    expect(new Set(seeds).size).toBe(seeds.length);
    expect(four.log.flatMap((c) => c.seeds)).toEqual(seeds);
    expect(one.samples).toEqual(all.samples);
    expect(four.samples).toEqual(all.samples);
    expect(all.samples.some((x) => x.accepted) && all.samples.some((x) => !x.accepted), 'the seeds decide: some samples pass, some fail').toBe(true);
  });

  it('mines greedy failures as round-0 hard cases, leaving out examples that fail the base check', async () => {
    const good = ex('good');
    const bad = ex('bad');
    const broken: Example = { ...ex('broken'), target: { reasoning: 'x', calls: [{ name: 'nope', arguments: {} }] } };
    const { engine } = scripted([good, bad, broken], (id) => (id === 'good' ? right(id) : wrong(id)));
    const m = await mineHardCases([good, bad, broken], engine, settings());
    expect(m.ineligible).toEqual(['broken']);
    expect(m.report.total).toBe(2);
    expect(m.pool).toEqual([{ example: bad, failedOutputs: [wrong('bad')], round: 0, status: 'open' }]);
    // Mined from 2 of the 3 chosen: said with the count and the first reason, not left to be noticed.
    expect(m.notes).toHaveLength(1);
    expect(m.notes[0]).toMatch(/^1 example not mined: it fails the quality check HDR requires \(example "broken": /);
  });

  it('says how many mined and sampled answers stopped at the token limit, as an evaluation says it', async () => {
    // studio hdr --max-tokens 48 said "mined 9 hard cases from 10 train examples (accuracy 10.0%)"
    // with every answer cut off, and its rounds said nothing of the samples cut off either.
    const [a, b] = ['a', 'b'].map(ex);
    const cutText = '<think>use lookup for';
    const engine: HdrEngine = {
      // a's greedy answer is right; every other answer runs into the limit.
      generate: async (prompts, gen) => prompts.map(([i]) => (i === 0 && !gen.temperature ? { tokens: Array.from(right('a'), (ch) => ch.charCodeAt(0)), finishReason: 'eos' as const } : { tokens: Array.from(cutText, (ch) => ch.charCodeAt(0)), finishReason: 'length' as const })),
      encodePrompt: (e) => [e.id === 'a' ? 0 : 1],
      decode: (ids) => String.fromCharCode(...ids),
      train: async (batch) => ({ steps: 1, examples: batch.length, lossFirst: 1, lossLast: 1, skipped: [] }),
    };
    const m = await mineHardCases([a, b], engine, settings({ maxNewTokens: 48 }));
    expect(m.pool.map((c) => c.example.id)).toEqual(['b']);
    expect(m.notes).toEqual(['1 of 2 answers stopped at the Max new tokens 48 limit; raise it if that answer was cut off mid-answer (an answer cut off before it was whole fails, and is mined as a hard case)']);
    const r = await runHdrRounds({ pool: m.pool, evalSet: [], replayPool: [], engine, settings: settings({ maxRounds: 1, maxNewTokens: 48 }) });
    expect(r.rounds[0]).toMatchObject({ samples: 3, sampleEndings: { length: 3 } });
    expect(roundCutOffText(r.rounds[0], '--max-tokens 48')).toBe('round 1: 3 of 3 sampled answers stopped at the --max-tokens 48 limit; raise it if they were cut off mid-answer');
    // Samples that ended on their own, or a round recorded before endings were kept, say nothing.
    expect(roundCutOffText({ ...r.rounds[0], sampleEndings: { eos: 3 } }, '--max-tokens 48')).toBeNull();
    expect(roundCutOffText({ ...r.rounds[0], sampleEndings: undefined }, '--max-tokens 48')).toBeNull();
    // The round's held-out evaluation cut off alike: its accuracy counts those answers wrong, said under it.
    const held = await runHdrRounds({ pool: m.pool, evalSet: [b], replayPool: [], engine, settings: settings({ maxRounds: 1, maxNewTokens: 48 }) });
    expect(held.rounds[0]).toMatchObject({ evalAccuracyBefore: 0, evalEndings: { finishReasons: { length: 1 }, total: 1 } });
    expect(roundNotes(held.rounds[0], '--max-tokens 48')).toContain('round 1: 1 of 1 held-out answer stopped at the --max-tokens 48 limit; raise it if that held-out answer was cut off mid-answer');
    expect(roundNotes(r.rounds[0], '--max-tokens 48').some((n) => n.includes('held-out answer'))).toBe(false);
  });

  it('mining examples none of which passes the base check fails naming one, instead of "every mined example answered correctly"', async () => {
    // The studio mines the examples the user included, failing ones too: all left out, the run
    // ended "the model answered every mined example correctly: no hard case" without asking the model.
    const broken: Example = { ...ex('broken'), target: { reasoning: 'x', calls: [{ name: 'nope', arguments: {} }] } };
    const { engine } = scripted([broken], (id) => wrong(id));
    await expect(mineHardCases([broken], engine, settings())).rejects.toThrow(/^none of the 1 example to mine passes the quality check HDR requires \(example "broken": /);
  });

  it('never mines an earlier HDR run\'s sample as a hard case of its own (an ablation\'s HDR arm mines the training side as it is)', async () => {
    // Mined, `a#hdr1.0` was a second hard case of question `a`: the pool counted it twice, and its
    // samples (`a#hdr1.0#hdr2.0`) escaped the de-duplication against `a`'s.
    const a = ex('a');
    const sample = { ...a, id: 'a#hdr1.0', source: 'hdr' as const, hdrRound: 1 };
    const { engine } = scripted([a, sample], (id) => wrong(id));
    const m = await mineHardCases([a, sample], engine, settings());
    expect(m.pool.map((c) => c.example.id)).toEqual(['a']);
    expect(m.report.total).toBe(1);
  });

  it('computes the replay count from the share and validates settings', () => {
    expect(replayCount(10, 0.5, 100)).toBe(10);
    expect(replayCount(10, 0.2, 100)).toBe(3); // 10·0.2/0.8 = 2.5 → 3 (rounded half up)
    expect(replayCount(10, 0.5, 4)).toBe(4);
    expect(replayCount(0, 0.5, 4)).toBe(0);
    expect(() => validateHdrSettings({ ...DEFAULT_HDR_SETTINGS, replayShare: 1 })).toThrow(/replayShare/);
    expect(() => validateHdrSettings({ ...DEFAULT_HDR_SETTINGS, temperature: 0 })).toThrow(/temperature/);
    expect(() => validateHdrSettings({ ...DEFAULT_HDR_SETTINGS, samplesPerCase: 0 })).toThrow(/samplesPerCase/);
    // -1 and 2^32 − 1 sample alike (generators keep 32 bits); one of them must not pass as another seed.
    expect(() => validateHdrSettings({ ...DEFAULT_HDR_SETTINGS, seed: -1 })).toThrow('HDR settings: seed must be a whole number from 0 to 4,294,967,295, got -1');
    expect(() => validateHdrSettings({ ...DEFAULT_HDR_SETTINGS, seed: 2 ** 32 })).toThrow(/seed must be a whole number from 0/);
    expect(() => validateHdrSettings({ ...DEFAULT_HDR_SETTINGS, seed: 2 ** 32 - 1 })).not.toThrow();
    expect(() => validateHdrSettings(DEFAULT_HDR_SETTINGS)).not.toThrow();
  });
});
