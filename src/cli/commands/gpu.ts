// `studio gpu`: the adapter this machine offers, its limits and features, and a self-test.
import { estimateLargestModelParams, REQUESTED_LIMITS } from '../../gpu/context.ts';
import { acquireNodeGpu } from '../../gpu/nodeGpu.ts';
import { createGpu, createStorageBuffer, readF32, uploadBuffer } from '../../gpu/index.ts';
import { addForward } from '../../ops/elementwise.ts';
import { kernelPaths } from '../../ops/kernelPaths.ts';
import { parseFlags } from '../args.ts';
import type { CliCommand } from '../command.ts';

const command: CliCommand = {
  summary: 'print the WebGPU adapter, its limits and features, and run a self-test',
  usage: 'studio gpu [--json]',
  async run(argv) {
    const flags = parseFlags(argv, { json: 'boolean' });
    const ctx = await acquireNodeGpu();
    const gpu = createGpu(ctx);
    await gpu.tuning.load();
    const n = 4099;
    const a = new Float32Array(n).map((_, i) => Math.sin(i));
    const b = new Float32Array(n).map((_, i) => Math.cos(i));
    const out = createStorageBuffer(ctx, n * 4, 'out');
    await addForward(gpu, uploadBuffer(ctx, a, 'a'), uploadBuffer(ctx, b, 'b'), out, n);
    gpu.recorder.submit();
    const got = await readF32(ctx, out, n);
    let maxAbsDiff = 0;
    for (let i = 0; i < n; i++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(got[i] - a[i] - b[i]));
    const report = {
      adapter: ctx.adapter,
      features: [...ctx.features],
      limits: ctx.limits,
      largestModelParams: estimateLargestModelParams(),
      selfTest: { ok: maxAbsDiff <= 1e-6, maxAbsDiff },
      kernels: kernelPaths(gpu),
    };
    if (flags.json) {
      console.log(JSON.stringify(report));
    } else {
      const a = ctx.adapter;
      console.log(`adapter   ${[a.vendor, a.architecture, a.device, a.description].filter(Boolean).join(' | ')}${a.isSoftware ? ' (software)' : ''}`);
      console.log(`features  ${report.features.join(', ') || '(none of shader-f16, subgroups, timestamp-query)'}`);
      for (const name of REQUESTED_LIMITS) console.log(`${name.padEnd(36)} ${ctx.limits[name]}`);
      console.log(`self-test ${report.selfTest.ok ? 'passed' : 'FAILED'} (max |GPU-CPU| ${maxAbsDiff.toExponential(2)})`);
      for (const k of report.kernels) console.log(`${k.op.padEnd(16)} ${k.path}\n${''.padEnd(16)} (${k.why})`);
      console.log(`largest model for LoRA training ≈ ${(report.largestModelParams / 1e9).toFixed(2)}B params (bf16, assuming 4 GiB)`);
    }
    ctx.destroy();
    return report.selfTest.ok ? 0 : 1;
  },
};
export default command;
