// Share links: a run's summary and downsampled curves, deflated and base64url-encoded into the URL
// fragment (`#share=…`), which browsers never send to a server, so sharing uploads nothing.
// Owns the summary schema (`balancesft-share/1`), building it from run.json, the encoder (which
// shrinks curves until the fragment fits the size budget) and the strict decoder: length cap before
// decoding, inflate cap, JSON schema with field paths. Decoded strings are returned as plain
// strings; the viewer must render them as text, never as HTML.
import { deflateSync } from 'fflate';
import { downsampleCurve, type Curve } from './downsample.ts';
import { SHARE_LIMITS as L } from './limits.ts';
import { evaluationSummary, hdrRound, hdrRunSummary, hdrTotals, RUN_STATUSES, trainedOn, type EvaluationSummary, type HdrRoundSummary, type HdrRunSummary, type HdrTotalsSummary, type RunJson, type RunStatus, type TrainedOn } from './run-json.ts';
import { arr, bool, checkEntry, FieldError, int, literal, num, obj, oneOf, opt, SnapshotError, str, type Check } from './validate.ts';
import type { SplitSettings } from '../data/split.ts';
import { inflateCapped } from './zip.ts';
import { balanceSettingsOf, type RunConfig } from '../train/config.ts';
import { segmentGaps } from '../train/ssb.ts';

export const SHARE_SCHEMA = 'balancesft-share/1';
export const SHARE_PREFIX = '#share=';
const ENTRY = 'share link';

/** Every curve a link may carry (each optional: links made before a curve was added still open). */
export const CURVE_NAMES = ['loss', 'lossCot', 'lossCall', 'alpha', 'lr', 'evalLoss', 'evalLossTokens', 'evalLossCot', 'evalLossCall', 'gradNorm', 'tokensPerSecond'] as const;
export type CurveName = (typeof CURVE_NAMES)[number];

export interface ShareSummary {
  schema: typeof SHARE_SCHEMA;
  name: string;
  modelRef: string;
  status: RunStatus;
  createdAt: number;
  lastStep?: number;
  config: {
    loss: string;
    lr: number;
    steps: number;
    rank: number;
    alpha: number;
    targets: string[];
    batchSize: number;
    gradAccum: number;
    seqLen: number;
    schedule: string;
    seed: number;
    /** SSB's balance rule and α's start and bounds (links made before they were carried have none). */
    balanceRule?: string;
    alpha0?: number;
    alphaMin?: number;
    alphaMax?: number;
  };
  /** `edited`: examples whose expected answer the sharer edited (absent: none, or an older link);
   * `split`: how its held-out examples were chosen (absent: an older link). The count and fingerprint
   * are the dataset's when the link was made; `trained`: what the run trained on (absent: an older link). */
  dataset: { name: string; fingerprint: string; examples: number; edited?: number; split?: SplitSettings; trained?: TrainedOn };
  /** The run whose adapter this one started from, by name (absent: a new adapter, or an older link). */
  startedFrom?: { name: string; step: number; hdr?: boolean };
  headline: {
    finalLoss?: number;
    finalLossCot?: number;
    finalLossCall?: number;
    finalAlpha?: number;
    /** The newest held-out loss per target token, the dashboard's headline held-out number: unlike
     * the α-weighted eval loss it moves only when the model does (links made before have none). */
    finalEvalLossTokens?: number;
    bestEvalLoss?: number;
    bestEvalStep?: number;
    meanTokensPerSecond?: number;
  };
  evaluation?: EvaluationSummary;
  curves: Partial<Record<CurveName, Curve>>;
  hdrRounds: HdrRoundSummary[];
  hdrTotals?: HdrTotalsSummary;
  /** Present for an HDR run, whose status is told in its rounds: `lastStep` and `config.steps` are
   * the training run's it continued (links made before have none). */
  hdrRun?: HdrRunSummary;
}

/** The finite (step, value) pairs of one metric; non-finite values (a diverged step) are left out of
 * the plot, and so are a segment's loss and α at a step without tokens of that segment (as the
 * dashboard leaves them out: the logged 0, or α 0 or 1, are no values of the run). */
function metricCurve(points: ReadonlyArray<{ step: number }>, key: string): Curve {
  const steps: number[] = [];
  const values: number[] = [];
  for (const p of points) {
    const v = (p as Record<string, unknown>)[key];
    if (typeof v === 'number' && Number.isFinite(v) && !(segmentGaps(p as Record<string, number | null>) as string[]).includes(key)) {
      steps.push(p.step);
      values.push(v);
    }
  }
  return { steps, values };
}

const last = (c: Curve): number | undefined => c.values.at(-1);

/** The balance settings an SSB run learns α with; none for a loss that learns no α. */
function balanceOf(c: RunConfig): Pick<ShareSummary['config'], 'balanceRule' | 'alpha0' | 'alphaMin' | 'alphaMax'> {
  if (c.loss !== 'ssb') return {};
  const b = balanceSettingsOf(c);
  return { balanceRule: b.rule, alpha0: b.alpha0, alphaMin: b.alphaMin, alphaMax: b.alphaMax };
}

/** The summary a share link carries, with every curve downsampled to `maxPoints`. */
export function shareSummaryFromRun(run: RunJson, maxPoints: number = L.defaultPointsPerCurve): ShareSummary {
  const curves: Partial<Record<CurveName, Curve>> = {};
  for (const name of CURVE_NAMES) {
    const full = name.startsWith('evalLoss') ? metricCurve(run.evalMetrics, name) : metricCurve(run.metrics, name);
    if (full.steps.length > 0) curves[name] = downsampleCurve(full, maxPoints);
  }
  const full = (k: string) => metricCurve(run.metrics, k);
  const evalLoss = metricCurve(run.evalMetrics, 'evalLoss');
  let best = -1;
  evalLoss.values.forEach((v, i) => {
    if (best < 0 || v < evalLoss.values[best]) best = i;
  });
  const tps = full('tokensPerSecond').values;
  const headline: ShareSummary['headline'] = {
    finalLoss: last(full('loss')),
    finalLossCot: last(full('lossCot')),
    finalLossCall: last(full('lossCall')),
    finalAlpha: last(full('alpha')),
    finalEvalLossTokens: last(metricCurve(run.evalMetrics, 'evalLossTokens')),
    bestEvalLoss: best >= 0 ? evalLoss.values[best] : undefined,
    bestEvalStep: best >= 0 ? evalLoss.steps[best] : undefined,
    meanTokensPerSecond: tps.length ? tps.reduce((a, b) => a + b, 0) / tps.length : undefined,
  };
  const c = run.config;
  return {
    schema: SHARE_SCHEMA,
    name: run.run.name,
    modelRef: run.model.ref,
    status: run.run.status,
    createdAt: run.run.createdAt,
    lastStep: run.run.lastStep,
    config: { loss: c.loss, lr: c.lr, steps: c.steps, rank: c.lora.rank, alpha: c.lora.alpha, targets: [...c.lora.targets], batchSize: c.batchSize, gradAccum: c.gradAccum, seqLen: c.seqLen, schedule: c.schedule, seed: c.seed, ...balanceOf(c) },
    dataset: { name: run.dataset.name, fingerprint: run.dataset.fingerprint, examples: run.dataset.examples, ...(run.dataset.edited ? { edited: run.dataset.edited } : {}), ...(run.dataset.split && { split: run.dataset.split }), ...(run.dataset.trained && { trained: run.dataset.trained }) },
    ...(run.run.startedFrom && { startedFrom: run.run.startedFrom }),
    headline: Object.fromEntries(Object.entries(headline).filter(([, v]) => v !== undefined)),
    evaluation: run.evaluation,
    curves,
    hdrRounds: run.hdrRounds.slice(-L.maxHdrRounds),
    ...(run.hdrTotals ? { hdrTotals: run.hdrTotals } : {}),
    ...(run.hdrRun ? { hdrRun: run.hdrRun } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Schema

const finite = num();
const count = int({ min: 0 });

/** On the wire a curve's steps are deltas (first step, then gaps): small numbers deflate far better,
 * which is what lets 200 points per curve fit the budget. The check rebuilds absolute steps. */
interface WireCurve {
  stepDeltas: number[];
  values: number[];
}

const MAX_STEP = 1e12;

const curve: Check<Curve> = (v, path) => {
  const c = obj({ stepDeltas: arr(count, { max: L.maxPointsPerCurve }), values: arr(finite, { max: L.maxPointsPerCurve }) })(v, path);
  if (c.stepDeltas.length !== c.values.length) throw new FieldError(path, `has ${c.stepDeltas.length} steps but ${c.values.length} values`);
  const steps: number[] = [];
  for (const [i, d] of c.stepDeltas.entries()) {
    if (i > 0 && d < 1) throw new FieldError(`${path}.stepDeltas[${i}]`, 'must be ≥ 1 (steps increase)');
    const step = (steps.at(-1) ?? 0) + d;
    if (step > MAX_STEP) throw new FieldError(`${path}.stepDeltas[${i}]`, `takes the step past ${MAX_STEP}`);
    steps.push(step);
  }
  return { steps, values: c.values };
};

const toWire = (c: Curve): WireCurve => ({ stepDeltas: c.steps.map((s, i) => (i === 0 ? s : s - c.steps[i - 1])), values: c.values });

const shareSummary: Check<ShareSummary> = obj({
  schema: literal(SHARE_SCHEMA),
  name: str({ max: 200 }),
  modelRef: str({ max: 300 }),
  status: oneOf(RUN_STATUSES),
  createdAt: count,
  lastStep: opt(count),
  config: obj({
    loss: str({ max: 40 }),
    lr: finite,
    steps: count,
    rank: count,
    alpha: finite,
    targets: arr(str({ max: 20 }), { max: 16 }),
    batchSize: count,
    gradAccum: count,
    seqLen: count,
    schedule: str({ max: 20 }),
    seed: count,
    balanceRule: opt(str({ max: 20 })),
    alpha0: opt(finite),
    alphaMin: opt(finite),
    alphaMax: opt(finite),
  }),
  dataset: obj({ name: str({ max: 200 }), fingerprint: str({ max: 80 }), examples: count, edited: opt(count), split: opt(obj({ seed: count, evalFraction: num({ min: 0, max: 0.99 }), by: opt(literal('question')) })), trained: opt(trainedOn) }),
  startedFrom: opt(obj({ name: str({ max: 200 }), step: count, hdr: opt(bool) })),
  headline: obj({
    finalLoss: opt(finite),
    finalLossCot: opt(finite),
    finalLossCall: opt(finite),
    finalAlpha: opt(finite),
    finalEvalLossTokens: opt(finite),
    bestEvalLoss: opt(finite),
    bestEvalStep: opt(count),
    meanTokensPerSecond: opt(finite),
  }),
  evaluation: opt(evaluationSummary),
  curves: obj(Object.fromEntries(CURVE_NAMES.map((n) => [n, opt(curve)])) as Record<CurveName, ReturnType<typeof opt<Curve>>>) as Check<Partial<Record<CurveName, Curve>>>,
  hdrRounds: arr(hdrRound, { max: L.maxHdrRounds }),
  hdrTotals: opt(hdrTotals),
  hdrRun: opt(hdrRunSummary),
}) as Check<ShareSummary>;

// ---------------------------------------------------------------------------------------------
// Encoding

function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new SnapshotError(`${ENTRY}: not base64url text`);
  if (text.length % 4 === 1) throw new SnapshotError(`${ENTRY}: base64url text has an impossible length`);
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4));
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/** 4 significant digits: a curve drawn a few hundred pixels high cannot show more, and it halves the link. */
const round4 = (v: number) => Number(v.toPrecision(4));

/** The JSON that goes on the wire: curves downsampled to `maxPoints`, rounded, steps as deltas. */
function wireJson(s: ShareSummary, maxPoints: number): string {
  const curves: Partial<Record<CurveName, WireCurve>> = {};
  for (const [name, c] of Object.entries(s.curves) as Array<[CurveName, Curve]>) {
    const d = downsampleCurve(c, maxPoints);
    curves[name] = toWire({ steps: d.steps, values: d.values.map(round4) });
  }
  // A round's rates are read as whole percents: 4 digits keep 100 rounds inside the link.
  const hdrRounds = s.hdrRounds.map((r) => ({
    ...r,
    passRate: round4(r.passRate),
    ...(typeof r.evalAccuracyBefore === 'number' && { evalAccuracyBefore: round4(r.evalAccuracyBefore) }),
    ...(typeof r.evalAccuracyAfter === 'number' && { evalAccuracyAfter: round4(r.evalAccuracyAfter) }),
  }));
  return JSON.stringify({ ...s, curves, hdrRounds });
}

/** `#share=<base64url(deflate(JSON))>`, under SHARE_LIMITS.targetFragmentChars: curves are
 * downsampled further (halving the points) until the fragment fits. */
export function encodeShareLink(summary: ShareSummary): string {
  const longest = Math.max(0, ...Object.values(summary.curves).map((c) => c.steps.length));
  for (let points = Math.min(longest, L.maxPointsPerCurve); ; points = Math.floor(points / 2)) {
    const json = wireJson(summary, Math.max(points, 3));
    // The decoder's schema, run on what we are about to write: never produce a link it would refuse.
    checkEntry(ENTRY, JSON.parse(json), shareSummary);
    const fragment = SHARE_PREFIX + toBase64Url(deflateSync(new TextEncoder().encode(json), { level: 9 }));
    if (fragment.length <= L.targetFragmentChars) return fragment;
    if (points <= 3) throw new SnapshotError(`${ENTRY}: the summary does not fit in ${L.targetFragmentChars} characters even with 3 points per curve`);
  }
}

/** The summary in a `#share=…` fragment, a whole URL holding one, or the bare payload after
 * `#share=`; validated, or one SnapshotError. */
export function decodeShareLink(fragmentOrUrl: string): ShareSummary {
  const hashAt = fragmentOrUrl.indexOf('#');
  const fragment = hashAt >= 0 ? fragmentOrUrl.slice(hashAt) : fragmentOrUrl.startsWith('share=') ? '#' + fragmentOrUrl : SHARE_PREFIX + fragmentOrUrl;
  if (!fragment.startsWith(SHARE_PREFIX)) throw new SnapshotError(`${ENTRY}: the URL fragment does not start with ${SHARE_PREFIX}`);
  if (fragment.length > L.maxFragmentChars) throw new SnapshotError(`${ENTRY}: ${fragment.length} characters; the limit is ${L.maxFragmentChars}`);
  if (fragment.length === SHARE_PREFIX.length) throw new SnapshotError(`${ENTRY}: it ends right after ${SHARE_PREFIX}, with no run in it`);
  const compressed = fromBase64Url(fragment.slice(SHARE_PREFIX.length));
  let json: Uint8Array;
  try {
    json = inflateCapped(compressed, L.maxInflatedBytes, () => new SnapshotError(`${ENTRY}: inflates to more than ${L.maxInflatedBytes} bytes`));
  } catch (err) {
    if (err instanceof SnapshotError) throw err;
    throw new SnapshotError(`${ENTRY}: corrupt compressed data (${(err as Error).message})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(json));
  } catch (err) {
    throw new SnapshotError(`${ENTRY}: not valid JSON (${(err as Error).message})`);
  }
  return checkEntry(ENTRY, value, shareSummary);
}
