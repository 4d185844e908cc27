// HDR end to end on a real tiny model (Qwen3 architecture, vocab 97) on SwiftShader, with the real
// generator, the real trainer, the real checker and the real gate (tests/hdr/synthetic-task.ts
// is the task and its tiny tokenizer). The model is first trained on the "even" tasks
// (j + v even); it then answers the odd ones wrongly (it guesses x from the function), so those
// are the hard cases. Protects: the pool shrinks over rounds, some hard cases are solved only
// after a round of retraining on accepted samples, every added example passed the gate, and a
// sample that fails the gate is never added — shown with one hard case whose sampled answers are
// correct calls with the reasoning cut out (an injected fault on top of the real generator's
// output, since a trained model of this task always reasons).
import { describe, expect, it } from 'vitest';
import { generateTinyModel, tinyTestOptions } from '../../src/model/tiny-model.ts';
import { memoryModelFiles } from '../../src/model/model-files.ts';
import { loadEngineModel } from '../../src/model/engineModel.ts';
import { generate } from '../../src/model/generate.ts';
import { Trainer } from '../../src/train/trainer.ts';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../../src/train/config.ts';
import { bindGenerator, type GenerateFn } from '../../src/eval/index.ts';
import { mineHardCases, qualityGate, runHdrRounds, trainerRetraining, type HardCase, type HdrEngine, type HdrSample, type HdrSettings } from '../../src/hdr/index.ts';
import type { Example } from '../../src/data/example.ts';
import { testGpu } from '../helpers/gpu.ts';
import * as task from './synthetic-task.ts';

const THINK_OPEN = 30;
const THINK_CLOSE = 31;

/** The real generator, except that answers to `trapPrompt` lose their reasoning tokens. */
function stripReasoningFor(trapPrompt: number[], real: GenerateFn): GenerateFn {
  const isTrap = (p: number[]) => p.length === trapPrompt.length && p.every((t, i) => t === trapPrompt[i]);
  return async (prompts, settings) => {
    const outs = await real(prompts, settings);
    return outs.map((o, i) => {
      if (!isTrap(prompts[i])) return o;
      const open = o.tokens.indexOf(THINK_OPEN);
      const close = o.tokens.indexOf(THINK_CLOSE);
      return open >= 0 && close > open ? { ...o, tokens: [...o.tokens.slice(0, open + 1), ...o.tokens.slice(close)] } : o;
    });
  };
}

describe('HDR on a tiny model', () => {
  it('shrinks the hard pool over rounds and only ever adds samples that pass the gate', async () => {
    const config: RunConfig = {
      ...DEFAULT_RUN_CONFIG,
      lora: { rank: 4, alpha: 8, useRsLora: false, dropout: 0, targets: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] },
      lr: 2e-2, warmupSteps: 2, steps: 20, batchSize: 8, seqLen: 20, schedule: 'constant', maxGradNorm: 1, seed: 3,
    };
    const tiny = generateTinyModel(tinyTestOptions('qwen3'));
    const model = await loadEngineModel(await testGpu(), memoryModelFiles(tiny.files, 'tiny-qwen3'), { lora: config.lora, seed: 1, maxTokens: config.batchSize * config.seqLen });
    const all: Example[] = [];
    for (let j = 0; j < task.FUNCTIONS; j++) for (let v = 0; v < task.VALUES; v++) all.push(task.taskExample(j, v));
    const isHardTask = (e: Example) => (Number(e.id[2]) - Number(e.id[1]) + 9) % 3 === 0;
    const qualified = all.filter((e) => !isHardTask(e));

    // Cold start on the even tasks (the paper's qualified set).
    const coldStart = new Trainer(model.state, qualified.map(task.tokenize), config);
    for (let i = 0; i < config.steps; i++) await coldStart.trainStep();
    coldStart.destroy();

    const trap = task.taskExample(0, 1);
    const real = bindGenerator(generate, model.state);
    const settings: HdrSettings = {
      samplesPerCase: 6, temperature: 0.7, topP: 1, maxRounds: 4, stepsPerRound: 10, replayShare: 0.5,
      maxNewTokens: 12, batchSize: 24, seed: 11, maxFailedOutputs: 4,
    };
    const retrain = trainerRetraining(model.state, { config, stepsPerRound: settings.stepsPerRound, tokenize: task.tokenize });
    const engine: HdrEngine = {
      generate: stripReasoningFor(task.encodePrompt(trap), real),
      encodePrompt: task.encodePrompt,
      decode: task.decode,
      stopTokenIds: [task.EOS],
      train: (examples, round, signal) => retrain.train(examples, round, signal),
    };

    const mined = await mineHardCases(all, engine, settings);
    const minedIds = new Set(mined.pool.map((c) => c.example.id));
    // The cold-started model fails hard cases among the odd tasks, and answers the trap correctly.
    expect(mined.pool.length).toBeGreaterThanOrEqual(4);
    expect(minedIds.has(trap.id)).toBe(false);
    const trapCase: HardCase = { example: trap, failedOutputs: [], round: 0, status: 'open' };

    const samplesByRound = new Map<number, HdrSample[]>();
    const addedByRound = new Map<number, Example[]>();
    const result = await runHdrRounds({
      pool: [...mined.pool, trapCase],
      evalSet: all,
      replayPool: qualified,
      engine,
      settings,
      initialEvalAccuracy: mined.report.accuracy, // mining evaluated exactly the eval set
      hooks: {
        onSamples: (r, s) => void samplesByRound.set(r, s),
        onAccepted: (r, e) => void addedByRound.set(r, e),
      },
    });
    const rounds = result.rounds;
    console.log(rounds.map((r) => `round ${r.round}: pool ${r.poolBefore}→${r.poolAfter} pass@k ${r.passAtK.toFixed(2)} accepted ${r.accepted} rejected ${JSON.stringify(r.rejectedByRule)} eval ${r.evalAccuracyBefore?.toFixed(3)}→${r.evalAccuracyAfter?.toFixed(3)} (${(r.millis / 1000).toFixed(1)} s)`).join('\n') + `\nstop: ${result.stopReason}`);

    // The pool shrinks: never grows, and ends smaller than it started.
    expect(rounds.length).toBeGreaterThanOrEqual(2);
    expect(rounds[0].poolBefore).toBe(mined.pool.length + 1);
    for (const r of rounds) expect(r.poolAfter).toBeLessThanOrEqual(r.poolBefore);
    expect(rounds[0].poolAfter).toBeLessThan(rounds[0].poolBefore);
    expect(rounds.at(-1)!.poolAfter).toBeLessThan(rounds[0].poolBefore - 1);
    // Solvable only after training: some hard case survived round 1's samples and was solved later.
    const solvedLater = rounds.slice(1).flatMap((r) => r.solved);
    expect(solvedLater.length).toBeGreaterThan(0);
    for (const id of solvedLater) expect(minedIds.has(id)).toBe(true);

    // Every added example passed the gate; re-checking its own target text agrees.
    expect(result.added.length).toBeGreaterThan(0);
    const addedIds = new Set(result.added.map((e) => e.id));
    for (const [round, samples] of samplesByRound) {
      for (const s of samples) {
        if (s.addedAs) {
          expect(s.accepted).toBe(true);
          expect(qualityGate(all.find((e) => e.id === s.hardCaseId)!, s.output, round).accepted).toBe(true);
        } else if (!s.accepted) {
          expect(s.failures.length).toBeGreaterThan(0);
        }
      }
      for (const e of addedByRound.get(round) ?? []) {
        expect(e.source).toBe('hdr');
        expect(e.hdrRound).toBe(round);
        expect(e.target.reasoning!.includes(e.target.calls[0].name)).toBe(true);
      }
    }
    // The trap: its answers that pass the answer check have no reasoning, so it is never added.
    const trapSamples = [...samplesByRound.values()].flat().filter((s) => s.hardCaseId === trap.id);
    expect(trapSamples.length).toBe(settings.samplesPerCase * rounds.length);
    const trapCorrect = trapSamples.filter((s) => s.answerCorrect);
    expect(trapCorrect.length).toBeGreaterThan(0);
    for (const s of trapCorrect) expect(s.failures.map((f) => f.rule)).toEqual(['reasoning_missing']);
    for (const s of trapSamples) {
      expect(s.accepted).toBe(false);
      expect(s.addedAs).toBeUndefined();
    }
    expect([...addedIds].some((id) => id.startsWith(`${trap.id}#`))).toBe(false);
    expect(result.pool.find((c) => c.example.id === trap.id)!.status).toBe('open');
    // Each round that accepted samples retrained on everything accepted so far plus the replay share.
    let cumulative = 0;
    for (const r of rounds) {
      cumulative += r.accepted;
      if (r.accepted === 0) continue;
      expect(r.training).toMatchObject({ steps: settings.stepsPerRound, examples: cumulative + r.replayed, skipped: [] });
      expect(r.replayed).toBe(Math.min(qualified.length, cumulative)); // share 0.5: one replayed per HDR example
    }
    // Retraining on accepted samples is what solved them: held-out accuracy rose over the rounds.
    // (The last retrained round's: one that retrained nothing measured nothing after it.)
    expect(rounds.filter((r) => r.training).at(-1)!.evalAccuracyAfter!).toBeGreaterThan(rounds[0].evalAccuracyBefore!);
    model.release();
  }, 600_000);
});
