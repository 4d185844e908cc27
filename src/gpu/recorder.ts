// Records compute dispatches into one command encoder and submits them together, so a training
// step is a handful of submits, not hundreds. Bind groups, with a small uniform buffer each holding
// the dispatch's parameters, are cached by (pipeline, buffers), so the thousands of dispatches a
// training step repeats every step create nothing after the first. A micro-batch of a new length
// changes only the parameters (they hold the shape): the cached group's uniform is rewritten with a
// queue write, which the queue orders after the work already submitted, instead of a new buffer and
// bind group for each of the step's dispatches (about 15 µs of CPU each in Dawn).
//
// A decode step records the same dispatches with the same bind groups every token; `capture` keeps
// such a recording as a program that `replay` emits again with three encoder calls per dispatch,
// skipping the ops' JavaScript (about 90% of a dispatch's CPU cost), like a CUDA graph.
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

type ProgramOp =
  | { kind: 'dispatch'; pipeline: GPUComputePipeline; group: GPUBindGroup; x: number; y: number; z: number }
  | { kind: 'copy'; src: GPUBuffer; srcOffset: number; dst: GPUBuffer; dstOffset: number; bytes: number }
  | { kind: 'clear'; buffer: GPUBuffer; offset: number; size: number | undefined };

/** A recording kept for replay (see Recorder.capture). Its bind groups stay cached while it lives. */
export interface RecordedProgram {
  readonly dispatches: number;
  /** False once released; replaying it then records nothing. */
  readonly live: boolean;
  release(): void;
}

class Program implements RecordedProgram {
  live = true;
  constructor(
    readonly ops: ProgramOp[],
    private readonly pins: CachedGroup[],
    private readonly cache: BindGroupCache,
    /** The recorder's retire count when captured: a buffer retired since may be one it uses. */
    readonly retiredAt: number,
  ) {}

  get dispatches(): number {
    return this.ops.filter((o) => o.kind === 'dispatch').length;
  }

  release(): void {
    if (!this.live) return;
    this.live = false;
    this.cache.unpin(this.pins);
  }
}

/** Why a capture was not kept: a dispatch found no bind group as it was, a buffer was retired
 * during the recording, or the recording was timed, profiled or discarded. */
export type SpoilReason = 'bind group made' | 'bind group rewritten' | 'buffer retired' | 'timed, profiled or discarded';

/** What became of captures and replays so far (tests and the benchmark read it: a decode step
 * that records again each token costs about ten times the CPU of one that replays). */
export interface ProgramCounts {
  /** Captures kept as programs. */
  kept: number;
  /** Captures not kept, by reason (one each: a bind group's before a retired buffer). */
  spoiled: Partial<Record<SpoilReason, number>>;
  /** Replays that emitted their program. */
  replayed: number;
  /** Replays refused (program released, or a buffer retired since its capture). */
  refused: number;
}

/** What a capture saw: its commands, the bind groups they use, and whether it may be replayed. */
interface Capture {
  ops: ProgramOp[];
  groups: CachedGroup[];
  spoiled: SpoilReason | null;
}

export class Recorder {
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private readonly retired: GPUBuffer[] = [];
  private sinceSubmit = 0;
  private timestamps: { querySet: GPUQuerySet; resolve: GPUBuffer; read: GPUBuffer } | null = null;
  private timedPass: 'off' | 'armed' | 'open' | 'broken' = 'off';
  dispatchCount = 0;
  /** Command buffers submitted so far. */
  submitCount = 0;
  /** While false, a long recording is not split into several submits (one decode step is one submit). */
  splitLongRecordings = true;
  /** While true, dispatches, copies and clears are dropped (a dry run that only creates pipelines). */
  discarding = false;
  /** Bind groups (with their uniforms) of dispatches seen before: a training step repeats the same
   * dispatches with the same parameters and buffers every step, and creating a bind group costs more
   * CPU time than everything else about a dispatch. */
  private readonly bindGroups: BindGroupCache;
  /** Per-dispatch GPU timestamps while set (see startProfile): one compute pass per dispatch. */
  private profile: { sets: GPUQuerySet[]; labels: string[] } | null = null;
  private capturing: Capture | null = null;
  private retiredCount = 0;
  readonly programCounts: ProgramCounts = { kept: 0, spoiled: {}, replayed: 0, refused: 0 };

  /** `bindGroupLimit`: cached bind groups kept before the least recently used go (tests lower it). */
  constructor(
    readonly ctx: GpuContext,
    opts: { bindGroupLimit?: number } = {},
  ) {
    this.bindGroups = new BindGroupCache(this, opts.bindGroupLimit ?? 16384);
  }

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
    const { cached, found } = this.bindGroups.get(pipeline, params, storage);
    if (this.capturing) {
      // Only a recording that found every bind group as it was is steady enough to replay (the
      // first decode step makes them, the second reuses them): one made or rewritten now may be
      // rewritten again by a later dispatch of the same recording once a submit lies between them.
      if (found !== 'as-is') this.capturing.spoiled ??= found === 'made' ? 'bind group made' : 'bind group rewritten';
      this.capturing.ops.push({ kind: 'dispatch', pipeline, group: cached.group, x, y, z });
      this.capturing.groups.push(cached);
    }
    this.emit(pipeline, cached.group, x, y, z);
  }

  private emit(pipeline: GPUComputePipeline, group: GPUBindGroup, x: number, y: number, z: number): void {
    if (this.profile) this.openProfiledPass(pipeline.label);
    const pass = this.ensurePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, group);
    pass.dispatchWorkgroups(x, y, z);
    if (this.profile) {
      pass.end();
      this.pass = null;
    }
    this.dispatchCount++;
    if (++this.sinceSubmit >= DISPATCHES_PER_SUBMIT && this.timedPass === 'off' && this.splitLongRecordings) this.submit();
  }

  /**
   * Runs `record` and keeps what it recorded as a program `replay` can emit again, when that is
   * safe: the recording made no new bind group, retired no buffer, and was neither timed, profiled
   * nor discarded. Returns null otherwise (record again next time). What `record` does besides
   * recording (queue writes, new buffers) is not part of the program: callers keep that outside.
   */
  async capture(record: () => Promise<void>): Promise<RecordedProgram | null> {
    if (this.capturing) throw new Error('Recorder.capture: a capture is already running');
    const untimed = !this.discarding && !this.profile && this.timedPass === 'off';
    const cap: Capture = { ops: [], groups: [], spoiled: untimed ? null : 'timed, profiled or discarded' };
    const retiredBefore = this.retiredCount;
    this.capturing = cap;
    try {
      await record();
    } finally {
      this.capturing = null;
    }
    if (this.retiredCount !== retiredBefore) cap.spoiled ??= 'buffer retired';
    if (cap.spoiled) {
      const counts = this.programCounts.spoiled;
      counts[cap.spoiled] = (counts[cap.spoiled] ?? 0) + 1;
      return null;
    }
    this.programCounts.kept++;
    this.bindGroups.pin(cap.groups);
    return new Program(cap.ops, cap.groups, this.bindGroups, this.retiredCount);
  }

  /**
   * Emits a captured program's commands again, in order, into the current recording. Returns false,
   * recording nothing, when the program may no longer be valid (released, or a buffer was retired
   * since it was captured: scratch that grew, say); the caller then records afresh.
   */
  replay(program: RecordedProgram): boolean {
    const p = program as Program;
    if (!p.live || p.retiredAt !== this.retiredCount || this.discarding) {
      this.programCounts.refused++;
      return false;
    }
    this.ctx.throwIfLost();
    this.programCounts.replayed++;
    for (const op of p.ops) {
      if (op.kind === 'dispatch') this.emit(op.pipeline, op.group, op.x, op.y, op.z);
      else if (op.kind === 'copy') this.copy(op.src, op.srcOffset, op.dst, op.dstOffset, op.bytes);
      else this.clear(op.buffer, op.offset, op.size);
    }
    return true;
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
    if (this.capturing) this.capturing.spoiled ??= 'timed, profiled or discarded';
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

  /** Forgets the cached bind groups no captured program uses, once the buffers they bind are gone
   * (a job's weights, activations and caches end with it): kept, they would wait, each with its
   * uniform, for the cache's limit. Their uniforms go once the work recorded so far has run. */
  forgetBindGroups(): number {
    const n = this.bindGroups.dropUnpinned();
    this.submit();
    // Nothing was left to submit: what is retired can go once the work already submitted has run.
    this.releaseRetired();
    return n;
  }

  /** Bind groups cached now (for tests). */
  get cachedBindGroups(): number {
    return this.bindGroups.size;
  }

  /** Destroys `buffer` once the work recorded so far has been submitted and has run. */
  retire(buffer: GPUBuffer): void {
    this.retiredCount++;
    this.retired.push(buffer);
  }

  /** Retires an evicted bind group's uniform: never one a program uses (those are pinned), so
   * programs stay valid. */
  retireUniform(buffer: GPUBuffer): void {
    this.retired.push(buffer);
  }

  /** A buffer-to-buffer copy between dispatches (ends the current compute pass). */
  copy(src: GPUBuffer, srcOffset: number, dst: GPUBuffer, dstOffset: number, bytes: number): void {
    if (this.discarding) return;
    this.capturing?.ops.push({ kind: 'copy', src, srcOffset, dst, dstOffset, bytes });
    this.ensurePass();
    this.pass!.end();
    this.pass = null;
    this.encoder!.copyBufferToBuffer(src, srcOffset, dst, dstOffset, bytes);
  }

  /** Zero-fills a buffer range (ends the current compute pass). */
  clear(buffer: GPUBuffer, offset = 0, size?: number): void {
    if (this.discarding) return;
    this.capturing?.ops.push({ kind: 'clear', buffer, offset, size });
    this.ensurePass();
    this.pass!.end();
    this.pass = null;
    this.encoder!.clearBuffer(buffer, offset, size);
  }

  /** See timeRecorded. A copy or clear inside `record` splits the pass; the time is then wall-clock. */
  async timed(record: () => Promise<void> | void): Promise<{ millis: number; source: 'timestamps' | 'wall' }> {
    if (this.capturing) this.capturing.spoiled ??= 'timed, profiled or discarded';
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
    this.submitCount++;
    this.encoder = null;
    this.pass = null;
    this.sinceSubmit = 0;
    this.releaseRetired();
  }

  /** Destroys the retired buffers once everything submitted so far has run. */
  private releaseRetired(): void {
    const done = this.retired.splice(0);
    if (done.length) {
      this.ctx.device.queue.onSubmittedWorkDone().then(
        () => done.forEach((b) => b.destroy()),
        () => undefined,
      );
    }
  }
}

/** A cached bind group, its uniform (null for a kernel without parameters) and what that holds. */
interface CachedGroup {
  readonly key: string;
  readonly group: GPUBindGroup;
  readonly uniform: GPUBuffer | null;
  params: Uint32Array | null;
  /** The recorder's submit count when last used: equal to the current one while the recording
   * not yet submitted uses it, and its uniform must then keep what it holds. */
  usedIn: number;
  /** Captured programs using it: never evicted nor rewritten while any lives. */
  pins: number;
}

/** Bounded, least-recently-used cache of bind groups, keyed by (pipeline, uniform size, buffers); a
 * key holds one group per parameter set the open recording needs at once (usually one). An evicted
 * group's uniform is destroyed only after the work recorded so far is submitted (it may be in it). */
class BindGroupCache {
  private readonly byKey = new Map<string, CachedGroup[]>();
  /** Least recently used first. */
  private readonly lru = new Set<CachedGroup>();
  private readonly ids = new WeakMap<object, number>();
  private nextId = 1;

  constructor(
    private readonly rec: Recorder,
    private readonly limit: number,
  ) {}

  private id(o: object): number {
    let n = this.ids.get(o);
    if (n === undefined) this.ids.set(o, (n = this.nextId++));
    return n;
  }

  /** `found`: 'as-is' when a group already held these parameters, 'rewritten' when a group the open
   * recording does not use had its uniform rewritten, 'made' when a new one was created. */
  get(pipeline: GPUComputePipeline, params: ArrayBuffer | null, storage: Record<number, Binding>): { cached: CachedGroup; found: 'as-is' | 'rewritten' | 'made' } {
    let key = `${this.id(pipeline)}|${params?.byteLength ?? 0}`;
    for (const [binding, b] of Object.entries(storage)) {
      key += 'buffer' in b ? `|${binding}:${this.id(b.buffer)}@${b.offset ?? 0}+${b.size ?? -1}` : `|${binding}:${this.id(b)}`;
    }
    const words = params ? new Uint32Array(params) : null;
    const open = this.rec.submitCount;
    const groups = this.byKey.get(key);
    let free: CachedGroup | undefined;
    for (const g of groups ?? []) {
      if (!words || sameWords(g.params!, words)) return { cached: this.use(g, open), found: 'as-is' };
      if (!free && g.pins === 0 && g.usedIn !== open) free = g;
    }
    if (free && words) {
      // The queue runs this write after everything submitted before it, which used the old values,
      // and before the open recording, which has not used this group.
      this.rec.ctx.device.queue.writeBuffer(free.uniform!, 0, words);
      free.params = words.slice();
      return { cached: this.use(free, open), found: 'rewritten' };
    }
    const device = this.rec.ctx.device;
    const entries: GPUBindGroupEntry[] = [];
    let uniform: GPUBuffer | null = null;
    if (words) {
      uniform = device.createBuffer({ label: `uniforms:${pipeline.label}`, size: Math.max(16, Math.ceil(words.byteLength / 16) * 16), usage: UNIFORM | COPY_DST, mappedAtCreation: true });
      new Uint32Array(uniform.getMappedRange(0, words.byteLength)).set(words);
      uniform.unmap();
      entries.push({ binding: 0, resource: { buffer: uniform } });
    }
    for (const [binding, b] of Object.entries(storage)) entries.push({ binding: Number(binding), resource: 'buffer' in b ? b : { buffer: b } });
    const group = device.createBindGroup({ label: pipeline.label, layout: pipeline.getBindGroupLayout(0), entries });
    const made: CachedGroup = { key, group, uniform, params: words ? words.slice() : null, usedIn: open, pins: 0 };
    if (groups) groups.push(made);
    else this.byKey.set(key, [made]);
    this.lru.add(made);
    if (this.lru.size > this.limit) this.evictOldest();
    return { cached: made, found: 'made' };
  }

  private use(g: CachedGroup, open: number): CachedGroup {
    g.usedIn = open;
    this.lru.delete(g);
    this.lru.add(g);
    return g;
  }

  private evictOldest(): void {
    for (const g of this.lru) {
      if (g.pins > 0) continue;
      this.evict(g);
      return;
    }
  }

  private evict(g: CachedGroup): void {
    this.lru.delete(g);
    const rest = this.byKey.get(g.key)!.filter((o) => o !== g);
    if (rest.length) this.byKey.set(g.key, rest);
    else this.byKey.delete(g.key);
    if (g.uniform) this.rec.retireUniform(g.uniform);
  }

  /** Drops every group no captured program uses (their uniforms retired); the number dropped. */
  dropUnpinned(): number {
    let n = 0;
    for (const g of [...this.lru]) {
      if (g.pins > 0) continue;
      this.evict(g);
      n++;
    }
    return n;
  }

  get size(): number {
    return this.lru.size;
  }

  pin(groups: readonly CachedGroup[]): void {
    for (const g of groups) g.pins++;
  }

  unpin(groups: readonly CachedGroup[]): void {
    for (const g of groups) g.pins--;
  }
}

function sameWords(a: Uint32Array, b: Uint32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
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
