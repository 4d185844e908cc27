// Compiles WGSL files into compute pipelines, once per (file, entry point, override constants).
// A compile error becomes a WgslCompileError naming `shaders/<file>:<line>:<col>`.
import type { GpuContext } from './context.ts';
import { WgslCompileError } from './errors.ts';

/** A WGSL source file as imported with `?raw`, with the file name used in error messages. */
export interface ShaderFile {
  file: string;
  code: string;
  /** Set on a rewritten copy of a file (unrollLoops.ts): it compiles apart, errors name `file`. */
  variant?: string;
}

export function shaderFile(file: string, code: string): ShaderFile {
  return { file, code };
}

export type OverrideConstants = Record<string, number>;

function moduleKey(shader: ShaderFile): string {
  return shader.variant === undefined ? shader.file : `${shader.file}[${shader.variant}]`;
}

function cacheKey(shader: ShaderFile, entryPoint: string, constants?: OverrideConstants): string {
  const c = constants ? Object.keys(constants).sort().map((k) => `${k}=${constants[k]}`).join(',') : '';
  return `${moduleKey(shader)}#${entryPoint}#${c}`;
}

/** Handed out instead of a pipeline while compiling ahead; the recorder drops its dispatches. */
const DEFERRED = Object.freeze({ label: 'deferred' }) as unknown as GPUComputePipeline;

export class PipelineCache {
  private readonly modules = new Map<string, Promise<GPUShaderModule>>();
  private readonly pipelines = new Map<string, Promise<GPUComputePipeline>>();
  /** While set, pipeline() starts compiling and returns at once (see compileAhead). */
  private collecting: Array<Promise<GPUComputePipeline>> | null = null;

  constructor(private readonly ctx: GpuContext) {}

  module(shader: ShaderFile): Promise<GPUShaderModule> {
    const key = moduleKey(shader);
    let m = this.modules.get(key);
    if (!m) {
      m = compileModule(this.ctx.device, shader);
      this.modules.set(key, m);
      m.catch(() => this.modules.delete(key));
    }
    return m;
  }

  pipeline(shader: ShaderFile, entryPoint: string, constants?: OverrideConstants): Promise<GPUComputePipeline> {
    const key = cacheKey(shader, entryPoint, constants);
    let p = this.pipelines.get(key);
    if (!p) {
      p = this.createPipeline(shader, entryPoint, constants);
      this.pipelines.set(key, p);
      p.catch(() => this.pipelines.delete(key));
    }
    if (this.collecting) {
      this.collecting.push(p);
      return Promise.resolve(DEFERRED);
    }
    return p;
  }

  /** Starts collecting: pipelines requested until `endCollecting` compile concurrently. */
  beginCollecting(): void {
    this.collecting ??= [];
  }

  /** Stops collecting and waits for every pipeline requested meanwhile (rejects on a compile error). */
  async endCollecting(): Promise<number> {
    const all = this.collecting ?? [];
    this.collecting = null;
    await Promise.all(all);
    return new Set(all).size;
  }

  private async createPipeline(shader: ShaderFile, entryPoint: string, constants?: OverrideConstants): Promise<GPUComputePipeline> {
    const device = this.ctx.device;
    const module = await this.module(shader);
    // Error scopes are one stack per device and pipelines compile concurrently: the scope is
    // popped before any await, or another pipeline's error would be reported under this one.
    device.pushErrorScope('validation');
    const creating = device.createComputePipelineAsync({
      label: `${shader.file}:${entryPoint}`,
      layout: 'auto',
      compute: { module, entryPoint, constants },
    });
    const scope = device.popErrorScope();
    let pipeline: GPUComputePipeline;
    try {
      pipeline = await creating;
    } catch (err) {
      await scope;
      throw new WgslCompileError(shader.file, 0, 0, `pipeline "${entryPoint}" failed: ${(err as Error).message}`);
    }
    const scoped = await scope;
    if (scoped) throw new WgslCompileError(shader.file, 0, 0, `pipeline "${entryPoint}" failed: ${scoped.message}`);
    return pipeline;
  }

  get size(): number {
    return this.pipelines.size;
  }
}

async function compileModule(device: GPUDevice, shader: ShaderFile): Promise<GPUShaderModule> {
  device.pushErrorScope('validation');
  const module = device.createShaderModule({ label: shader.file, code: shader.code });
  const scope = device.popErrorScope();
  const info = await module.getCompilationInfo();
  const scoped = await scope;
  const firstError = info.messages.find((m) => m.type === 'error');
  if (firstError) throw new WgslCompileError(shader.file, firstError.lineNum, firstError.linePos, firstError.message);
  if (scoped) throw new WgslCompileError(shader.file, 0, 0, scoped.message);
  return module;
}
