// Errors the GPU layer raises, each with a message a user can act on.

/** A WGSL compile error, named by shader file and line so a broken kernel is found at once. */
export class WgslCompileError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly detail: string,
  ) {
    super(`shaders/${file}:${line}:${column}: ${detail}`);
    this.name = 'WgslCompileError';
  }
}

/** The device went away (driver reset, tab backgrounded too long, out of memory). Recoverable by
 * acquiring a new device and resuming from the last checkpoint. */
export class GpuDeviceLostError extends Error {
  constructor(
    readonly reason: string,
    detail: string,
  ) {
    // No closing stop: the page and the CLI end the sentence they put it in.
    super(`the GPU device was lost (${reason}): ${detail || 'no detail'}. What the job had not saved is gone; the next job gets a new device`);
    this.name = 'GpuDeviceLostError';
  }
}

/** What an out-of-memory refusal tells the user to lower, by the studio forms' labels (the CLI says
 * it in each command's flags: CliCommand.formFlags). */
export const OUT_OF_MEMORY_LOWER = 'Batch (examples) or Sequence length (tokens) when training, Answers at once or Max new tokens when generating';

/** The whole advice of an out-of-memory refusal: what a command with no setting to lower replaces. */
export const OUT_OF_MEMORY_ADVICE = `Lower ${OUT_OF_MEMORY_LOWER}, or close other tabs that use the GPU, and try again`;

/** What a refusal did to the job's results, in a refusal's message: true of a training or evaluation
 * job; a job whose results were kept before the refused work (the ONNX export's check) says its own. */
export const REFUSED_WORK_NOT_KEPT = 'results since then cannot be trusted, so the job stopped without keeping them';

/** The GPU refused work nobody was checking for errors (a validation error, or memory it could not
 * give): the commands after it may have been skipped, so nothing read back since can be trusted. */
export class GpuRefusedWorkError extends Error {
  constructor(
    readonly kind: 'validation' | 'out-of-memory',
    readonly detail: string,
  ) {
    super(
      kind === 'out-of-memory'
        ? `the GPU ran out of memory (${detail}); ${REFUSED_WORK_NOT_KEPT}. ${OUT_OF_MEMORY_ADVICE}`
        : `the GPU refused the studio's work (${detail}); ${REFUSED_WORK_NOT_KEPT}. This is a bug in the studio: please report it with this message`,
    );
    this.name = 'GpuRefusedWorkError';
  }
}

/** WebGPU is missing or refused an adapter; the message says which (what to do depends on the browser,
 * or on Node, and is said by whoever shows it). */
export class WebGpuUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebGpuUnavailableError';
  }
}

/** A request larger than what the adapter allows (a buffer, a binding, a dispatch). */
export class GpuLimitError extends Error {
  constructor(
    readonly limit: string,
    readonly requested: number,
    readonly allowed: number,
    what: string,
  ) {
    super(`${what} needs ${limit} = ${requested}, but this GPU allows ${allowed}`);
    this.name = 'GpuLimitError';
  }
}
