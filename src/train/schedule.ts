// Learning-rate schedules: linear warmup, then cosine or linear decay to `minRatio·lr`, or constant.
export type ScheduleKind = 'cosine' | 'linear' | 'constant';

export interface ScheduleConfig {
  kind: ScheduleKind;
  lr: number;
  warmupSteps: number;
  totalSteps: number;
  /** Final lr as a fraction of the peak (0 decays to zero). */
  minRatio?: number;
}

/** Learning rate at optimizer step `step` (0-based). */
export function learningRate(c: ScheduleConfig, step: number): number {
  if (c.warmupSteps > 0 && step < c.warmupSteps) return (c.lr * (step + 1)) / c.warmupSteps;
  if (c.kind === 'constant') return c.lr;
  const decaySteps = Math.max(1, c.totalSteps - c.warmupSteps);
  const progress = Math.min(1, (step - c.warmupSteps) / decaySteps);
  const minLr = c.lr * (c.minRatio ?? 0);
  const shape = c.kind === 'cosine' ? 0.5 * (1 + Math.cos(Math.PI * progress)) : 1 - progress;
  return minLr + (c.lr - minLr) * shape;
}
