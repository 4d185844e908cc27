// HDR settings: the paper's N samples at temperature T per hard case, the round limit, and ours
// (top-p, retraining steps, replay share, generation limits), with defaults and validation whose
// messages name the field. Pure data; used by the round loop, the worker, the CLI and the UI.
import { DEFAULT_DECODE } from '../model/decoding.ts';
import { seedProblem } from '../model/random.ts';

export interface HdrSettings {
  /** Answers sampled per hard case and round (the paper's N). */
  samplesPerCase: number;
  temperature: number;
  topP: number;
  maxRounds: number;
  /** Optimizer steps of retraining after each round that accepted something. */
  stepsPerRound: number;
  /** Share in [0, 1) of each round's training set drawn from qualified (non-HDR) data. */
  replayShare: number;
  maxNewTokens: number;
  /** Sequences per generate call: a round's samples (k per case, side by side) and evaluation prompts. */
  batchSize: number;
  seed: number;
  /** Failed outputs kept per hard case (newest win). */
  maxFailedOutputs: number;
}

/** The paper's N = 3 at temperature 0.7 and its 10-round limit; the rest are ours. */
export const DEFAULT_HDR_SETTINGS: HdrSettings = {
  samplesPerCase: 3,
  temperature: 0.7,
  topP: 1,
  maxRounds: 10,
  stepsPerRound: 20,
  replayShare: 0.25,
  // The decoding the memory plan assumes: one source, so the plan sizes HDR's cache as HDR decodes.
  maxNewTokens: DEFAULT_DECODE.maxNewTokens,
  batchSize: DEFAULT_DECODE.batch,
  seed: 42,
  maxFailedOutputs: 4,
};

export function validateHdrSettings(s: HdrSettings): void {
  const whole: Array<keyof HdrSettings> = ['samplesPerCase', 'maxRounds', 'stepsPerRound', 'maxNewTokens', 'batchSize', 'maxFailedOutputs'];
  for (const k of whole) if (!(Number.isInteger(s[k]) && s[k] >= 1)) throw new Error(`HDR settings: ${k} must be a whole number ≥ 1, got ${s[k]}`);
  if (!(s.temperature > 0 && Number.isFinite(s.temperature))) throw new Error(`HDR settings: temperature must be > 0 (sampling), got ${s.temperature}`);
  if (!(s.topP > 0 && s.topP <= 1)) throw new Error(`HDR settings: topP must be in (0, 1], got ${s.topP}`);
  if (!(s.replayShare >= 0 && s.replayShare < 1)) throw new Error(`HDR settings: replayShare must be in [0, 1), got ${s.replayShare}`);
  const seed = seedProblem(s.seed);
  if (seed) throw new Error(`HDR settings: seed ${seed}`);
}

/** `replayShare` of the training set from qualified data: n·f/(1−f) examples beside n HDR ones. */
export function replayCount(hdrExamples: number, replayShare: number, available: number): number {
  if (replayShare <= 0 || hdrExamples === 0) return 0;
  return Math.min(available, Math.round((hdrExamples * replayShare) / (1 - replayShare)));
}
