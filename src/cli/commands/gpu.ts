// `studio gpu`: the adapter this machine offers, its limits and features, and a self-test.
import { estimateLargestModelParams, REQUESTED_LIMITS } from '../../gpu/context.ts';
import { acquireNodeGpu } from '../../gpu/nodeGpu.ts';
import { createGpu } from '../../gpu/index.ts';
import { runSelfTest, type SelfTestResult } from '../../ops/selfTest.ts';
import { kernelPaths } from '../../ops/kernelPaths.ts';
import { parseFlags } from '../args.ts';
import { inCommandWords, type CliCommand } from '../command.ts';

const command: CliCommand = {
  summary: 'print the WebGPU adapter, its limits and features, and run a self-test',
  usage: 'studio gpu [--json]',
  async run(argv) {
    const flags = parseFlags(argv, { json: 'boolean' });
    const ctx = await acquireNodeGpu();
    const gpu = createGpu(ctx);
    await gpu.tuning.load();
    const selfTest = selfTestInCommandWords(await runSelfTest(gpu));
    const report = {
      adapter: ctx.adapter,
      features: [...ctx.features],
      limits: ctx.limits,
      largestModelParams: estimateLargestModelParams(),
      selfTest,
      kernels: kernelPaths(gpu),
    };
    if (flags.json) {
      console.log(JSON.stringify(report));
    } else {
      const a = ctx.adapter;
      console.log(`adapter   ${[a.vendor, a.architecture, a.device, a.description].filter(Boolean).join(' | ')}${a.isSoftware ? ' (software)' : ''}`);
      console.log(`features  ${report.features.join(', ') || '(none of shader-f16, subgroups, timestamp-query)'}`);
      for (const name of REQUESTED_LIMITS) console.log(`${name.padEnd(36)} ${ctx.limits[name]}`);
      console.log(selfTestLine(selfTest));
      for (const k of report.kernels) console.log(`${k.op.padEnd(16)} ${k.path}\n${''.padEnd(16)} (${k.why})`);
      console.log(`largest model for LoRA training ≈ ${(report.largestModelParams / 1e9).toFixed(2)}B params (bf16, assuming 4 GiB)`);
    }
    ctx.destroy();
    return report.selfTest.ok ? 0 : 1;
  },
};
export default command;

/** The self-test with an error the GPU raised in the command's words, as main says errors (its line
 * and --json print it here, not through main). */
export function selfTestInCommandWords(selfTest: SelfTestResult): SelfTestResult {
  return selfTest.error ? { ...selfTest, error: inCommandWords(selfTest.error, command) } : selfTest;
}

/** The self-test's line in studio gpu's table. */
export function selfTestLine(selfTest: SelfTestResult): string {
  if (selfTest.error) return `self-test FAILED: ${selfTest.error}`;
  return `self-test ${selfTest.ok ? 'passed' : 'FAILED'} (add and matrix multiply, ${selfTest.elements} values, max |GPU-CPU| ${selfTest.maxAbsDiff.toExponential(2)})`;
}
