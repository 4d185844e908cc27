// A GGUF file of one tensor, header only (its data left out: readers that stop at the header need
// none), for refusals a real export cannot produce: a tensor of a type the studio cannot read, or a
// tensor of another model's shape.

/** `name` of ggml type `type` and shape `shape` (outermost first), general.file_type `fileType`. */
export function oneTensorGguf(type: number, name = 'blk.0.attn_q.weight', shape: [number, number] = [4, 64], fileType = 2): Uint8Array<ArrayBuffer> {
  const parts: number[] = [];
  const u32 = (v: number) => parts.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24);
  const u64 = (v: number) => (u32(v), u32(0));
  const str = (s: string) => (u64(s.length), parts.push(...new TextEncoder().encode(s)));
  u32(0x46554747); // "GGUF"
  u32(3);
  u64(1);
  u64(1);
  str('general.file_type');
  u32(4);
  u32(fileType);
  str(name);
  u32(2);
  u64(shape[1]);
  u64(shape[0]);
  u32(type);
  u64(0);
  return new Uint8Array(parts);
}
