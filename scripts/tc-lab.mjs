// Tensor-core lab: times generated subgroup-matrix matmul variants on a GPU (one run, one process),
// to learn which form the driver makes fast before one goes into src/ops. Not part of the engine.
//   bash .gpu/run.sh node --import tsx scripts/tc-lab.mjs [--quick]      (LAB_ONLY=name,name: those only)
// Each variant computes C[M,N] = A[M,K]·B[N,K]ᵀ with f16 A and B and f32 C, on aligned shapes, and
// is checked on sampled outputs against a CPU product of the same f16 values. The staged variants
// are the engine's generated kernel; `raw` (multiply-accumulates only: the ceiling of this path) and
// `direct` (fragments from storage) are forms kept here for comparison.
// Measured on an NVIDIA H200 (Dawn 0.6.2 / Vulkan, driver 580), 4096³, TFLOP/s: raw 102–105; staged
// 128×128×32 with 2×4 subgroups of 4×2 fragments 109, 256×128×16 103, 128×256×16 102, 128×128×32
// with 4×2 subgroups of 2×4 97, 64×64×32 80, 128×64×32 62, 128×128×32 with 4 subgroups of 4×4 42;
// direct 128×128 57, 64×64 29; the same tiling with arrays of fragments indexed by loop counters 10.
// Time after a warm-up: an idle H200 starts at low clocks, and the first variants timed read 2–3× slow.
import { create, globals } from 'webgpu';

Object.assign(globalThis, globals);
const gpu = create(['enable-dawn-features=allow_unsafe_apis,vulkan_enable_f16_on_nvidia', 'disable-dawn-features=timestamp_quantization']);
const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
const want = ['shader-f16', 'subgroups', 'chromium-experimental-subgroup-matrix', 'timestamp-query'].filter((f) => adapter.features.has(f));
console.log('adapter', adapter.info.vendor, adapter.info.architecture, adapter.info.description, 'features', want.join(','));
const device = await adapter.requestDevice({
  requiredFeatures: want,
  requiredLimits: {
    maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
    maxBufferSize: adapter.limits.maxBufferSize,
    maxComputeWorkgroupStorageSize: adapter.limits.maxComputeWorkgroupStorageSize,
    maxComputeInvocationsPerWorkgroup: adapter.limits.maxComputeInvocationsPerWorkgroup,
  },
});
device.addEventListener('uncapturederror', (e) => console.log('uncaptured:', e.error.message.slice(0, 400)));
if (!want.includes('chromium-experimental-subgroup-matrix')) { console.log('no subgroup matrices here'); process.exit(0); }

const HEAD = 'requires buffer_view;\nenable f16;\nenable subgroups;\nenable chromium_experimental_subgroup_matrix;\n';
const L = 'subgroup_matrix_left<f16, 16, 16>';
const R = 'subgroup_matrix_right<f16, 16, 16>';
const RES = 'subgroup_matrix_result<f32, 16, 16>';
const range = (n) => [...Array(n).keys()];

// ---- lab-only forms, fully unrolled like the engine's: every fragment a named variable ----

// Fragments straight from storage, next step's loaded before this step's products.
function direct({ SGM, SGN, FM, FN }) {
  const WG = 32 * SGM * SGN, BM = SGM * FM * 16, BN = SGN * FN * 16;
  const s = [HEAD, `struct P { M: u32, N: u32, K: u32, pad: u32, }`,
    `@group(0) @binding(0) var<uniform> p: P;`,
    `@group(0) @binding(4) var<storage, read> ah: array<f16>;`,
    `@group(0) @binding(5) var<storage, read> bh: array<f16>;`,
    `@group(0) @binding(3) var<storage, read_write> c: array<f32>;`,
    `@compute @workgroup_size(${WG}) fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(subgroup_id) sg: u32) {`,
    `  let mB = wid.y * ${BM}u + (sg / ${SGN}u) * ${FM * 16}u; let nB = wid.x * ${BN}u + (sg % ${SGN}u) * ${FN * 16}u;`];
  for (const i of range(FM)) for (const j of range(FN)) s.push(`  var acc${i}_${j}: ${RES};`);
  const ld = (k, pre) => [
    ...range(FM).map((i) => `${pre}l${i} = subgroupMatrixLoad<${L}, row_major>(&ah, (mB + ${i * 16}u) * p.K + ${k}, p.K);`),
    ...range(FN).map((j) => `${pre}r${j} = subgroupMatrixLoad<${R}, col_major>(&bh, (nB + ${j * 16}u) * p.K + ${k}, p.K);`),
  ];
  s.push(...ld('0u', '  var '));
  s.push('  for (var k = 16u; k < p.K; k += 16u) {');
  s.push(...ld('k', '    let n'));
  for (const i of range(FM)) for (const j of range(FN)) s.push(`    acc${i}_${j} = subgroupMatrixMultiplyAccumulate(l${i}, r${j}, acc${i}_${j});`);
  for (const i of range(FM)) s.push(`    l${i} = nl${i};`);
  for (const j of range(FN)) s.push(`    r${j} = nr${j};`);
  s.push('  }');
  for (const i of range(FM)) for (const j of range(FN)) s.push(`  acc${i}_${j} = subgroupMatrixMultiplyAccumulate(l${i}, r${j}, acc${i}_${j});`);
  for (const i of range(FM)) for (const j of range(FN)) s.push(`  subgroupMatrixStore<row_major>(&c, (mB + ${i * 16}u) * p.N + nB + ${j * 16}u, acc${i}_${j}, p.N);`);
  s.push('}');
  return { code: s.join('\n'), WG, BM, BN, BK: 16, binds: [4, 5] };
}

// The tensor cores' ceiling through this path: fragments loaded once, products only (wrong result by
// design: K/16 products of the first fragments; not checked).
function raw({ SGM, SGN, FM, FN }) {
  const d = direct({ SGM, SGN, FM, FN });
  const s = [HEAD, `struct P { M: u32, N: u32, K: u32, pad: u32, }`,
    `@group(0) @binding(0) var<uniform> p: P;`,
    `@group(0) @binding(4) var<storage, read> ah: array<f16>;`,
    `@group(0) @binding(5) var<storage, read> bh: array<f16>;`,
    `@group(0) @binding(3) var<storage, read_write> c: array<f32>;`,
    `@compute @workgroup_size(${d.WG}) fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(subgroup_id) sg: u32) {`,
    `  let mB = wid.y * ${d.BM}u + (sg / ${SGN}u) * ${FM * 16}u; let nB = wid.x * ${d.BN}u + (sg % ${SGN}u) * ${FN * 16}u;`];
  for (const i of range(FM)) for (const j of range(FN)) s.push(`  var acc${i}_${j}: ${RES};`);
  for (const i of range(FM)) s.push(`  let l${i} = subgroupMatrixLoad<${L}, row_major>(&ah, (mB + ${i * 16}u) * p.K, p.K);`);
  for (const j of range(FN)) s.push(`  let r${j} = subgroupMatrixLoad<${R}, col_major>(&bh, (nB + ${j * 16}u) * p.K, p.K);`);
  s.push('  for (var k = 0u; k < p.K; k += 16u) {');
  for (const i of range(FM)) for (const j of range(FN)) s.push(`    acc${i}_${j} = subgroupMatrixMultiplyAccumulate(l${i}, r${j}, acc${i}_${j});`);
  s.push('  }');
  for (const i of range(FM)) for (const j of range(FN)) s.push(`  subgroupMatrixStore<row_major>(&c, (mB + ${i * 16}u) * p.N + nB + ${j * 16}u, acc${i}_${j}, p.N);`);
  s.push('}');
  return { ...d, code: s.join('\n'), raw: true };
}

// The engine's staged kernel (src/ops/matmulTensorCoreSource.ts), with its own params and bindings.
import { stagedGeometry, stagedTensorCoreSource } from '../src/ops/matmulTensorCoreSource.ts';
function staged(t) {
  const g = stagedGeometry(t, 32, true);
  if (!g || g.tileBytes + g.squareBytes > 49152) return null;
  return { code: stagedTensorCoreSource(t, 32, true), WG: g.WG, BM: g.BM, BN: g.BN, BK: t.BK, binds: 'engine', entry: 'mma_staged', constants: { HAS_BIAS: 0, ACCUMULATE: 0 } };
}

const quick = process.argv.includes('--quick');
const only = process.env.LAB_ONLY;
const variants = [];
const add = (name, v) => { if (only && !only.split(',').some((o) => name.includes(o))) return; if (v) variants.push({ name, ...v }); else console.log('skip', name, '(does not fit)'); };
add('raw 2x2 sg 4x4', raw({ SGM: 2, SGN: 2, FM: 4, FN: 4 }));
add('raw 2x2 sg 2x2', raw({ SGM: 2, SGN: 2, FM: 2, FN: 2 }));
add('staged 64x64x32 (2x2 sg 2x2)', staged({ SGM: 2, SGN: 2, FM: 2, FN: 2, BK: 32 }));
add('staged 128x128x32 (2x2 sg 4x4)', staged({ SGM: 2, SGN: 2, FM: 4, FN: 4, BK: 32 }));
add('staged 128x128x32 (4x2 sg 2x4)', staged({ SGM: 4, SGN: 2, FM: 2, FN: 4, BK: 32 }));
add('staged 128x128x32 (2x4 sg 4x2)', staged({ SGM: 2, SGN: 4, FM: 4, FN: 2, BK: 32 }));
add('staged 128x64x32 (2x2 sg 4x2)', staged({ SGM: 2, SGN: 2, FM: 4, FN: 2, BK: 32 }));
add('staged 128x256x16 (2x4 sg 4x4)', staged({ SGM: 2, SGN: 4, FM: 4, FN: 4, BK: 16 }));
add('staged 256x128x16 (4x2 sg 4x4)', staged({ SGM: 4, SGN: 2, FM: 4, FN: 4, BK: 16 }));
add('staged 128x128x16 (2x2 sg 4x4)', staged({ SGM: 2, SGN: 2, FM: 4, FN: 4, BK: 16 }));
add('direct 2x2 sg 2x2 (64x64)', direct({ SGM: 2, SGN: 2, FM: 2, FN: 2 }));
add('direct 2x2 sg 4x4 (128x128)', direct({ SGM: 2, SGN: 2, FM: 4, FN: 4 }));

// Create every pipeline before any readback (a pipeline created after one once aborted Dawn here).
for (const v of variants) {
  const module = device.createShaderModule({ code: v.code });
  const info = await module.getCompilationInfo();
  const errs = info.messages.filter((m) => m.type === 'error');
  if (errs.length) { v.error = errs.map((m) => `${m.lineNum}:${m.linePos} ${m.message}`).join(' | ').slice(0, 600); continue; }
  device.pushErrorScope('validation');
  try {
    const t0 = performance.now();
    v.pipeline = await device.createComputePipelineAsync({ layout: 'auto', compute: { module, entryPoint: v.entry ?? 'main', constants: v.constants } });
    v.compileMs = performance.now() - t0;
  } catch (e) { v.error = String(e.message ?? e).slice(0, 600); }
  const err = await device.popErrorScope();
  if (err) v.error = err.message.slice(0, 600);
}
for (const v of variants) if (v.error) console.log('ERROR', v.name, v.error);

function f16bits(x) { // exact for the values used (k/256, |k| ≤ 256: normal f16 or zero)
  if (x === 0) return 0;
  const f = new Float32Array([x]); const u = new Uint32Array(f.buffer)[0];
  const sign = (u >>> 16) & 0x8000, exp = ((u >>> 23) & 0xff) - 127 + 15, man = (u >>> 13) & 0x3ff;
  return sign | (exp << 10) | man;
}
function randomF16(n, seed) {
  const bits = new Uint16Array(n), vals = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const v = ((s >>> 8) % 513 - 256) / 256;
    vals[i] = v; bits[i] = f16bits(v);
  }
  return { bits, vals };
}
const buf = (size, usage) => device.createBuffer({ size, usage });
const SU = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC;

const shapes = quick ? [[4096, 4096, 4096]] : [[4096, 4096, 4096], [2048, 4864, 896], [2048, 896, 4864], [2048, 32768, 896]];
const results = [];
for (const [M, N, K] of shapes) {
  const A = randomF16(M * K, 1 + M + K), B = randomF16(N * K, 7 + N);
  const aBuf = buf(M * K * 2, SU), bBuf = buf(N * K * 2, SU), cBuf = buf(M * N * 4, SU);
  device.queue.writeBuffer(aBuf, 0, A.bits); device.queue.writeBuffer(bBuf, 0, B.bits);
  const ones = buf(M * 4, SU); device.queue.writeBuffer(ones, 0, new Float32Array(M).fill(1));
  const dummy = buf(256, SU);
  const uni = buf(16, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST); device.queue.writeBuffer(uni, 0, new Uint32Array([M, N, K, 0]));
  const uniCur = buf(48, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
  { const d = new DataView(new ArrayBuffer(48)); [M, N, K, 0, K, 0, N, 0].forEach((x, i) => d.setUint32(i * 4, x, true)); d.setFloat32(32, 1, true); d.setUint32(36, K, true); device.queue.writeBuffer(uniCur, 0, d.buffer); }
  const read = buf(M * N * 4, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST);
  const samples = range(96).map((i) => [(i * 7919 + 13) % M, (i * 104729 + 7) % N]);
  const ref = samples.map(([m, n]) => { let s = 0; for (let k = 0; k < K; k++) s += A.vals[m * K + k] * B.vals[n * K + k]; return s; });
  const flop = 2 * M * N * K;
  for (const v of variants) {
    if (!v.pipeline) continue;
    if (M % v.BM || N % v.BN || K % v.BK) continue;
    // Past the first shape, only the variants that came within 60% of the best there.
    const firstShape = results.filter((r) => r.shape === '4096x4096x4096' && !r.variant.startsWith('raw'));
    if (M !== 4096 && (v.raw || !firstShape.some((r) => r.variant === v.name && r.tflops >= 0.6 * Math.max(...firstShape.map((x) => x.tflops))))) continue;
    const entries = v.binds === 'engine'
      ? [[0, uniCur], [2, bBuf], [3, cBuf], [4, dummy], [8, aBuf], [9, ones]]
      : [[0, uni], [3, cBuf], ...v.binds.map((b) => [b, b === 1 || b === 4 ? aBuf : bBuf])];
    let bg = null;
    // The auto layout leaves out bindings the shader never uses: try without the optional ones.
    for (const drop of [[], [4], [4, 9]]) {
      device.pushErrorScope('validation');
      const g = device.createBindGroup({ layout: v.pipeline.getBindGroupLayout(0), entries: entries.filter(([b]) => !drop.includes(b)).map(([binding, buffer]) => ({ binding, resource: { buffer } })) });
      const e = await device.popErrorScope();
      if (!e) { bg = g; break; }
      console.log('bind error', v.name, drop.join(','), e.message.slice(0, 200));
    }
    if (!bg) continue;
    const run = async (reps) => {
      const enc = device.createCommandEncoder();
      const pass = enc.beginComputePass();
      pass.setPipeline(v.pipeline); pass.setBindGroup(0, bg);
      for (let r = 0; r < reps; r++) pass.dispatchWorkgroups(N / v.BN, M / v.BM, 1);
      pass.end();
      const t0 = performance.now();
      device.queue.submit([enc.finish()]);
      await device.queue.onSubmittedWorkDone();
      return (performance.now() - t0) / reps;
    };
    const first = await run(1);
    if (first > 200) { console.log(`${v.name}: first run ${first.toFixed(0)} ms, skipped`); continue; }
    let maxErr = NaN;
    // A readback here once left Dawn unable to run the next variant (abort / hang): timings first,
    // correctness of the best variants at the end.
    if (M === 4096) v.check = async () => {
      device.queue.writeBuffer(cBuf, 0, new Float32Array(M * N).fill(NaN));
      await run(1);
      const enc = device.createCommandEncoder(); enc.copyBufferToBuffer(cBuf, 0, read, 0, M * N * 4); device.queue.submit([enc.finish()]);
      await read.mapAsync(GPUMapMode.READ); const c = new Float32Array(read.getMappedRange().slice(0)); read.unmap();
      let e = Math.max(...samples.map(([m, n], i) => Math.abs(c[m * N + n] - ref[i]) / (Math.abs(ref[i]) + 1)));
      let nan = 0; for (let i = 0; i < c.length; i += 97) if (!Number.isFinite(c[i])) nan++;
      return nan ? Infinity : e;
    };
    const reps = Math.max(3, Math.min(50, Math.round(1e12 / flop)));
    const times = [];
    for (let t = 0; t < 3; t++) times.push(await run(reps));
    times.sort((x, y) => x - y);
    const ms = times[1];
    const row = { shape: `${M}x${N}x${K}`, variant: v.name, tflops: flop / ms / 1e9, ms, maxErr, compileMs: v.compileMs };
    results.push(row);
    console.log(`${row.shape.padEnd(16)} ${v.name.padEnd(34)} ${row.tflops.toFixed(1).padStart(6)} TF/s  ${ms.toFixed(3)} ms  err ${Number.isNaN(maxErr) ? '-' : maxErr.toExponential(1)}  compile ${v.compileMs.toFixed(0)} ms`);
  }
  if (M !== 4096) for (const b of [aBuf, bBuf, cBuf, ones, dummy, uni, uniCur, read]) b.destroy();
}
const best = results.filter((r) => r.shape === '4096x4096x4096' && !r.variant.startsWith('raw')).sort((x, y) => y.tflops - x.tflops);
for (const r of best) {
  const v = variants.find((x) => x.name === r.variant);
  console.log('check', r.variant, 'max rel err', (await v.check()).toExponential(2));
}
if (process.env.OUT) (await import('node:fs')).writeFileSync(`${process.env.OUT}/tc-lab.json`, JSON.stringify(results, null, 1));
if (process.env.OUT) (await import('node:fs')).writeFileSync(`${process.env.OUT}/tc-lab-kernels.wgsl`, variants.filter((v) => v.binds !== 'engine').map((v) => `// ==== ${v.name}\n${v.code}`).join('\n\n'));
process.exit(0);
