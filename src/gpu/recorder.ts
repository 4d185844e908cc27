// Records compute dispatches into one command encoder and submits them together, so a training
// step is a handful of submits, not hundreds. Bind groups, with a small uniform buffer each holding
// the dispatch's parameters, are cached by (pipeline, parameters, buffers), so the thousands of
// dispatches a training step repeats every step create nothing after the first.
//
// Binding convention for every kernel: `@group(0) @binding(0) var<uniform> params` when the kernel
// has parameters, storage buffers from binding 1 up. Pipelines use layout 'auto', whose bind group
// layout holds only the bindings an entry point uses, so ops pass exactly those.
import type { GpuContext } from './context.ts';
import { GpuLimitError } from './errors.ts';

const UNIFORM = 0x40;
const COPY_DST = 0x8;
const COPY_SRC = 0x4;
const MAP_READ = 0x1;
const QUERY_RESOLVE = 0x200;
/** A long recording (a whole training step is thousands of dispatches) is submitted in pieces of this
 * many dispatches, so the GPU starts on the first layers while the CPU still encodes the last ones. */
const DISPATCHES_PER_SUBMIT = 256;
/** Dispatches per timestamp query set while profiling (two queries each; Dawn allows 4096 per set). */
const PROFILE_SET_DISPATCHES = 2048;

export type Binding = GPUBuffer | GPUBufferBinding;
export type Workgroups = readonly [number, number?, number?];

export class Recorder {
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private readonly retired: GPUBuffer[] = [];
  private sinceSubmit = 0;
  private timestamps: { querySet: GPUQuerySet; resolve: GPUBuffer; read: GPUBuffer } | null = null;
  private timedPass: 'off' | 'armed' | 'open' | 'broken' = 'off';
  dispatchCount = 0;
  /** While true, dispatches, copies and clears are dropped (a dry run that only creates pipelines). */
  discarding = false;
  /** Bind groups (with their uniforms) of dispatches seen before: a training step repeats the same
   * dispatches with the same parameters and buffers every step, and creating a bind group costs more
   * CPU time than everything else about a dispatch. */
  private readonly bindGroups = new BindGroupCache(this);
  /** Per-dispatch GPU timestamps while set (see startProfile): one compute pass per dispatch. */
  private profile: { sets: GPUQuerySet[]; labels: string[] } | null = null;

  constructor(readonly ctx: GpuContext) {}

  private ensurePass(): GPUComputePassEncoder {
    if (!this.encoder) this.encoder = this.ctx.device.createCommandEncoder({ label: 'recorder' });
    if (!this.pass) {
      if (this.timedPass === 'armed') {
        const t = this.timestamps!;
        this.pass = this.encoder.beginComputePass({ timestampWrites: { querySet: t.querySet, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 } });
        this.timedPass = 'open';
      } else {
        if (this.timedPass === 'open') this.timedPass = 'broken';
        this.pass = this.encoder.beginComputePass();
      }
    }
    return this.pass;
  }

  /** Records one dispatch. `bindings[i]` goes to binding i (0 is the uniform, filled from `params`). */
  dispatch(pipeline: GPUComputePipeline, params: ArrayBuffer | null, storage: Record<number, Binding>, workgroups: Workgroups): void {
    const [x, y = 1, z = 1] = workgroups;
    const maxPerDim = this.ctx.limits.maxComputeWorkgroupsPerDimension;
    for (const n of [x, y, z]) {
      if (n > maxPerDim) throw new GpuLimitError('maxComputeWorkgroupsPerDimension', n, maxPerDim, `dispatch of ${pipeline.label}`);
    }
    if (x === 0 || y === 0 || z === 0 || this.discarding) return;
    this.ctx.throwIfLost();
    const bindGroup = this.bindGroups.get(pipeline, params, storage);
    if (this.profile) this.openProfiledPass(pipeline.label);
    const pass = this.ensurePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(x, y, z);
    if (this.profile) {
      pass.end();
      this.pass = null;
    }
    this.dispatchCount++;
    if (++this.sinceSubmit >= DISPATCHES_PER_SUBMIT && this.timedPass === 'off') this.submit();
  }

  private openProfiledPass(label: string): void {
    const p = this.profile!;
    const slot = p.labels.length % PROFILE_SET_DISPATCHES;
    if (slot === 0) p.sets.push(this.ctx.device.createQuerySet({ type: 'timestamp', count: 2 * PROFILE_SET_DISPATCHES }));
    p.labels.push(label);
    if (!this.encoder) this.encoder = this.ctx.device.createCommandEncoder({ label: 'recorder' });
    if (this.pass) this.pass.end();
    const querySet = p.sets[p.sets.length - 1];
    this.pass = this.encoder.beginComputePass({ timestampWrites: { querySet, beginningOfPassWriteIndex: 2 * slot, endOfPassWriteIndex: 2 * slot + 1 } });
  }

  /** Starts timing every dispatch recorded from now on, each in its own compute pass (which costs a
   * little: use it to see where a step's time goes, not to time the step). Needs timestamp-query. */
  startProfile(): boolean {
    if (!this.ctx.features.has('timestamp-query')) return false;
    this.submit();
    this.profile = { sets: [], labels: [] };
    return true;
  }

  /** Stops profiling and returns GPU milliseconds per pipeline label, largest first. */
  async endProfile(): Promise<Array<{ label: string; millis: number; dispatches: number }>> {
    const p = this.profile;
    this.profile = null;
    if (!p) return [];
    this.submit();
    const device = this.ctx.device;
    const totals = new Map<string, { millis: number; dispatches: number }>();
    for (const [i, set] of p.sets.entries()) {
      const n = Math.min(PROFILE_SET_DISPATCHES, p.labels.length - i * PROFILE_SET_DISPATCHES);
      const bytes = 2 * n * 8;
      const resolve = device.createBuffer({ size: bytes, usage: QUERY_RESOLVE | COPY_SRC });
      const read = device.createBuffer({ size: bytes, usage: MAP_READ | COPY_DST });
      const enc = device.createCommandEncoder();
      enc.resolveQuerySet(set, 0, 2 * n, resolve, 0);
      enc.copyBufferToBuffer(resolve, 0, read, 0, bytes);
      device.queue.submit([enc.finish()]);
      await read.mapAsync(MAP_READ);
      const ns = new BigInt64Array(read.getMappedRange().slice(0));
      for (let d = 0; d < n; d++) {
        const label = p.labels[i * PROFILE_SET_DISPATCHES + d];
        const t = totals.get(label) ?? { millis: 0, dispatches: 0 };
        t.millis += Math.max(0, Number(ns[2 * d + 1] - ns[2 * d])) / 1e6;
        t.dispatches++;
        totals.set(label, t);
      }
      [resolve, read, set].forEach((b) => b.destroy());
    }
    return [...totals].map(([label, t]) => ({ label, ...t })).sort((a, b) => b.millis - a.millis);
  }

  /** Destroys `buffer` once the work recorded so far has been submitted and has run. */
  retire(buffer: GPUBuffer): void {
    this.retired.push(buffer);
  }

  /** A buffer-to-buffer copy between dispatches (ends the current compute pass). */
  copy(src: GPUBuffer, srcOffset: number, dst: GPUBuffer, dstOffset: number, bytes: number): void {
    if (this.discarding) return;
    this.ensurePass();
    this.pass!.end();
    this.pass = null;
    this.encoder!.copyBufferToBuffer(src, srcOffset, dst, dstOffset, bytes);
  }

  /** Zero-fills a buffer range (ends the current compute pass). */
  clear(buffer: GPUBuffer, offset = 0, size?: number): void {
    if (this.discarding) return;
    this.ensurePass();
    this.pass!.end();
    this.pass = null;
    this.encoder!.clearBuffer(buffer, offset, size);
  }

  /** See timeRecorded. A copy or clear inside `record` splits the pass; the time is then wall-clock. */
  async timed(record: () => Promise<void> | void): Promise<{ millis: number; source: 'timestamps' | 'wall' }> {
    this.submit();
    await this.ctx.device.queue.onSubmittedWorkDone();
    const useTimestamps = this.ctx.features.has('timestamp-query');
    if (useTimestamps && !this.timestamps) {
      const device = this.ctx.device;
      this.timestamps = {
        querySet: device.createQuerySet({ type: 'timestamp', count: 2 }),
        resolve: device.createBuffer({ label: 'timestamps:resolve', size: 16, usage: QUERY_RESOLVE | COPY_SRC }),
        read: device.createBuffer({ label: 'timestamps:read', size: 16, usage: MAP_READ | COPY_DST }),
      };
    }
    this.timedPass = useTimestamps ? 'armed' : 'off';
    const t0 = performance.now();
    try {
      await record();
    } catch (err) {
      this.timedPass = 'off';
      throw err;
    }
    // record() moves the state on (ensurePass), which TypeScript's narrowing cannot see.
    const state = this.timedPass as Recorder['timedPass'];
    this.timedPass = 'off';
    if (state === 'open' && this.encoder && this.pass) {
      const t = this.timestamps!;
      this.pass.end();
      this.pass = null;
      this.encoder.resolveQuerySet(t.querySet, 0, 2, t.resolve, 0);
      this.encoder.copyBufferToBuffer(t.resolve, 0, t.read, 0, 16);
      this.submit();
      await t.read.mapAsync(MAP_READ);
      const ns = new BigInt64Array(t.read.getMappedRange().slice(0));
      t.read.unmap();
      const millis = Number(ns[1] - ns[0]) / 1e6;
      if (millis > 0) return { millis, source: 'timestamps' };
    }
    this.submit();
    await this.ctx.device.queue.onSubmittedWorkDone();
    return { millis: performance.now() - t0, source: 'wall' };
  }

  /** Submits everything recorded so far. Retired buffers are freed once the GPU is done with them. */
  submit(): void {
    if (!this.encoder) return;
    if (this.pass) this.pass.end();
    this.ctx.device.queue.submit([this.encoder.finish()]);
    this.encoder = null;
    this.pass = null;
    this.sinceSubmit = 0;
    const done = this.retired.splice(0);
    if (done.length) {
      this.ctx.device.queue.onSubmittedWorkDone().then(
        () => done.forEach((b) => b.destroy()),
        () => undefined,
      );
    }
  }
}

/** Bounded, least-recently-used cache of bind groups. An entry owns its uniform buffer; an evicted one
 * is destroyed only after the work recorded so far is submitted (it may be in that work). */
class BindGroupCache {
  private static readonly LIMIT = 16384;
  private readonly entries = new Map<string, { group: GPUBindGroup; uniform: GPUBuffer | null }>();
  private readonly ids = new WeakMap<object, number>();
  private nextId = 1;

  constructor(private readonly rec: Recorder) {}

  private id(o: object): number {
    let n = this.ids.get(o);
    if (n === undefined) this.ids.set(o, (n = this.nextId++));
    return n;
  }

  get(pipeline: GPUComputePipeline, params: ArrayBuffer | null, storage: Record<number, Binding>): GPUBindGroup {
    let key = `${this.id(pipeline)}|`;
    if (params) key += new Uint32Array(params).join(',');
    for (const [binding, b] of Object.entries(storage)) {
      key += 'buffer' in b ? `|${binding}:${this.id(b.buffer)}@${b.offset ?? 0}+${b.size ?? -1}` : `|${binding}:${this.id(b)}`;
    }
    const hit = this.entries.get(key);
    if (hit) {
      // Most recently used last.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit.group;
    }
    const device = this.rec.ctx.device;
    const entries: GPUBindGroupEntry[] = [];
    let uniform: GPUBuffer | null = null;
    if (params) {
      uniform = device.createBuffer({ label: `uniforms:${pipeline.label}`, size: Math.max(16, Math.ceil(params.byteLength / 16) * 16), usage: UNIFORM | COPY_DST, mappedAtCreation: true });
      new Uint8Array(uniform.getMappedRange()).set(new Uint8Array(params));
      uniform.unmap();
      entries.push({ binding: 0, resource: { buffer: uniform } });
    }
    for (const [binding, b] of Object.entries(storage)) entries.push({ binding: Number(binding), resource: 'buffer' in b ? b : { buffer: b } });
    const group = device.createBindGroup({ label: pipeline.label, layout: pipeline.getBindGroupLayout(0), entries });
    this.entries.set(key, { group, uniform });
    if (this.entries.size > BindGroupCache.LIMIT) {
      const [oldest, entry] = this.entries.entries().next().value!;
      this.entries.delete(oldest);
      if (entry.uniform) this.rec.retire(entry.uniform);
    }
    return group;
  }
}

/** GPU time of the dispatches `record` adds, in milliseconds, from the adapter's timestamps when it
 * has `timestamp-query` (one compute pass with timestamps at its ends), else wall-clock time from
 * submit to completion. Submits what was recorded before, and waits for the GPU. For tuning and the
 * benchmark; never inside a training step. */
export async function timeRecorded(rec: Recorder, record: () => Promise<void> | void): Promise<{ millis: number; source: 'timestamps' | 'wall' }> {
  return rec.timed(record);
}

/** Splits a 1-D workgroup count over x and y when it exceeds the per-dimension limit; kernels
 * recover the flat index as `wid.x + wid.y * num_workgroups.x`. */
export function splitWorkgroups(count: number, maxPerDim: number): [number, number] {
  if (count <= maxPerDim) return [count, 1];
  const y = Math.ceil(count / maxPerDim);
  return [Math.ceil(count / y), y];
}
