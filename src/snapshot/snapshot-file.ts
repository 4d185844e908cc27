// The snapshot `.zip`: export and strict import (DESIGN.md "Snapshots").
// Entries: run.json (required), adapter_config.json + adapter_model.safetensors (PEFT's format,
// together or not at all), checkpoint.safetensors (trainer state, for resume), dataset.jsonl.
// Import validates everything before returning anything: zip limits, run.json schema, the adapter
// against adapter_config.json, the run's LoRA settings and the model's shapes, the checkpoint's
// sizes and finiteness, and the dataset against the fingerprint in run.json. One SnapshotError
// names the entry and the problem; nothing partial is ever returned.
// Never touches the GPU or the database (snapshot-db.ts does storage).
import { datasetFingerprint } from '../data/fingerprint.ts';
import type { Example } from '../data/example.ts';
import { memorySource } from '../model/byte-source.ts';
import type { ModelSpec } from '../model/config.ts';
import { loraLayout, unflattenLora } from '../model/deviceLora.ts';
import type { LoraAdapter, LoraSettings } from '../model/lora.ts';
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, exportPeftAdapter, importPeftAdapter } from '../model/peft.ts';
import { decodeCheckpoint } from '../train/checkpointFile.ts';
import type { TrainerState } from '../train/trainer.ts';
import { DATASET_FILE, encodeDatasetJsonl, parseDatasetJsonl, type SnapshotDataset } from './dataset-jsonl.ts';
import { SNAPSHOT_ZIP_LIMITS, type ZipLimits } from './limits.ts';
import { checkSpecMatches, RUN_JSON_FILE, RUN_SCHEMA, specFromSummary, validateRunJson, type MetricPoint, type RunJson } from './run-json.ts';
import { SnapshotError } from './validate.ts';
import { readZip, writeZip, type ZipEntryToWrite } from './zip.ts';

export const CHECKPOINT_FILE = 'checkpoint.safetensors';
const ENTRY_NAMES = [RUN_JSON_FILE, ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, CHECKPOINT_FILE, DATASET_FILE];

/** adapter_config.json text and adapter_model.safetensors bytes, as PEFT writes them. */
export interface AdapterFiles {
  configJson: string;
  weights: Uint8Array;
}

export interface SnapshotInput {
  /** run.json content; `schema` and `exportedAt` are filled in. Metric values may be NaN/±Infinity (stored as null). */
  run: Omit<RunJson, 'schema' | 'exportedAt'> & { exportedAt?: number };
  /** The adapter, either as tensors (with the model spec, to name and shape them) or as PEFT files already written. */
  adapter?: { spec: ModelSpec; adapter: LoraAdapter } | { files: AdapterFiles };
  /** checkpointFile.ts bytes, so the run can be resumed. */
  checkpoint?: Uint8Array;
  dataset?: Example[];
  /** Whether each dataset example was used for training, written beside it. */
  datasetInclusion?: ReadonlyMap<string, boolean>;
  /** The examples whose answer the user edited, as they were imported, written beside them. */
  datasetImported?: ReadonlyMap<string, Example>;
}

export interface ImportedSnapshot {
  run: RunJson;
  adapter?: { adapter: LoraAdapter; files: AdapterFiles };
  checkpoint?: { state: TrainerState; bytes: Uint8Array };
  dataset?: Example[];
  /** The dataset lines' `"included"`, where they carry one (snapshots before it do not). */
  datasetInclusion?: Map<string, boolean>;
  /** The dataset lines' `"imported"`: edited examples as they were imported (absent: none). */
  datasetImported?: Map<string, Example>;
}

const finiteOrNull = (v: number | null) => (v === null || Number.isFinite(v) ? v : null);

function cleanMetrics(metrics: MetricPoint[]): MetricPoint[] {
  return metrics.map((m) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, finiteOrNull(v)])) as MetricPoint);
}

/** DOS timestamps start in 1980; zip entry times come from the run so export is deterministic. */
function zipTime(ms: number): Date {
  return new Date(Math.max(ms, Date.UTC(1980, 1, 1)));
}

/** Import refuses an entry over its size cap before reading anything, and the row and line counts
 * run.json and dataset.jsonl allow can pass those caps: such a zip is refused here, naming the entry. */
function checkEntrySizes(entries: ZipEntryToWrite[], limits: ZipLimits): void {
  let total = 0;
  for (const e of entries) {
    const cap = limits.maxEntryBytes[e.name];
    const hint = e.name === DATASET_FILE ? '; export the run without its dataset' : '';
    if (e.data.byteLength > cap) throw new SnapshotError(`${e.name}: ${e.data.byteLength} bytes, but a snapshot's ${e.name} may have at most ${cap} (import refuses more)${hint}`);
    total += e.data.byteLength;
  }
  if (total > limits.maxTotalBytes) throw new SnapshotError(`snapshot: its entries come to ${total} bytes, but a snapshot may hold at most ${limits.maxTotalBytes} (import refuses more)`);
}

/** The snapshot as zip bytes. The run.json and dataset written are checked with the import schema
 * first, and every entry's size against the import's `limits`, so export never writes a file import
 * would refuse. */
export function exportSnapshot(input: SnapshotInput, limits: ZipLimits = SNAPSHOT_ZIP_LIMITS): Uint8Array {
  const run: RunJson = {
    ...input.run,
    schema: RUN_SCHEMA,
    exportedAt: input.run.exportedAt ?? Date.now(),
    metrics: cleanMetrics(input.run.metrics),
    evalMetrics: input.run.evalMetrics.map((e) => ({ ...e, evalLoss: finiteOrNull(e.evalLoss), evalLossCot: finiteOrNull(e.evalLossCot ?? null), evalLossCall: finiteOrNull(e.evalLossCall ?? null), ...(e.evalLossTokens !== undefined ? { evalLossTokens: finiteOrNull(e.evalLossTokens) } : {}) })),
  };
  const runText = JSON.stringify(run);
  validateRunJson(JSON.parse(runText));
  const entries: ZipEntryToWrite[] = [{ name: RUN_JSON_FILE, data: new TextEncoder().encode(runText), level: 9 }];
  if (input.adapter) {
    const files: AdapterFiles =
      'files' in input.adapter
        ? input.adapter.files
        : (() => {
            const peft = exportPeftAdapter(input.adapter.spec, input.adapter.adapter, run.model.ref);
            return { configJson: peft.adapterConfigJson, weights: peft.adapterSafetensors };
          })();
    entries.push({ name: ADAPTER_CONFIG_FILE, data: new TextEncoder().encode(files.configJson), level: 6 });
    // f32 weights barely compress; level 1 keeps export fast while still shaving zeros (B starts at 0).
    entries.push({ name: ADAPTER_WEIGHTS_FILE, data: files.weights, level: 1 });
  }
  if (input.checkpoint) entries.push({ name: CHECKPOINT_FILE, data: input.checkpoint, level: 1 });
  if (input.dataset) {
    const data = encodeDatasetJsonl(input.dataset, input.datasetInclusion, input.datasetImported);
    // Checked as import checks it, for the same reason as run.json.
    parseDatasetJsonl(data);
    entries.push({ name: DATASET_FILE, data, level: 6 });
  }
  checkEntrySizes(entries, limits);
  return writeZip(entries, zipTime(run.run.createdAt));
}

// ---------------------------------------------------------------------------------------------
// Import

export interface ImportOptions {
  /** The loaded model: the adapter and checkpoint are checked against it, and it must match run.json. */
  spec?: ModelSpec;
  /** Tests use small limits; the defaults are SNAPSHOT_ZIP_LIMITS. */
  limits?: ZipLimits;
  /** Names the file in errors (e.g. the dropped file's name). */
  label?: string;
}

/** Turns errors from the PEFT/safetensors/checkpoint readers (which already name their file) into SnapshotErrors. */
async function asSnapshotError<T>(entry: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof SnapshotError) throw err;
    const message = (err as Error).message ?? String(err);
    const namesAnEntry = ENTRY_NAMES.some((name) => message.startsWith(`${name}:`));
    throw new SnapshotError(namesAnEntry ? message : `${entry}: ${message}`);
  }
}

function checkFinite(entry: string, what: string, values: Float32Array): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw new SnapshotError(`${entry}: ${what} holds a non-finite value at element ${i}`);
  }
}

function sameLora(a: LoraSettings, b: LoraSettings): boolean {
  const layers = (s: LoraSettings) => (s.layers ? [...s.layers].sort((x, y) => x - y).join(',') : 'all');
  return a.rank === b.rank && a.alpha === b.alpha && a.useRsLora === b.useRsLora && [...a.targets].sort().join(',') === [...b.targets].sort().join(',') && layers(a) === layers(b);
}

async function importAdapter(entries: Map<string, Uint8Array>, run: RunJson, spec: ModelSpec): Promise<ImportedSnapshot['adapter']> {
  const configBytes = entries.get(ADAPTER_CONFIG_FILE);
  const weights = entries.get(ADAPTER_WEIGHTS_FILE);
  if (!configBytes && !weights) return undefined;
  if (!configBytes || !weights) throw new SnapshotError(`${configBytes ? ADAPTER_WEIGHTS_FILE : ADAPTER_CONFIG_FILE}: missing (the adapter needs both ${ADAPTER_CONFIG_FILE} and ${ADAPTER_WEIGHTS_FILE})`);
  const configJson = new TextDecoder().decode(configBytes);
  const adapter = await asSnapshotError(ADAPTER_WEIGHTS_FILE, () => importPeftAdapter(spec, configJson, memorySource(weights, ADAPTER_WEIGHTS_FILE)));
  if (!sameLora(adapter.settings, run.config.lora)) {
    const said = (s: LoraSettings) => `r=${s.rank}, alpha=${s.alpha}, targets ${s.targets.join(',')}, rsLoRA ${s.useRsLora ? 'on' : 'off'}, layers ${s.layers ? s.layers.join(',') : 'all'}`;
    throw new SnapshotError(`${ADAPTER_CONFIG_FILE}: ${said(adapter.settings)} differ from run.json config.lora (${said(run.config.lora)})`);
  }
  for (const [key, values] of adapter.tensors) checkFinite(ADAPTER_WEIGHTS_FILE, `tensor ${key}`, values);
  return { adapter, files: { configJson, weights } };
}

async function importCheckpoint(bytes: Uint8Array, run: RunJson, spec: ModelSpec, adapter: LoraAdapter | undefined): Promise<ImportedSnapshot['checkpoint']> {
  const { state } = await asSnapshotError(CHECKPOINT_FILE, () => decodeCheckpoint(bytes, CHECKPOINT_FILE));
  const layout = loraLayout(spec, run.config.lora);
  for (const [name, values] of [['lora.params', state.loraParams], ['adam.m', state.adamM], ['adam.v', state.adamV]] as const) {
    if (values.length !== layout.size) throw new SnapshotError(`${CHECKPOINT_FILE}: tensor ${name} has ${values.length} values, but run.json's LoRA settings on this model need ${layout.size}`);
    checkFinite(CHECKPOINT_FILE, `tensor ${name}`, values);
  }
  const { cursor } = state;
  const wholeNumber = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
  if (!cursor || !wholeNumber(cursor.epoch) || !wholeNumber(cursor.index)) throw new SnapshotError(`${CHECKPOINT_FILE}: metadata cursor must be {epoch, index} whole numbers`);
  // The balance state (or an older checkpoint's theta) was checked by decodeCheckpoint; it must be
  // the rule the run's config names, or resuming would refuse it later.
  const rule = run.config.balanceRule ?? 'grad';
  if (run.config.loss === 'ssb' && state.balance.rule !== rule) throw new SnapshotError(`${CHECKPOINT_FILE}: its balance state is of rule "${state.balance.rule}", but run.json config.balanceRule is "${rule}"`);
  if (adapter) {
    // Both come from the same checkpoint on export; a mismatch means the zip was assembled by hand.
    const fromCheckpoint = unflattenLora(layout.order, state.loraParams);
    for (const [key, values] of adapter.tensors) {
      const other = fromCheckpoint.get(key);
      if (!other || other.some((x, i) => x !== values[i])) throw new SnapshotError(`${CHECKPOINT_FILE}: its LoRA parameters differ from ${ADAPTER_WEIGHTS_FILE} (tensor ${key}); the two must come from the same step`);
    }
  }
  return { state, bytes };
}

async function importDataset(bytes: Uint8Array, run: RunJson): Promise<SnapshotDataset> {
  const dataset = parseDatasetJsonl(bytes);
  const { examples } = dataset;
  if (examples.length !== run.dataset.examples) throw new SnapshotError(`${DATASET_FILE}: ${examples.length} examples, but run.json dataset.examples says ${run.dataset.examples}`);
  if (run.dataset.fingerprint !== '') {
    const fingerprint = await datasetFingerprint(examples);
    if (fingerprint !== run.dataset.fingerprint) throw new SnapshotError(`${DATASET_FILE}: fingerprint ${fingerprint} differs from run.json dataset.fingerprint ${run.dataset.fingerprint} (the examples were changed)`);
  }
  return dataset;
}

/** Reads and validates a snapshot zip; resolves only when every entry is valid. */
export async function importSnapshot(bytes: Uint8Array, options: ImportOptions = {}): Promise<ImportedSnapshot> {
  const label = options.label ?? 'snapshot';
  const entries = readZip(bytes, options.limits ?? SNAPSHOT_ZIP_LIMITS, label);
  const runBytes = entries.get(RUN_JSON_FILE);
  if (!runBytes) throw new SnapshotError(`${label}: ${RUN_JSON_FILE} is missing; this is not a BalanceSFT Studio snapshot`);
  let runText: string;
  try {
    runText = new TextDecoder('utf-8', { fatal: true }).decode(runBytes);
  } catch {
    throw new SnapshotError(`${RUN_JSON_FILE}: not UTF-8 text`);
  }
  let runValue: unknown;
  try {
    runValue = JSON.parse(runText);
  } catch (err) {
    throw new SnapshotError(`${RUN_JSON_FILE}: not valid JSON (${(err as Error).message})`);
  }
  const run = validateRunJson(runValue);
  if (options.spec) checkSpecMatches(run.model.spec, options.spec);
  const spec = options.spec ?? specFromSummary(run.model.spec);
  const adapter = await importAdapter(entries, run, spec);
  const checkpointBytes = entries.get(CHECKPOINT_FILE);
  const checkpoint = checkpointBytes ? await importCheckpoint(checkpointBytes, run, spec, adapter?.adapter) : undefined;
  const datasetBytes = entries.get(DATASET_FILE);
  const dataset = datasetBytes ? await importDataset(datasetBytes, run) : undefined;
  return { run, adapter, checkpoint, dataset: dataset?.examples, ...(dataset?.inclusion.size ? { datasetInclusion: dataset.inclusion } : {}), ...(dataset?.imported.size ? { datasetImported: dataset.imported } : {}) };
}
