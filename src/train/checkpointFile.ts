// A trainer checkpoint as one safetensors file: the flat LoRA parameters and AdamW moments as F32
// tensors, and step, data cursor (with the training-set size and digest it runs over) and the balance rule's state as metadata (`balance`; the grad
// rule's θ also as `theta`, the one key checkpoints had before there were rules, which is how an
// older checkpoint is read). The same bytes
// go to a file (CLI) or a Dexie blob (browser).
// Reading refuses, by the checkpoint's name, anything that would make a resumed run wrong: a CRC-32
// mismatch (a bit flip or a partial write; written since checksums were added, older files have
// none), a non-finite parameter, moment or balance value (a resumed run would "diverge" with
// advice about the learning rate), and metadata that does not parse. Never repairs anything.
import { crc32 } from '../model/crc32.ts';
import { firstNonFiniteValue } from '../model/finite.ts';
import { memorySource } from '../model/byte-source.ts';
import { encodeSafetensors, readSafetensorsHeader, readTensorRange } from '../model/safetensors.ts';
import type { DataCursor } from './batching.ts';
import type { ScalarAdamState } from './scalarAdamW.ts';
import { parseBalanceState, type BalanceState } from './balance.ts';
import type { TrainerState } from './trainer.ts';

const f32Bytes = (a: Float32Array) => new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
const TENSORS = ['lora.params', 'adam.m', 'adam.v'] as const;

export class CheckpointFileError extends Error {
  constructor(label: string, detail: string) {
    super(`${label}: ${detail}; refusing to resume from it (an earlier checkpoint, or starting again, is safe)`);
    this.name = 'CheckpointFileError';
  }
}

/** `crc32:<8 hex>` over the three tensors' bytes in TENSORS order. */
function checksumOf(parts: Uint8Array[]): string {
  let c = 0;
  for (const p of parts) c = crc32(p, c);
  return `crc32:${c.toString(16).padStart(8, '0')}`;
}

export function encodeCheckpoint(s: TrainerState, extra: Record<string, string> = {}): Uint8Array {
  const n = s.loraParams.length;
  const data = [f32Bytes(s.loraParams), f32Bytes(s.adamM), f32Bytes(s.adamV)];
  return encodeSafetensors(
    TENSORS.map((name, i) => ({ name, dtype: 'F32' as const, shape: [n], data: data[i] })),
    {
      ...extra,
      format: 'balancesft-checkpoint',
      step: String(s.step),
      cursor: JSON.stringify(s.cursor),
      ...(s.trainExamples !== undefined ? { trainExamples: String(s.trainExamples) } : {}),
      ...(s.trainDigest !== undefined ? { trainDigest: s.trainDigest } : {}),
      theta: JSON.stringify(s.balance.rule === 'grad' ? s.balance.theta : { value: 0, m: 0, v: 0, step: 0 }),
      balance: JSON.stringify(s.balance),
      checksum: checksumOf(data),
    },
  );
}

function parseMeta<T>(label: string, meta: Record<string, string>, key: string, check: (v: unknown) => v is T, shape: string): T {
  let v: unknown;
  try {
    v = JSON.parse(meta[key] ?? '');
  } catch {
    throw new CheckpointFileError(label, `metadata "${key}" is ${JSON.stringify(meta[key] ?? null)}, not JSON`);
  }
  if (!check(v)) throw new CheckpointFileError(label, `metadata "${key}" is ${JSON.stringify(meta[key])}, expected ${shape}`);
  return v;
}

const isCursor = (v: unknown): v is DataCursor => {
  const c = v as DataCursor;
  const whole = (x: unknown) => Number.isInteger(x) && (x as number) >= 0;
  return typeof c === 'object' && c !== null && whole(c.epoch) && whole(c.index) && (c.deferred === undefined || (Array.isArray(c.deferred) && c.deferred.every(whole)));
};
// JSON writes NaN and Infinity as null, so a diverged balance state fails the number test here.
const isTheta = (v: unknown): v is ScalarAdamState => {
  const t = v as ScalarAdamState;
  return typeof t === 'object' && t !== null && [t.value, t.m, t.v].every(Number.isFinite) && Number.isInteger(t.step) && t.step >= 0;
};

/** `balance` when the checkpoint has one; an older checkpoint's `theta` is the grad rule's state. */
function readBalance(label: string, meta: Record<string, string>): BalanceState {
  if (meta.balance === undefined) return { rule: 'grad', theta: parseMeta(label, meta, 'theta', isTheta, '{value, m, v} finite and a whole step') };
  let raw: unknown;
  try {
    raw = JSON.parse(meta.balance);
  } catch {
    throw new CheckpointFileError(label, `metadata "balance" is ${JSON.stringify(meta.balance)}, not JSON`);
  }
  // JSON writes NaN and Infinity as null, so a diverged state fails the number checks here.
  const state = parseBalanceState(raw);
  if (typeof state === 'string') throw new CheckpointFileError(label, `metadata "balance": ${state}`);
  return state;
}

export async function decodeCheckpoint(bytes: Uint8Array, label = 'checkpoint'): Promise<{ state: TrainerState; metadata: Record<string, string> }> {
  const source = memorySource(bytes, label);
  const header = await readSafetensorsHeader(source);
  const meta = header.metadata ?? {};
  if (meta.format !== 'balancesft-checkpoint') throw new Error(`${label}: not a BalanceSFT Studio checkpoint`);
  const raw: Uint8Array[] = [];
  for (const name of TENSORS) {
    const t = header.tensors.find((x) => x.name === name);
    if (!t || t.dtype !== 'F32') throw new CheckpointFileError(label, `tensor ${name} is missing or not F32`);
    raw.push(await readTensorRange(source, t));
  }
  if (meta.checksum !== undefined && meta.checksum !== checksumOf(raw)) {
    throw new CheckpointFileError(label, `its data does not match its checksum (${meta.checksum} stored, ${checksumOf(raw)} read): the file is corrupt`);
  }
  const [loraParams, adamM, adamV] = raw.map((b) => new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)));
  if (adamM.length !== loraParams.length || adamV.length !== loraParams.length) {
    throw new CheckpointFileError(label, `the moments have ${adamM.length} and ${adamV.length} values for ${loraParams.length} parameters`);
  }
  for (const [i, values] of [loraParams, adamM, adamV].entries()) {
    const bad = firstNonFiniteValue(values);
    if (bad) throw new CheckpointFileError(label, `tensor ${TENSORS[i]} holds ${bad.what} at element ${bad.index}`);
  }
  const step = Number(meta.step);
  if (!Number.isInteger(step) || step < 0) throw new CheckpointFileError(label, `bad step ${JSON.stringify(meta.step ?? null)}`);
  // Older checkpoints do not say how many examples their cursor runs over: not checked on resume.
  const trainExamples = meta.trainExamples === undefined ? undefined : Number(meta.trainExamples);
  if (trainExamples !== undefined && !(Number.isInteger(trainExamples) && trainExamples >= 1)) throw new CheckpointFileError(label, `bad trainExamples ${JSON.stringify(meta.trainExamples)}`);
  const trainDigest = meta.trainDigest;
  if (trainDigest !== undefined && !/^crc32:[0-9a-f]{8}$/.test(trainDigest)) throw new CheckpointFileError(label, `bad trainDigest ${JSON.stringify(trainDigest)}`);
  const state: TrainerState = {
    step,
    cursor: parseMeta(label, meta, 'cursor', isCursor, '{epoch, index, deferred?} of whole numbers'),
    ...(trainExamples !== undefined ? { trainExamples } : {}),
    ...(trainDigest !== undefined ? { trainDigest } : {}),
    balance: readBalance(label, meta),
    loraParams,
    adamM,
    adamV,
  };
  return { state, metadata: meta };
}
