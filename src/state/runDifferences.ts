// What two runs differ in, for the Runs panel's compare table: the settings each run trains with
// (an older row's missing balance settings filled in as training fills them, and no balance
// settings at all when neither run learns α), its dataset by content and split rather than by name
// (names come from file names and clash), and its model.
import type { DatasetRow } from '../jobs/store/schema.ts';
import { balanceSettingsOf, EXAMPLE_SPLIT, LORA_TARGETS, splitKey, trainingSetChange, type RunConfig, type SplitSettings } from '../worker/protocol.ts';
import type { StoredRun } from './queries.ts';
import { settingWords } from './settingWords.ts';

/** A run's dataset as the compare table tells it apart (`key`) and names it (`label`). */
export interface DatasetIdentity {
  key: string;
  label: string;
}

/** The fingerprint's first hex digits (' · ab12cd34'), enough to tell two same-named datasets apart;
 * '' when the dataset has none. */
export function fingerprintTag(fingerprint: string): string {
  return fingerprint ? ` · ${fingerprint.replace(/^sha256:/, '').slice(0, 8)}` : '';
}

/** Datasets are the same when their examples (fingerprint) and split are; the label adds the
 * fingerprint's first hex digits. */
function identityOf(d: { name: string; fingerprint: string; split?: SplitSettings }, fallbackKey: string, where = ''): DatasetIdentity {
  // Summaries written before they kept the split were split the way datasets were then.
  const print = fingerprintTag(d.fingerprint);
  return { key: d.fingerprint ? `${d.fingerprint}|${splitKey(d.split ?? EXAMPLE_SPLIT)}` : fallbackKey, label: `${d.name}${print}${where}` };
}

export function datasetIdentity(run: StoredRun, datasets: DatasetRow[]): DatasetIdentity {
  const stored = datasets.find((d) => d.id === run.datasetId);
  if (stored) return identityOf(stored, `id:${stored.id}`);
  const summary = run.kind === 'train' ? run.datasetSummary : undefined;
  if (summary) return identityOf(summary, `name:${summary.name}`, ' (not stored here)');
  return { key: `id:${run.datasetId}`, label: `not in this browser (deleted, or imported without its data; id ${run.datasetId.slice(0, 8)})` };
}

/** The settings a run trains with, as the compare table lists them: balance settings with the
 * defaults training uses for rows stored before there were rules, and none for a plain-SFT run;
 * what the CLI and the form write two ways, written one way. */
function effectiveSettings(run: StoredRun): Record<string, unknown> {
  if (run.kind !== 'train' && run.kind !== 'hdr') return run.config as unknown as Record<string, unknown>;
  // Where its adapter started: another run's (the same settings trained on from other weights), or a new one.
  const from = run.kind === 'train' && run.startedFrom ? { 'started from': `the adapter of “${run.startedFrom.name}” (${run.startedFrom.hdr ? `HDR, round ${run.startedFrom.step}` : `step ${run.startedFrom.step}`})` } : {};
  return { ...from, ...settingsOf(run) };
}

function settingsOf(run: Extract<StoredRun, { kind: 'train' | 'hdr' }>): Record<string, unknown> {
  // Runs from before keepBest kept their last step and ran all their steps, as a run with them off does.
  const given = run.config as Partial<RunConfig>;
  const config = { ...run.config, keepBest: given.keepBest ?? false, patience: given.patience ?? 0 } as Partial<RunConfig> & Record<string, unknown>;
  const { balanceRule: _r, balanceLr: _l, balanceTemperature: _t, balanceWindow: _w, alpha0: _a, alphaMin: _n, alphaMax: _x, ...settings } = config;
  // Targets in module order (any unknown name last): the CLI keeps them as typed
  // (`--lora-targets v,q`), the form in module order, and the adapter is the same either way.
  const targets = config.lora?.targets;
  const order = (t: string) => ((LORA_TARGETS as readonly string[]).includes(t) ? (LORA_TARGETS as readonly string[]).indexOf(t) : LORA_TARGETS.length);
  const withTargets = targets ? { ...settings, lora: { ...config.lora, targets: [...targets].sort((x, y) => order(x) - order(y)) } } : settings;
  // A fixed weight as a number (the CLI keeps `fixed:0.70` as typed, the form writes `fixed:0.7`).
  const rest = typeof config.loss === 'string' && config.loss.startsWith('fixed:') ? { ...withTargets, loss: `fixed:${Number(config.loss.slice(6))}` } : withTargets;
  // sft and fixed:α (whose α is in the loss's name) learn no α.
  if (config.loss !== 'ssb') return rest;
  const b = balanceSettingsOf(config as RunConfig);
  return { ...rest, balanceRule: b.rule, alpha0: b.alpha0, alphaMin: b.alphaMin, alphaMax: b.alphaMax, balanceLr: b.lr, ...(b.rule === 'dwa' ? { balanceTemperature: b.temperature, balanceWindow: b.window } : {}) };
}

/** The settings two runs differ in, flattened (`lora.rank`) and named in words (settingWords), plus
 * their dataset and model. Values are shown as text; a setting one run lacks shows as "—". */
export function configDifferences(a: StoredRun, b: StoredRun, datasetOf: (run: StoredRun) => DatasetIdentity): Array<{ setting: string; a: string; b: string }> {
  const flat = (prefix: string, v: unknown, out: Map<string, string>) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) for (const [k, x] of Object.entries(v)) flat(prefix ? `${prefix}.${k}` : k, x, out);
    else if (v !== undefined) out.set(prefix, Array.isArray(v) ? v.join(', ') : typeof v === 'boolean' ? (v ? 'yes' : 'no') : String(v));
    return out;
  };
  const [da, db] = [datasetOf(a), datasetOf(b)];
  const fa = flat('', effectiveSettings(a), new Map([['model', a.modelRef ?? '—']]));
  const fb = flat('', effectiveSettings(b), new Map([['model', b.modelRef ?? '—']]));
  const keys = [...new Set([...fa.keys(), ...fb.keys()])];
  const rows = keys.filter((k) => fa.get(k) !== fb.get(k)).map((k) => ({ setting: settingWords(k), a: fa.get(k) ?? '—', b: fb.get(k) ?? '—' }));
  if (da.key === db.key) {
    const trained = trainedOnDifference(a, b);
    return trained ? [trained, ...rows] : rows;
  }
  // Same examples under another split still trains on other examples: say which part differs.
  const sameLabel = da.label === db.label;
  return [{ setting: 'dataset', a: sameLabel ? `${da.label} (another split or copy)` : da.label, b: sameLabel ? `${db.label} (another split or copy)` : db.label }, ...rows];
}

/** Whether two runs tokenized their examples alike (one model, one sequence length): only then do
 * their digests (`setup.examples.digest`) tell whether they trained on the same examples; another
 * model or length differs as its own row. */
function tokenizedAlike(a: Extract<StoredRun, { kind: 'train' }>, b: Extract<StoredRun, { kind: 'train' }>): boolean {
  return a.modelRef === b.modelRef && a.config.seqLen === b.config.seqLen;
}

/** How many training examples each run trained on, as its latest start recorded them (`setup`), where
 * that differs, or a run that has trained did not record it: the dataset row reads today's dataset,
 * so two runs on one dataset looked the same though examples were included, left out or added by HDR
 * between them. null: the same count (or neither run has trained). */
function trainedOnDifference(a: StoredRun, b: StoredRun): { setting: string; a: string; b: string } | null {
  // HDR runs and ablations train on what their rounds and arms choose: not compared here.
  if (a.kind !== 'train' || b.kind !== 'train') return null;
  const trained = (r: StoredRun) => (r.lastStep ?? 0) > 0;
  const [sa, sb] = [a.setup?.examples, b.setup?.examples];
  const [ca, cb] = [sa?.train, sb?.train];
  if (sa && sb) {
    // One example left out and another included keeps the count: the digests tell.
    const change = trainingSetChange(sa, sb, tokenizedAlike(a, b));
    if (change === null) return null;
    if (change === 'examples') return { setting: 'training examples', a: String(sa.train), b: `${sb.train} (as many, but not the same examples)` };
    return { setting: 'training examples', a: String(sa.train), b: `${sb.train} (${Math.abs(sb.train - sa.train)} ${sb.train > sa.train ? 'more' : 'fewer'})` };
  }
  if (!trained(a) && !trained(b)) return null;
  const said = (r: StoredRun, c: number | undefined) => (c !== undefined ? String(c) : trained(r) ? 'unknown (not recorded by this run)' : 'none yet');
  return { setting: 'training examples', a: said(a, ca), b: said(b, cb) };
}
