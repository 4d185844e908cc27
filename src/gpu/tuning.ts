// Kernel choices measured on this adapter (the autotune's results), kept per adapter, per kernel
// source and per WebGPU implementation (the browser's version, Node's Dawn build) so a driver or
// browser update or an edited shader retunes by itself. Ops read choices synchronously
// while recording; the table is loaded from its store once, when the device is acquired, and saved
// after a tuning pass. Owns no GPU state and never times anything itself (see ops/matmulTune.ts).
import type { AdapterSummary } from './context.ts';

/** Where tuning tables live between runs: a file in Node, IndexedDB in the browser. */
export interface TuningStore {
  /** The WebGPU implementation the tables are measured under: a browser adapter names no driver
   * version, and a new browser may compile the kernels differently, so a table of another one is
   * stale (a choice that was fastest there may be the slowest now). */
  readonly runtime: string;
  load(adapterKey: string): Promise<TuningTable | null>;
  save(adapterKey: string, table: TuningTable): Promise<void>;
}

/** op → shape class → the chosen configuration (as JSON), plus the source hash it was measured with. */
export interface TuningTable {
  version: 1;
  /** The store's runtime when measured (absent: measured before it was recorded, so unknown). */
  runtime?: string;
  ops: Record<string, { sourceHash: string; choices: Record<string, unknown> }>;
}

/** A stable key for an adapter: what it is, which driver runs it, and what its shaders may use (the
 * device's features and WGSL's language features): the variants an autotune races depend on both, so
 * a browser that gains one, or loses one, tunes again. */
export function adapterKey(a: AdapterSummary, features: Iterable<string>, wgslFeatures: Iterable<string>): string {
  return [a.vendor, a.architecture, a.device, a.description, [...features].sort().join('+'), [...wgslFeatures].sort().join('+')].join('|');
}

/** FNV-1a of a string, as 8 hex digits: a cheap fingerprint of shader sources. */
export function sourceHash(...sources: string[]): string {
  let h = 0x811c9dc5;
  for (const s of sources) {
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
  }
  return h.toString(16).padStart(8, '0');
}

export class KernelTuning {
  private table: TuningTable = { version: 1, ops: {} };
  private loaded: Promise<void> | null = null;
  private dirty = false;

  constructor(
    readonly adapterKey: string,
    private readonly store: TuningStore | null,
  ) {}

  /** Reads the stored table once; a missing or unreadable one starts empty (tuning is an optimisation). */
  load(): Promise<void> {
    this.loaded ??= (this.store?.load(this.adapterKey) ?? Promise.resolve(null)).then(
      (t) => {
        // Of another browser or Dawn (or of an unknown one): measured on what no longer runs.
        if (!t || t.version !== 1 || !isPlainObject(t.ops) || t.runtime !== this.store?.runtime) return;
        // A damaged entry (hand-edited, half-written) is dropped; the others still save a retune.
        const ops = Object.entries(t.ops).filter(([, e]) => isPlainObject(e) && typeof e.sourceHash === 'string' && isPlainObject(e.choices));
        this.table = { ...t, ops: Object.fromEntries(ops) };
      },
      () => undefined,
    );
    return this.loaded;
  }

  get<T>(op: string, hash: string, shapeClass: string): T | undefined {
    const entry = this.table.ops[op];
    if (!entry || entry.sourceHash !== hash) return undefined;
    return entry.choices[shapeClass] as T | undefined;
  }

  set(op: string, hash: string, shapeClass: string, choice: unknown): void {
    let entry = this.table.ops[op];
    if (!entry || entry.sourceHash !== hash) entry = this.table.ops[op] = { sourceHash: hash, choices: {} };
    entry.choices[shapeClass] = choice;
    this.dirty = true;
  }

  /** Every choice of one op (for reports: which variant each shape class runs). */
  choices(op: string, hash: string): Record<string, unknown> {
    const entry = this.table.ops[op];
    return entry && entry.sourceHash === hash ? { ...entry.choices } : {};
  }

  async save(): Promise<void> {
    if (!this.dirty || !this.store) return;
    this.dirty = false;
    await this.store.save(this.adapterKey, { ...this.table, runtime: this.store.runtime }).catch(() => {
      this.dirty = true;
    });
  }
}

/** Empties a record of the shape classes met while recording (class → one call of it) and returns
 * those to race: the ones without a stored choice the op would run. A damaged choice (hand-edited,
 * half-written, a layout since removed) is ignored where the op runs, so it counts as none here too;
 * were it skipped, its class would run the rule of thumb for good and never be measured. */
export function takeUntunedClasses<Call>(seen: Map<string, Call>, usableChoice: (shapeClass: string, call: Call) => unknown): Array<[string, Call]> {
  const untuned = [...seen].filter(([shapeClass, call]) => usableChoice(shapeClass, call) === undefined);
  seen.clear();
  return untuned;
}

function isPlainObject(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
