// Share links: the summary and curves round-trip through the URL fragment; a 10,000-step run still
// fits in the ~8 KB budget with its curves' shape kept (LTTB keeps first/last points and the
// spikes); and hostile fragments (bad base64, inflate bombs, wrong schema, unknown keys,
// `__proto__`) are refused, while script-looking text comes back as the same plain string.
import { deflateSync, inflateSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { downsampleCurve } from '../../src/snapshot/downsample.ts';
import { SHARE_LIMITS } from '../../src/snapshot/limits.ts';
import { validateRunJson } from '../../src/snapshot/run-json.ts';
import { decodeShareLink, encodeShareLink, SHARE_PREFIX, shareSummaryFromRun } from '../../src/snapshot/share-link.ts';
import { SnapshotError } from '../../src/snapshot/validate.ts';
import { runJson } from './fixtures.ts';

const toB64Url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
/** A fragment holding exactly this JSON, bypassing the encoder (as an attacker would). */
const fragmentOfJson = (value: unknown) => SHARE_PREFIX + toB64Url(deflateSync(new TextEncoder().encode(JSON.stringify(value))));

async function summaryOf(steps: number) {
  const run = await runJson(steps);
  return shareSummaryFromRun(validateRunJson(JSON.parse(JSON.stringify({ ...run, schema: 'balancesft-run/1' }))));
}

/** The refusal message, or 'accepted' when the fragment decodes. */
function refusal(fragment: string): string {
  try {
    decodeShareLink(fragment);
  } catch (err) {
    expect(err).toBeInstanceOf(SnapshotError);
    return (err as Error).message;
  }
  return 'accepted';
}

describe('share link encoding', () => {
  it('round-trips the summary (values rounded to 4 significant digits)', async () => {
    const summary = await summaryOf(50);
    const fragment = encodeShareLink(summary);
    expect(fragment.startsWith('#share=')).toBe(true);
    const back = decodeShareLink(`https://studio.example/#${fragment.slice(1)}`);
    expect({ ...back, curves: undefined }).toEqual({ ...summary, curves: undefined });
    expect(back.curves.loss!.steps).toEqual(summary.curves.loss!.steps);
    back.curves.loss!.values.forEach((v, i) => expect(Math.abs(v - summary.curves.loss!.values[i])).toBeLessThanOrEqual(Math.abs(v) * 5e-4));
    expect(back.headline.finalAlpha).toBeCloseTo(0.4, 10);
    expect(back.headline.bestEvalLoss).toBeCloseTo(1.46, 10);
    expect(back.hdrRounds).toHaveLength(2);
    // The bare payload (what a `#share=(.+)` match yields) decodes the same.
    expect(decodeShareLink(fragment.slice(SHARE_PREFIX.length))).toEqual(back);
  });

  it('keeps a 10,000-step run under the size budget with curves of at most 200 points', async () => {
    const summary = await summaryOf(10_000);
    for (const c of Object.values(summary.curves)) expect(c.steps.length).toBeLessThanOrEqual(200);
    const fragment = encodeShareLink(summary);
    expect(fragment.length).toBeLessThanOrEqual(SHARE_LIMITS.targetFragmentChars);
    const back = decodeShareLink(fragment);
    const loss = back.curves.loss!;
    expect(loss.steps[0]).toBe(1);
    expect(loss.steps.at(-1)).toBe(10_000);
    expect(loss.steps.length).toBe(200); // delta-encoded steps and 4-digit values let all 200 points fit
    // Grad norm, throughput and the eval CoT/call split travel too.
    expect(Object.keys(back.curves).sort()).toEqual(['alpha', 'evalLoss', 'evalLossCall', 'evalLossCot', 'gradNorm', 'loss', 'lossCall', 'lossCot', 'lr', 'tokensPerSecond']);
  });

  it('carries as many HDR rounds as it may, each with its held-out accuracies and answer changes, inside the size budget', async () => {
    const run = await runJson(2_000);
    // Rates as a run computes them (3 of 7 passed…): full doubles, which the link rounds to 4 digits.
    run.hdrRounds = Array.from({ length: SHARE_LIMITS.maxHdrRounds }, (_, i) => ({
      round: i + 1, poolSize: 900 - i * 7, sampled: 2700 - i * 21, passRate: (i + 3) / 907, accepted: 17 + i, step: 2000 + i * 13,
      evalAccuracyBefore: (400 + i) / 1009, evalAccuracyAfter: (401 + i) / 1009, evalChanges: { fixed: 10 + i, broken: i }, evalChangesSinceStart: { fixed: 20 + i, broken: 2 * i },
    }));
    run.hdrRun = { rounds: SHARE_LIMITS.maxHdrRounds, maxRounds: SHARE_LIMITS.maxHdrRounds };
    const summary = shareSummaryFromRun(validateRunJson(JSON.parse(JSON.stringify({ ...run, schema: 'balancesft-run/1' }))));
    const fragment = encodeShareLink(summary);
    expect(fragment.length).toBeLessThanOrEqual(SHARE_LIMITS.targetFragmentChars);
    const back = decodeShareLink(fragment).hdrRounds;
    expect(back).toHaveLength(SHARE_LIMITS.maxHdrRounds);
    expect(back[99]).toEqual({ ...run.hdrRounds[99], passRate: 0.1125, evalAccuracyBefore: 0.4945, evalAccuracyAfter: 0.4955 });
  });

  it('leaves out a segment’s loss, and α, at steps whose batch had none of that segment, as the dashboard does', async () => {
    const run = await runJson(4);
    // Step 2 had no reasoning tokens, step 4 (the last) no call tokens: the trainer logs 0 for the
    // missing segment's loss and α 0 or 1. The shared view drew dips to 0 and headlined α = 1.
    Object.assign(run.metrics[1], { lossCot: 0, alpha: 0, cotTokens: 0 });
    Object.assign(run.metrics[3], { lossCall: 0, alpha: 1, callTokens: 0 });
    const s = shareSummaryFromRun(validateRunJson(JSON.parse(JSON.stringify({ ...run, schema: 'balancesft-run/1' }))));
    expect(s.curves.lossCot!.steps).toEqual([1, 3, 4]);
    expect(s.curves.lossCall!.steps).toEqual([1, 2, 3]);
    expect(s.curves.alpha!.steps).toEqual([1, 3]);
    expect(s.curves.loss!.steps).toEqual([1, 2, 3, 4]);
    expect(s.headline.finalAlpha).toBe(run.metrics[2].alpha);
    expect(s.headline.finalLossCall).toBe(run.metrics[2].lossCall);
    expect(s.headline.finalLossCot).toBe(run.metrics[3].lossCot);
  });

  it('carries the held-out loss per token, the dashboard\'s held-out figure, as a curve and as the newest value', async () => {
    // The α-weighted eval loss falls when α moves; the dashboard headlines the loss per token
    // instead. A link carried only the α-weighted one, so it told the viewer another number.
    const run = await runJson(30);
    run.evalMetrics = run.evalMetrics.map((e, i) => ({ ...e, evalLossTokens: 1.8 - i * 0.05 }));
    const s = shareSummaryFromRun(validateRunJson(JSON.parse(JSON.stringify({ ...run, schema: 'balancesft-run/1' }))));
    expect(s.curves.evalLossTokens).toEqual({ steps: [10, 20, 30], values: [1.8, 1.75, 1.7] });
    expect(s.headline.finalEvalLossTokens).toBe(1.7);
    const back = decodeShareLink(encodeShareLink(s));
    expect(back.curves.evalLossTokens!.steps).toEqual([10, 20, 30]);
    expect(back.headline.finalEvalLossTokens).toBe(1.7);
  });

  it('refuses a summary that breaks its own schema instead of writing it', async () => {
    const summary = await summaryOf(10);
    expect(() => encodeShareLink({ ...summary, name: 'n'.repeat(500) })).toThrow(/share link: name is 500 characters long/);
  });
});

describe('share link decoding refuses hostile input', () => {
  it('bad base64 and wrong prefixes', () => {
    expect(refusal('#share=abc$def')).toBe('share link: not base64url text');
    expect(refusal('#share=abcde')).toBe('share link: base64url text has an impossible length');
    expect(refusal('#other=abc')).toBe('share link: the URL fragment does not start with #share=');
    expect(refusal('https://x.example/page#shared=abc')).toBe('share link: the URL fragment does not start with #share=');
    expect(refusal('<script>')).toBe('share link: not base64url text');
  });

  it('fragments longer than the cap, before decoding them', () => {
    expect(refusal(SHARE_PREFIX + 'A'.repeat(SHARE_LIMITS.maxFragmentChars))).toMatch(/^share link: \d+ characters; the limit is 16384$/);
  });

  it('a small payload that inflates past the cap', () => {
    const bomb = deflateSync(new Uint8Array(5_000_000).fill(0x20), { level: 9 });
    const fragment = SHARE_PREFIX + toB64Url(bomb);
    expect(fragment.length).toBeLessThan(SHARE_LIMITS.maxFragmentChars);
    expect(refusal(fragment)).toBe(`share link: inflates to more than ${SHARE_LIMITS.maxInflatedBytes} bytes`);
  });

  it('corrupt deflate data and non-JSON content', () => {
    expect(refusal(SHARE_PREFIX + toB64Url(new Uint8Array([0xff, 0xff, 0xff, 0x00, 0x13])))).toMatch(/^share link: corrupt compressed data/);
    expect(refusal(SHARE_PREFIX + toB64Url(deflateSync(new TextEncoder().encode('{not json'))))).toMatch(/^share link: not valid JSON/);
  });

  it('the wrong schema, unknown keys, __proto__ and bad curve shapes, naming the field', async () => {
    // The wire form of a valid summary, decoded from a real link so only the edited field is wrong.
    const wire = new TextDecoder().decode(inflateSync(Buffer.from(encodeShareLink(await summaryOf(20)).slice(SHARE_PREFIX.length), 'base64url')));
    const good = JSON.parse(wire);
    expect(refusal(fragmentOfJson(good))).toBe('accepted');
    expect(refusal(fragmentOfJson({ ...good, schema: 'balancesft-run/1' }))).toMatch(/^share link: schema must be "balancesft-share\/1"/);
    expect(refusal(fragmentOfJson({ ...good, onload: 'x' }))).toBe('share link: onload is not a known field');
    const withProto = JSON.stringify(good).replace('{"schema"', '{"__proto__":{"polluted":true},"schema"');
    expect(refusal(SHARE_PREFIX + toB64Url(deflateSync(new TextEncoder().encode(withProto))))).toBe('share link: __proto__ is not a known field');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const lopsided = { ...good, curves: { ...good.curves, loss: { stepDeltas: [1, 2], values: [1] } } };
    expect(refusal(fragmentOfJson(lopsided))).toBe('share link: curves.loss has 2 steps but 1 values');
    const backwards = { ...good, curves: { ...good.curves, loss: { stepDeltas: [5, 0], values: [1, 2] } } };
    expect(refusal(fragmentOfJson(backwards))).toBe('share link: curves.loss.stepDeltas[1] must be ≥ 1 (steps increase)');
    const absolute = { ...good, curves: { ...good.curves, loss: { steps: [1, 2], values: [1, 2] } } };
    expect(refusal(fragmentOfJson(absolute))).toBe('share link: curves.loss.steps is not a known field');
    expect(refusal(fragmentOfJson({ ...good, headline: { finalLoss: 'NaN' } }))).toMatch(/^share link: headline\.finalLoss must be a finite number/);
  });

  it('keeps script-looking strings as the same plain strings', async () => {
    const summary = await summaryOf(10);
    const hostile = '<img src=x onerror="alert(1)"><script>alert(2)</script>';
    const back = decodeShareLink(encodeShareLink({ ...summary, name: hostile, dataset: { ...summary.dataset, name: '"><svg/onload=alert(3)>' } }));
    expect(back.name).toBe(hostile);
    expect(back.dataset.name).toBe('"><svg/onload=alert(3)>');
  });
});

describe('LTTB downsampling', () => {
  it('keeps the first and last points and a lone spike', () => {
    const steps = Array.from({ length: 5000 }, (_, i) => i + 1);
    const values = steps.map((s) => (s === 2500 ? 50 : 1 / s));
    const d = downsampleCurve({ steps, values }, 100);
    expect(d.steps).toHaveLength(100);
    expect(d.steps[0]).toBe(1);
    expect(d.steps.at(-1)).toBe(5000);
    expect(d.values).toContain(50);
    expect(d.steps.every((s, i) => i === 0 || s > d.steps[i - 1])).toBe(true);
  });

  it('keeps a noisy curve\'s lowest and highest points, as the dashboard\'s chart shows them', () => {
    // LTTB alone left out the best loss of about one such curve in three.
    let seed = 1;
    const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    for (let t = 0; t < 50; t++) {
      const steps = Array.from({ length: 500 + Math.floor(random() * 10_000) }, (_, i) => i + 1);
      let v = 2;
      const values = steps.map(() => (v = v * 0.999 + (random() - 0.5) * 0.05));
      const d = downsampleCurve({ steps, values }, 200);
      expect(d.steps).toHaveLength(200);
      expect(d.values).toContain(Math.min(...values));
      expect(d.values).toContain(Math.max(...values));
      expect([d.steps[0], d.steps.at(-1)]).toEqual([1, steps.length]);
      expect(d.steps.every((s, i) => i === 0 || s > d.steps[i - 1])).toBe(true);
    }
  });

  it('returns short curves unchanged', () => {
    expect(downsampleCurve({ steps: [1, 2, 3], values: [3, 2, 1] }, 200)).toEqual({ steps: [1, 2, 3], values: [3, 2, 1] });
  });
});
