// Block quantization spread over worker threads: a Q4_K_M export is CPU work (llama.cpp's own
// reference rounding, ~0.3 µs a value in JavaScript: minutes for a model of half a billion
// weights), and every block of rows can be quantized apart from the others. The page's GPU worker
// and the CLI each start the pool's workers their own way (a module Worker, a worker_threads
// Worker: `QuantWorkerSpawn`); the work and the messages are this module's, the bytes are
// ggufQuant.ts's whichever thread makes them. Should a worker fail to start or die, the export is
// not lost: what was given to the workers, and all after, is quantized on the calling thread.
import type { GgmlQuantType } from './ggufFile.ts';
import { QUANT_BLOCK } from './ggufFile.ts';
import { assertWholeBlocks, quantize } from './ggufQuant.ts';

export interface QuantRequest {
  id: number;
  type: GgmlQuantType;
  values: Float32Array;
  /** The importance matrix's weights for these rows' columns (ggufQuant.ts `quantize`). */
  importance?: Float32Array;
}

export type QuantReply = { id: number; bytes: Uint8Array } | { id: number; error: string };

/** One quantization in a worker: what its message handler runs. */
export function answerQuantRequest(req: QuantRequest): { reply: QuantReply; transfer: ArrayBuffer[] } {
  try {
    const bytes = quantize(req.type, req.values, req.importance);
    return { reply: { id: req.id, bytes }, transfer: [bytes.buffer as ArrayBuffer] };
  } catch (err) {
    return { reply: { id: req.id, error: (err as Error).message }, transfer: [] };
  }
}

/** A started worker as the pool uses it. */
export interface QuantWorker {
  post(req: QuantRequest): void;
  onReply(listener: (reply: QuantReply) => void): void;
  onFailure(listener: (err: Error) => void): void;
  terminate(): void;
}

export type QuantWorkerSpawn = () => QuantWorker;

/** Values a worker is handed at once (whole blocks): small enough that a few workers share a
 * block of rows, large enough that the message costs nothing beside the work (~0.1 s of Q4_K). */
const SHARE_VALUES = 256 * 1024;

export class QuantPool {
  private readonly workers: QuantWorker[] = [];
  private readonly idle: QuantWorker[] = [];
  private readonly waiting: Array<{ resolve(w: QuantWorker): void; reject(e: Error): void }> = [];
  private readonly pending = new Map<number, { resolve(b: Uint8Array): void; reject(e: Error): void; type: GgmlQuantType; values: Float32Array; importance?: Float32Array }>();
  private nextId = 1;
  private closed = false;
  /** A worker failed (it could not start, or died): what is left is quantized on this thread. */
  private broken: Error | null = null;

  constructor(spawn: QuantWorkerSpawn, size: number) {
    for (let i = 0; i < Math.max(1, size); i++) {
      const worker = spawn();
      worker.onReply((reply) => {
        const p = this.pending.get(reply.id);
        if (!p) return;
        this.pending.delete(reply.id);
        this.release(worker);
        if ('error' in reply) p.reject(new Error(reply.error));
        else p.resolve(reply.bytes);
      });
      worker.onFailure((err) => this.breakDown(err));
      this.workers.push(worker);
      this.idle.push(worker);
    }
  }

  /** Why the workers are not used any more (the export goes on without them), or null. */
  get failure(): Error | null {
    return this.broken;
  }

  /** `values` (whole rows of whole blocks) as `type`'s blocks: the bytes `quantize` gives, the
   * shares quantized side by side. With `importance` (a weight per column) the shares are whole
   * rows: Q5_0's and Q5_1's weights take the whole row's mean square. */
  async quantize(type: GgmlQuantType, values: Float32Array, importance?: Float32Array): Promise<Uint8Array> {
    assertWholeBlocks(type, values.length);
    const { values: per, bytes: blockBytes } = QUANT_BLOCK[type];
    const unit = importance ? importance.length : per;
    if (values.length % unit !== 0) throw new RangeError(`${values.length} values are not whole rows of the ${unit} importance weights`);
    const share = Math.max(unit, Math.floor(Math.min(SHARE_VALUES, Math.ceil(values.length / this.workers.length)) / unit) * unit);
    const out = new Uint8Array((values.length / per) * blockBytes);
    const parts: Promise<void>[] = [];
    for (let v0 = 0; v0 < values.length; v0 += share) {
      // A copy of its own: a view would take its whole buffer along to the worker.
      const piece = values.slice(v0, Math.min(values.length, v0 + share));
      const at = (v0 / per) * blockBytes;
      parts.push(this.run(type, piece, importance).then((bytes) => out.set(bytes, at)));
    }
    await Promise.all(parts);
    return out;
  }

  close(): void {
    this.closed = true;
    for (const w of this.workers) w.terminate();
    const err = new Error('the quantization pool was closed');
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    for (const wait of this.waiting.splice(0)) wait.reject(err);
  }

  private async run(type: GgmlQuantType, values: Float32Array, importance?: Float32Array): Promise<Uint8Array> {
    if (this.closed) throw new Error('the quantization pool was closed');
    if (this.broken) return quantize(type, values, importance);
    let worker: QuantWorker;
    try {
      worker = await this.acquire();
    } catch (err) {
      if (this.closed) throw err;
      return quantize(type, values, importance);
    }
    const id = this.nextId++;
    return new Promise<Uint8Array>((resolve, reject) => {
      // Copied to the worker, not moved: kept to be quantized here should the worker fail.
      this.pending.set(id, { resolve, reject, type, values, importance });
      worker.post({ id, type, values, ...(importance ? { importance } : {}) });
    });
  }

  private acquire(): Promise<QuantWorker> {
    const w = this.idle.pop();
    return w ? Promise.resolve(w) : new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  private release(worker: QuantWorker): void {
    const next = this.waiting.shift();
    if (next) next.resolve(worker);
    else this.idle.push(worker);
  }

  /** A worker failed: the shares it and the others were given are quantized here, as is all after. */
  private breakDown(err: Error): void {
    if (this.closed || this.broken) return;
    this.broken = new Error(`a quantization worker failed (${err.message}); quantizing on one thread`);
    for (const w of this.workers) w.terminate();
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      try {
        p.resolve(quantize(p.type, p.values, p.importance));
      } catch (e) {
        p.reject(e as Error);
      }
    }
    for (const wait of this.waiting.splice(0)) wait.reject(this.broken);
  }
}
