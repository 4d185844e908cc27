// What the dataset and HDR views show beyond the stored rows, as React hooks with loading and error:
// an example's tokens by segment and a dataset's token lengths (both counted in the worker with the
// loaded model's tokenizer, the one training uses, or the embedded model's before any is loaded, and
// counted again when another model is loaded), the hard cases of a dataset
// one example row and an evaluation's answers. Re-read when `stamp` changes (a job wrote something).
import { useEffect, useMemo, useRef, useState } from 'react';
import { layoutPerToken, skippedAtLength, truncationReport, type DatasetLengths, type Example, type ExampleFit, type ExampleTokens, type ReasoningShare, type TruncationReport, type UnseenTokens } from '../worker/protocol.ts';
import { engineClient } from './engine.ts';
import { useModel } from './modelStore.ts';
import { useDatasets } from './datasetStore.ts';
import { datasetStamp } from './exampleRows.ts';
import type { CountedPrompts } from './startPlan.ts';
import { evalPredictions, exampleRow, hardCases, type ExampleRow, type ListedHardCase, type Prediction } from './queries.ts';

export type { DatasetLengths, ExampleTokens } from '../worker/protocol.ts';

/** The tokenizer the views name while they wait for the worker's answer (which names it exactly). */
export const VIEW_TOKENIZER_NAME = 'model’s tokenizer';

/** The loaded model's tokenizer and template, in the keys of what they count: another tokenizer's
 * counts are others (a folder dropped again under its name may hold another template). */
const useTokenizerKey = () => useModel((s) => s.info?.tokenizer ?? '');

interface Loaded<T> {
  value: T | null;
  error: string | null;
}

/** A value from an async read keyed by `key`; null while it loads, the error text when it fails. */
function useLoaded<T>(key: string | null, load: () => Promise<T>, what: string): Loaded<T> {
  const [state, setState] = useState<{ key: string | null } & Loaded<T>>({ key: null, value: null, error: null });
  useEffect(() => {
    if (key === null) return;
    let live = true;
    load().then(
      (value) => live && setState({ key, value, error: null }),
      (err) => live && setState({ key, value: null, error: `Could not ${what}: ${(err as Error).message}.` }),
    );
    return () => {
      live = false;
    };
    // `key` names everything `load` reads.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  return state.key === key ? state : { value: null, error: null };
}

const exampleKeys = new WeakMap<Example, string>();
let nextExampleKey = 0;
const keyOf = (e: Example) => exampleKeys.get(e) ?? (exampleKeys.set(e, `ex${nextExampleKey++}`), exampleKeys.get(e)!);

export function useExampleTokens(example: Example): Loaded<ExampleTokens> {
  return useLoaded(`${useTokenizerKey()}:${keyOf(example)}`, () => engineClient().request('exampleTokens', { example }), 'tokenize this example');
}

/** The bins the dataset's length histogram counts into (one count serves every view of it). */
export const LENGTH_BINS = 16;

export function useDatasetLengths(datasetId: string, bins: number, onProgress: (p: { done: number; total: number }) => void): Loaded<DatasetLengths> {
  return useLoaded(`${useTokenizerKey()}:${datasetId}:${bins}`, () => engineClient().request('datasetLengths', { datasetId, bins }, onProgress), 'count tokens');
}

/** What the sequence length does to a dataset's training examples before a run starts (fit whole,
 * lose earlier turns, skipped), and the length the data suggests. Tokens are counted once per
 * dataset; the report follows the length as it is edited. */
export function useTruncation(datasetId: string | null, seqLen: number): Loaded<{ report: TruncationReport; suggestedSeqLen: number; tokenizer: string }> {
  const fits = useDatasetFits(datasetId);
  if (!fits.value) return { value: null, error: fits.error };
  return { value: { report: truncationReport(fits.value.fits as ExampleFit[], seqLen), suggestedSeqLen: fits.value.suggestedSeqLen, tokenizer: fits.value.tokenizer }, error: null };
}

/** The training examples a run at `seqLen` passes over (those that fit, whole or without earlier
 * turns), as training counts them; null until counted. */
export function useTrainedExamples(datasetId: string | null, seqLen: number): number | null {
  const report = useTruncation(datasetId, seqLen).value?.report;
  return report ? report.whole + report.shortened : null;
}

/** Tokens a step lays out (padding included) per token it trains on, packed as training packs and
 * with a row per example, for the Training panel's batch settings; null until counted. An example
 * that loses earlier turns to fit is counted at the whole length (it is at most that), a skipped one
 * not at all. */
export function useBatchLayout(datasetId: string | null, seqLen: number, batchSize: number, gradAccum: number): { packed: number; rowEach: number } | null {
  const fits = useDatasetFits(datasetId).value?.fits as ExampleFit[] | undefined;
  return useMemo(() => {
    if (!fits || !(batchSize >= 1) || !(gradAccum >= 1)) return null;
    const lengths = fits.filter((f) => !skippedAtLength(f, seqLen)).map((f) => Math.min(f.full, seqLen));
    return lengths.length ? layoutPerToken(lengths, batchSize, gradAccum, seqLen) : null;
  }, [fits, seqLen, batchSize, gradAccum]);
}

/** What helps a run whose own sequence length fits none of its training examples, said after a
 * sentence that names that length: the run keeps it, so starting it again fails the same way. */
export const LONGER_IN_A_NEW_RUN = 'Start a new run with a longer one (Training panel).';

/** Why a run at `seqLen` would have nothing to train on (null: something fits, even shortened):
 * the training job refuses such a run before its first step, so its Start says it first. `field`:
 * where a form sets the length, as that form names it; `ownSettings`: a run started again with the
 * settings it has, whose length only a new run can change. */
export function nothingToTrainReason(report: TruncationReport, seqLen: number, { field = 'Sequence length', ownSettings = false } = {}): string | null {
  if (report.examples === 0) return 'Include some training examples first: none on the training side is used (Dataset panel).';
  if (report.whole + report.shortened > 0) return null;
  const which = report.examples === 1 ? 'the one training example does not fit' : `none of the ${report.examples} training examples fits`;
  if (ownSettings) return `Its sequence length fits nothing: ${which} in ${seqLen} tokens, even without earlier turns. ${LONGER_IN_A_NEW_RUN}`;
  return `Raise ${field} first: ${which} in ${seqLen} tokens, even without earlier turns.`;
}

/** The reasoning against call tokens of the examples training takes (the Training panel's SSB
 * note); null until counted. Follows the examples included or left out. */
export function useTrainingReasoning(datasetId: string): Loaded<ReasoningShare> {
  const fits = useDatasetFits(datasetId);
  return { value: fits.value?.reasoning ?? null, error: fits.error };
}

/** The dataset's examples as the list last read them (datasetStamp: HDR's samples added, an example
 * included or left out, an answer edited), so what counts or lists them reads them again; its id
 * while it is not listed. */
export const useDatasetStampOf = (datasetId: string | null) =>
  useDatasets((s) => {
    const d = s.datasets.find((r) => r.id === datasetId);
    return d ? datasetStamp(d) : datasetId;
  });

function useDatasetFits(datasetId: string | null) {
  const tokenizerKey = useTokenizerKey();
  const stamp = useDatasetStampOf(datasetId);
  return useLoaded(datasetId === null ? null : `${tokenizerKey}:${stamp}`, () => engineClient().request('datasetFits', { datasetId: datasetId! }), 'count the tokens of each example');
}

/** How many of the dataset's tokens the loaded model has no embedding for (null: none to speak of,
 * or no model loaded); counted again for another model or once the examples change. */
export function useUnseenTokens(datasetId: string | null): Loaded<UnseenTokens | null> {
  const modelRef = useModel((s) => s.info?.ref ?? '');
  const stamp = useDatasetStampOf(datasetId);
  return useLoaded(datasetId === null || !modelRef ? null : `${modelRef}:${stamp}`, () => engineClient().request('datasetUnseenTokens', { datasetId: datasetId! }), 'count the tokens the model has no embedding for');
}

/** The sequence length a dataset's examples suggest (95% of them whole); undefined until counted. */
export function useSuggestedSeqLen(datasetId: string | null): number | undefined {
  return useDatasetFits(datasetId).value?.suggestedSeqLen;
}

/** The longest prompt of a dataset's examples in tokens (what evaluation and HDR decode, rendered
 * whole), for the memory plan; undefined until counted or without a dataset. */
export function useLongestPrompt(datasetId: string | null): number | undefined {
  return useDatasetFits(datasetId).value?.longestPrompt;
}

/** A dataset's prompt lengths as a start's plan takes them (countedPrompts); undefined until counted
 * or without a dataset. */
export function useCountedPrompts(datasetId: string | null): CountedPrompts {
  return useDatasetFits(datasetId).value ?? undefined;
}

/** The prompt lengths, in tokens, of the first `mineLimit` examples HDR mines from a dataset (its
 * training side's own, in order), for the memory plan's HDR length; undefined until counted or
 * without a dataset. The same array while neither changes. */
export function useMinedPrompts(datasetId: string | null, mineLimit: number): number[] | undefined {
  const prompts = useDatasetFits(datasetId).value?.minedPrompts;
  return useMemo(() => prompts?.slice(0, mineLimit), [prompts, mineLimit]);
}

/** A dataset's hard cases, re-read whenever `stamp` changes; null until the first read lands. While a
 * re-read runs, the last list read for this dataset stays: a refresh is not an empty pool. */
export function useHardCases(datasetId: string, stamp: string): ListedHardCase[] | null {
  return useKeptWhileRereading(useLoaded(`${datasetId}:${stamp}`, () => hardCases(datasetId), 'read the hard cases'), datasetId).value;
}

/** `loaded`, but while it is read again under a new key for the same `subject` (or that read
 * failed), the last value read for that subject: a view re-read after a change stays on show (and
 * keeps the focus) until the new value lands, instead of going blank. */
function useKeptWhileRereading<T>(loaded: Loaded<T>, subject: string): Loaded<T> {
  const last = useRef<{ subject: string; value: T } | null>(null);
  if (loaded.value !== null) last.current = { subject, value: loaded.value };
  if (loaded.value !== null || last.current?.subject !== subject) return loaded;
  return { value: last.current.value, error: loaded.error };
}

/** An evaluation's checked answers, read when its results are shown (a run's answers never change). */
export function useEvalPredictions(runId: string): Loaded<Prediction[]> {
  return useLoaded(runId, () => evalPredictions(runId), "read the evaluation's answers");
}

/** One example row, read again when the dataset's examples are included or left out (the row read
 * before stays on show meanwhile: its toggle, just pressed, keeps the focus). */
export function useExampleRow(datasetId: string, exampleId: string): Loaded<ExampleRow | undefined> {
  const loaded = useLoaded(`${useDatasetStampOf(datasetId)}:${exampleId}`, () => exampleRow(datasetId, exampleId), 'read the example');
  return useKeptWhileRereading(loaded, `${datasetId}\u0000${exampleId}`);
}

export { exampleRow };
