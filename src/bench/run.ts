// Runs benchmark cases for our kernels and the tfjs peer on the same device and formats the result.
// Validates before it reports: each case's two outputs are compared, so a fast wrong kernel shows.
import { compileAhead, type Gpu } from '../gpu/index.ts';
import { tuneMatmuls } from '../ops/matmulTune.ts';
import type { BenchCase } from './cases.ts';
import { gflops, timeInterleaved, type Side, type TimingOptions } from './timing.ts';
import type { TfjsPeer } from './tfjsPeer.ts';

export interface BenchRow {
  name: string;
  group: string;
  flop: number;
  oursMs: number;
  oursGflops: number;
  tfjsMs: number | null;
  tfjsGflops: number | null;
  /** ours / tfjs throughput (higher is better for us). */
  ratio: number | null;
  /** max |ours − tfjs| over the output, relative to max |tfjs|. */
  maxRelDiff: number | null;
  note?: string;
  /** The kernel variant our side ran (chosen per adapter, after tuning). */
  variant?: string;
  /** Our GPU time per launch from timestamp queries (null without `timestamp-query`). */
  oursGpuMs?: number | null;
}

/** Repetition counts that keep a software adapter (SwiftShader) within a few minutes. */
export function timingFor(flop: number, software: boolean): TimingOptions {
  // Enough launches per timed repetition (~2 GFLOP) that the submit and drain around them vanish.
  if (!software) return { warmup: 3, reps: 10, inner: Math.min(200, Math.max(3, Math.ceil(2e9 / flop))) };
  // Software: tfjs takes seconds per large launch here, so few repetitions (median of 5 or 3).
  return { warmup: 1, reps: flop < 6e8 ? 5 : 3, inner: 1 };
}

function relDiff(ours: Float32Array, theirs: Float32Array): number {
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < theirs.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(ours[i] - theirs[i]));
    maxRef = Math.max(maxRef, Math.abs(theirs[i]));
  }
  return maxDiff / (maxRef || 1);
}

export async function runCase(gpu: Gpu, peer: TfjsPeer | null, c: BenchCase, opts?: TimingOptions): Promise<BenchRow> {
  const timing = opts ?? timingFor(c.flop, gpu.ctx.adapter.isSoftware);
  const drainOurs = async () => {
    gpu.recorder.submit();
    await gpu.ctx.device.queue.onSubmittedWorkDone();
  };
  const ours = await c.ours(gpu);
  const theirs = peer ? c.tfjs(peer) : null;
  try {
    // Compile our pipelines and tune this case's shapes before anything is timed (as a job would).
    await compileAhead(gpu, async () => {
      await ours.launch();
    });
    await tuneMatmuls(gpu);
    const sides: Side[] = [{ launch: ours.launch, drain: drainOurs }];
    if (theirs && peer) sides.push({ launch: theirs.launch, drain: peer.drain });
    const [t, tt] = await timeInterleaved(sides, timing);
    const row: BenchRow = {
      name: c.name,
      group: c.group,
      flop: c.flop,
      oursMs: t.medianMs,
      oursGflops: gflops(c.flop, t.medianMs),
      tfjsMs: null,
      tfjsGflops: null,
      ratio: null,
      maxRelDiff: null,
      note: c.note,
      variant: ours.variant?.(),
      oursGpuMs: null,
    };
    if (gpu.ctx.features.has('timestamp-query')) {
      const t = await gpu.recorder.timed(async () => {
        for (let i = 0; i < timing.inner; i++) await ours.launch();
      });
      if (t.source === 'timestamps') row.oursGpuMs = t.millis / timing.inner;
    }
    if (tt && theirs) {
      row.tfjsMs = tt.medianMs;
      row.tfjsGflops = gflops(c.flop, tt.medianMs);
      row.ratio = row.oursGflops / row.tfjsGflops;
      row.maxRelDiff = relDiff(await ours.read(), await theirs.read());
    }
    return row;
  } finally {
    ours.dispose();
    theirs?.dispose();
  }
}

/** One result as a JSON line. JSON has no NaN or ∞ (JSON.stringify writes null, which reads as "not
 * measured"): a kernel that produced them says so in words, as the table does. */
export function benchJson(value: unknown): string {
  return JSON.stringify(value, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v));
}

export function formatTable(rows: BenchRow[]): string {
  const head = ['case', 'ours ms', 'ours GFLOP/s', 'tfjs ms', 'tfjs GFLOP/s', 'ours/tfjs', 'max rel diff', 'ours GPU ms', 'our kernel'];
  const fmt = (x: number | null | undefined, d: number) => (x === null || x === undefined ? '–' : x.toFixed(d));
  const body = rows.map((r) => [
    r.name, fmt(r.oursMs, 3), fmt(r.oursGflops, 1), fmt(r.tfjsMs, 3), fmt(r.tfjsGflops, 1),
    r.ratio === null ? '–' : `${r.ratio.toFixed(2)}×`, r.maxRelDiff === null ? '–' : r.maxRelDiff.toExponential(1),
    fmt(r.oursGpuMs, 3), r.variant ?? '–',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((s, i) => (i === 0 ? s.padEnd(widths[i]) : s.padStart(widths[i]))).join('  ');
  const notes = rows.filter((r) => r.note).map((r) => `  ${r.name}: ${r.note}`);
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line), '', 'notes:', ...notes].join('\n');
}
