// What HDR retrains with between rounds, one rule for the job, the CLI and the memory plan's HDR
// verdict the page asks for: configuration only, no engine code (the page imports it).
import type { HdrSettings } from '../hdr/settings.ts';
import type { LoraSettings } from '../model/lora.ts';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../train/config.ts';
import type { StoredRun } from './store/schema.ts';

/** Retraining between rounds: the run's config with a round's steps, a warm-up that fits in them,
 * and the HDR seed. */
export function retrainConfig(base: RunConfig, settings: HdrSettings): RunConfig {
  // A round retrains without held-out losses: it has no best step to keep, nor one to stop after.
  const { keepBest: _keepBest, patience: _patience, ...rest } = base;
  return { ...rest, steps: settings.stepsPerRound, warmupSteps: Math.min(base.warmupSteps, Math.max(0, settings.stepsPerRound - 1)), seed: settings.seed };
}

/** What HDR retrains with when it starts from the base model (no run picked): the studio's small
 * defaults. */
const BASE_RETRAIN: RunConfig = { ...DEFAULT_RUN_CONFIG, batchSize: 1, seqLen: 320 };

/**
 * The configuration the studio's HDR retrains with (before fitSamples sets its length): that of the
 * run it starts from (a training or HDR run; the adapter's LoRA where read), or the studio's base.
 * One rule for the job and the memory plan's HDR verdict: the plan took the Training form's batch
 * and rank, and judged another HDR than the one that runs.
 */
export function hdrRetrainConfig(from: StoredRun | null | undefined, settings: HdrSettings, lora?: LoraSettings): RunConfig {
  const base = from && (from.kind === 'train' || from.kind === 'hdr') ? from.config : BASE_RETRAIN;
  return { ...retrainConfig(base, settings), lora: lora ?? base.lora };
}
