// unrollLoops: loops bounded by an override written out as literal-indexed copies (what CPU adapters
// get for attention's rows kernel and the per-invocation RMSNorm). The text it writes, then the
// same kernel compiled both ways on the GPU giving the same bits, and a compile error after a
// written-out loop still naming its line in the file.
import { describe, expect, it } from 'vitest';
import { createStorageBuffer, readF32, shaderFile, uploadBuffer, WgslCompileError } from '../../src/gpu/index.ts';
import { unrollLoops, unrollSource } from '../../src/gpu/unrollLoops.ts';
import { randomArray } from '../helpers/compare.ts';
import { testGpu } from '../helpers/gpu.ts';

describe('unrollSource', () => {
  it('writes a loop bounded by a given override out as scoped copies with literal indices, keeping the line count', () => {
    const code = [
      'fn f() {',
      '  for (var c = 0u; c < HD4; c++) {',
      '    let t = q[c] * k[g + c]; // q[c] times k',
      '    acc += t + x.c + cc;',
      '  }',
      '  after();',
      '}',
    ].join('\n');
    const out = unrollSource(code, { HD4: 3 });
    expect(out.split('\n')).toHaveLength(code.split('\n').length);
    expect(out.split('\n')[1]).toBe(
      '  { let t = q[0u] * k[g + 0u]; acc += t + x.c + cc; } { let t = q[1u] * k[g + 1u]; acc += t + x.c + cc; } { let t = q[2u] * k[g + 2u]; acc += t + x.c + cc; }',
    );
    // The lines after the loop keep their numbers.
    expect(out.split('\n')[5]).toBe('  after();');
  });

  it('writes nested loops out inside out, and leaves loops it was not given, loops that break or continue, and other loop forms', () => {
    const nested = 'for (var t = 0u; t < L; t++) { for (var l = 0u; l < W; l++) { a[l] += b[t]; } }';
    expect(unrollSource(nested, { L: 2, W: 2 })).toBe('{ { a[0u] += b[0u]; } { a[1u] += b[0u]; } } { { a[0u] += b[1u]; } { a[1u] += b[1u]; } }');
    expect(unrollSource(nested, { W: 2 })).toBe('for (var t = 0u; t < L; t++) { { a[0u] += b[t]; } { a[1u] += b[t]; } }');
    const stays = [
      'for (var c = 0u; c < N; c++) { if (c > m) { break; } s += a[c]; }',
      'for (var c = 0u; c < N; c++) { if (a[c] == 0.0) { continue; } s += a[c]; }',
      'for (var c = 1u; c < N; c++) { s += a[c]; }',
      'for (var c = 0u; c < N; c += 2u) { s += a[c]; }',
      'for (var c = 0u; c < M; c++) { s += a[c]; }',
    ];
    for (const code of stays) expect(unrollSource(code, { N: 4 })).toBe(code);
    expect(unrollSource('for (var c = 0u; c < N; c++) { s += 1.0; }', { N: 0 })).toBe('');
  });

  it('refuses a count that is not a small whole number, and a loop without its closing brace', () => {
    const file = shaderFile('x.wgsl', 'for (var c = 0u; c < N; c++) { s += 1.0; }');
    expect(() => unrollLoops(file, { N: 1.5 })).toThrow(/N = 1.5 is not a loop count/);
    expect(() => unrollLoops(file, { N: 1000 })).toThrow(/N = 1000/);
    expect(() => unrollSource('for (var c = 0u; c < N; c++) { s += 1.0;', { N: 2 })).toThrow(/no closing brace/);
  });

  it('gives one file per set of counts, compiled apart from the source under its name', () => {
    const file = shaderFile('k.wgsl', 'for (var c = 0u; c < N; c++) { s += 1.0; }');
    expect(unrollLoops(file, { N: 2 })).toBe(unrollLoops(file, { N: 2 }));
    expect(unrollLoops(file, { N: 2 })).not.toBe(unrollLoops(file, { N: 3 }));
    expect(unrollLoops(file, { N: 2 })).toMatchObject({ file: 'k.wgsl', variant: 'N=2' });
  });
});

const KERNEL = `
override N: u32 = 4;
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= arrayLength(&y)) { return; }
  var r: array<f32, 16>;
  for (var c = 0u; c < N; c++) {
    r[c] = x[i * N + c] * f32(c + 1u); // weights 1..N
  }
  var s = 0.0;
  for (var c = 0u; c < N; c++) { s = s * 0.5 + r[N - 1u - c]; }
  y[i] = s;
}
`;

describe('unrollLoops on the GPU', () => {
  it('compiles to a kernel with the bits of the loop as written', async () => {
    const gpu = await testGpu();
    const rows = 100, n = 7;
    const x = uploadBuffer(gpu.ctx, randomArray(rows * n, 3), 'x');
    const run = async (unrolled: boolean) => {
      const file = shaderFile('unroll-kernel.wgsl', KERNEL);
      const pipeline = await gpu.pipelines.pipeline(unrolled ? unrollLoops(file, { N: n }) : file, 'main', { N: n });
      const y = createStorageBuffer(gpu.ctx, rows * 4, 'y');
      gpu.recorder.dispatch(pipeline, null, { 0: x, 1: y }, [Math.ceil(rows / 64)]);
      gpu.recorder.submit();
      const got = await readF32(gpu.ctx, y, rows);
      y.destroy();
      return got;
    };
    const loop = await run(false);
    const written = await run(true);
    expect(Array.from(new Uint32Array(written.buffer))).toEqual(Array.from(new Uint32Array(loop.buffer)));
    expect(loop.some((v) => v !== 0)).toBe(true);
    x.destroy();
  });

  it('names the line in the source file of an error after a written-out loop', async () => {
    const gpu = await testGpu();
    const broken = KERNEL.replace('  y[i] = s;', '  y[i] = s + undefined_symbol;');
    const line = broken.split('\n').findIndex((l) => l.includes('undefined_symbol')) + 1;
    const err = await gpu.pipelines.pipeline(unrollLoops(shaderFile('unroll-broken.wgsl', broken), { N: 3 }), 'main', { N: 3 }).catch((e) => e);
    expect(err).toBeInstanceOf(WgslCompileError);
    expect(err.message).toMatch(/^shaders\/unroll-broken\.wgsl:/);
    expect(err.line).toBe(line);
  });
});
