// A trainer checkpoint as one safetensors file: the flat LoRA parameters and AdamW moments as F32
// tensors, and step, data cursor and the balance parameter's state as metadata. The same bytes
// go to a file (CLI) or a Dexie blob (browser).
import { encodeSafetensors, readSafetensorsHeader, readTensorRange } from '../model/safetensors.ts';
import { memorySource } from '../model/byte-source.ts';
import type { TrainerState } from './trainer.ts';

const f32Bytes = (a: Float32Array) => new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));

export function encodeCheckpoint(s: TrainerState, extra: Record<string, string> = {}): Uint8Array {
  const n = s.loraParams.length;
  return encodeSafetensors(
    [
      { name: 'lora.params', dtype: 'F32', shape: [n], data: f32Bytes(s.loraParams) },
      { name: 'adam.m', dtype: 'F32', shape: [n], data: f32Bytes(s.adamM) },
      { name: 'adam.v', dtype: 'F32', shape: [n], data: f32Bytes(s.adamV) },
    ],
    { ...extra, format: 'balancesft-checkpoint', step: String(s.step), cursor: JSON.stringify(s.cursor), theta: JSON.stringify(s.theta) },
  );
}

export async function decodeCheckpoint(bytes: Uint8Array, label = 'checkpoint'): Promise<{ state: TrainerState; metadata: Record<string, string> }> {
  const source = memorySource(bytes, label);
  const header = await readSafetensorsHeader(source);
  const meta = header.metadata ?? {};
  if (meta.format !== 'balancesft-checkpoint') throw new Error(`${label}: not a BalanceSFT Studio checkpoint`);
  const tensor = async (name: string) => {
    const t = header.tensors.find((x) => x.name === name);
    if (!t || t.dtype !== 'F32') throw new Error(`${label}: tensor ${name} missing or not F32`);
    const b = await readTensorRange(source, t);
    return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  };
  const state: TrainerState = {
    step: Number(meta.step),
    cursor: JSON.parse(meta.cursor),
    theta: JSON.parse(meta.theta),
    loraParams: await tensor('lora.params'),
    adamM: await tensor('adam.m'),
    adamV: await tensor('adam.v'),
  };
  if (!Number.isInteger(state.step) || state.step < 0) throw new Error(`${label}: bad step ${meta.step}`);
  return { state, metadata: meta };
}
