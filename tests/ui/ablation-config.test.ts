// The studio's ablation and `studio ablate` set up their arms alike: the arms took the Training
// panel's "Eval loss every" and "Checkpoint every" in the studio (held-out loss steps, a token-loss
// strip and a checkpoint every 20 steps per arm) and none in the CLI, so the same ablation took
// longer in the browser and stored more. Neither changes what an arm learns; the ablation decides.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { ablationArms, defaultAblationConfig } from '../../src/jobs/ablationConfig.ts';
import { ablationConfigOf, DEFAULT_ABLATION_DRAFT } from '../../src/state/jobStore.ts';
import { runConfigFromFlags } from '../../src/cli/runFlags.ts';
import { DEFAULT_RUN_CONFIG } from '../../src/train/config.ts';

describe('an ablation’s arms', () => {
  it('take no held-out loss steps and checkpoint only at the end, from the studio and the CLI', () => {
    const training = { ...DEFAULT_RUN_CONFIG, evalEvery: 5, checkpointEvery: 10 };
    const studio = ablationArms(ablationConfigOf(DEFAULT_ABLATION_DRAFT, training));
    const cli = ablationArms(defaultAblationConfig(runConfigFromFlags({ steps: DEFAULT_RUN_CONFIG.steps })));
    for (const arm of [...studio, ...cli]) expect({ id: arm.id, evalEvery: arm.config.evalEvery, checkpointEvery: arm.config.checkpointEvery }).toEqual({ id: arm.id, evalEvery: 0, checkpointEvery: 0 });
    // The rest of an arm's training configuration is the Training panel's.
    expect(studio[0].config).toMatchObject({ steps: training.steps, lr: training.lr, seed: training.seed, evalExamples: training.evalExamples });
  });
});
