// The CLI's RunStore: one run as a folder of plain files, the formats `studio train|eval|hdr` have
// always written:
//   run.json                  model, data files (and a training run's `source`: absolute paths and
//                             import options), config, example counts, GPU memory and adapter,
//                             status, last step and message (rewritten on every status change),
//                             and the step the adapter files hold (adapterFilesStep)
//   metrics.jsonl             {"kind":"train",…StepMetrics} per step, {"kind":"eval",…} per eval
//   checkpoint.safetensors    the newest trainer checkpoint (resume with --resume)
//   adapter_config.json + adapter_model.safetensors   the PEFT adapter
//   balance.json              the balance rule's state of the adapter files' step, written with
//                             them, so a run started from the adapter continues its α
//   token-loss.json           per-token loss of one held-out example at the latest eval step
//   HDR: mine-predictions.jsonl, hard-cases.jsonl (the open pool), hdr-examples.jsonl (accepted
//        samples as Examples), rounds.jsonl (one report per round), hdr.json (the summary,
//        rewritten as the run goes: `status` says `running` until it ends)
//   ablation: report.md, results.csv, loss-call.png, loss-cot.png, alpha.png, ablation.json (its arms' runs are
//        folders of the workspace it was given)
// An evaluation writes predictions (one JSON line each) and an optional summary to the paths the
// command names, and beside the predictions <predictions>.settings.json: the settings that change
// its answers, so a resume can refuse to mix answers of other settings into one score. Node only (node:fs); never imported by the worker.
import { appendFileSync, copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { RunStatus } from '../../data/db.ts';
import type { InclusionChoice, LineChoices } from '../../data/inclusion.ts';
import { withEarlierPredictions, type EvalReport, type Prediction } from '../../eval/index.ts';
import { predictionLine } from '../../eval/predictionLine.ts';
import type { HardCase, HdrSettings, OpenHardCase } from '../../hdr/index.ts';
import { nodeFileSource } from '../../model/byte-source-node.ts';
import type { ModelSpec } from '../../model/config.ts';
import type { LoraAdapter } from '../../model/lora.ts';
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, importPeftAdapter } from '../../model/peft.ts';
import { releaseAfter } from '../../model/releaseAfter.ts';
import { decodeCheckpoint, encodeCheckpoint } from '../../train/checkpointFile.ts';
import { parseBalanceState, type BalanceState } from '../../train/balance.ts';
import type { RunConfig } from '../../train/config.ts';
import type { EvalMetrics, StepMetrics, TrainerState } from '../../train/trainer.ts';
import type { TokenLossStrip } from '../tokenLoss.ts';
import type { AdapterFiles, HdrPool, NewRun, RunStore, RunWorkspace, StatusPatch, TrainingSetup } from './runStore.ts';
import type { AblationResult } from '../ablate.ts';
import { ablationReportFiles } from '../ablationReport.ts';
import { runFolderName } from './fileName.ts';

export const RUN_JSON = 'run.json';
export const METRICS_FILE = 'metrics.jsonl';
export const CHECKPOINT_FILE = 'checkpoint.safetensors';
/** A run with keepBest: the checkpoint of its lowest held-out loss so far, which checkpoint.safetensors
 * becomes when the run ends (rewindToBest). Its metadata `bestLoss` holds that loss. */
export const BEST_CHECKPOINT_FILE = 'best-checkpoint.safetensors';
export const TOKEN_LOSS_FILE = 'token-loss.json';
export const BALANCE_FILE = 'balance.json';
/** run.json's key for the step the adapter files hold (`lastStep` is the step trained). */
export const ADAPTER_FILES_STEP = 'adapterFilesStep';
export const HDR_FILES = { rounds: 'rounds.jsonl', examples: 'hdr-examples.jsonl', hardCases: 'hard-cases.jsonl', mined: 'mine-predictions.jsonl', summary: 'hdr.json' } as const;

/** What the command knows about the run before any job starts. */
export interface RunFolderFacts {
  /** The --model argument (also the adapter's base model name). */
  model: string;
  /** The data files' names. */
  data: string[];
  /** The adapter folder a job started from (--adapter), or null. */
  adapter?: string | null;
  /** Record counts of the data files, listed in run.json's `examples`. */
  counts?: Record<string, number>;
  /** More summary fields an evaluation or HDR summary starts with (e.g. split, mine). */
  summary?: Record<string, unknown>;
  /** A training run's inputs as run.json's `source` (absolute paths and the import options), so
   * the run can be rebuilt from its folder (`studio recipe`). */
  source?: RunSource;
  /** Texts in the command's words (its flags for the studio's field labels, as it prints its
   * errors), for every reason the folder keeps: the predictions' errors, run.json's message,
   * hdr.json's stop reason and the ablation report's failed arms. */
  errorWords?: (message: string) => string;
}

/** run.json's `source`: the model (absolute folder or hub repo id), the data files (absolute) and
 * the options they were imported with. Runs written before it existed have none. */
export interface RunSource {
  model: string;
  data: string[];
  format?: string;
  bfclPromptMode: boolean;
  /** `--every-call-turn`: every calling turn of a conversation an example; absent, only the last. */
  everyCallTurn?: boolean;
  includeFailing: boolean;
  /** `--include-flagged` / `--leave-out` (data/inclusion.ts), when given: a resume uses the same examples. */
  inclusion?: InclusionChoice;
  /** The studio's choice per example of the --adapter snapshot it started from (its dataset.jsonl's
   * "included"), where it used one; absent in folders written before it. */
  lineChoices?: LineChoices;
  /** The held-out split's seed (`--split-seed`); absent in folders written before it, where it was the run's seed. */
  splitSeed?: number;
  /** The share it held out, where not the usual 10%: an --adapter snapshot's own, kept so that
   * --adapter of this folder holds out what it held out. */
  evalFraction?: number;
  /** 'question': examples asking the same question shared a side (data/split.ts), as in every run
   * since; absent in folders written before, which split example by example. */
  splitBy?: 'question';
  /** The dataset fingerprint (src/data/fingerprint.ts) of the examples the run used, training and
   * held out; absent in folders written before it. */
  fingerprint?: string;
  /** The adapter folder (`--adapter`) and balance file (`--balance`) the run started from, when it
   * continued a trained adapter instead of a fresh LoRA. */
  startAdapter?: string;
  startBalance?: string;
  /** Those files' SHA-256 when the run started from them (src/cli/localFiles.ts startFilesDigest);
   * absent in folders written before it. */
  startDigest?: string;
}

/** hdr.json past the run's facts: its settings and where it stands. `status` is `running` until the
 * run ends (a folder that still says so was cut off, or is at work); the totals come once it mined;
 * `stopReason` (and `failed: true` for a failure, as files before `status` said it) once it ended. */
interface HdrSummary {
  settings: HdrSettings;
  config: RunConfig;
  status: 'running' | 'done' | 'failed';
  stopReason?: string;
  rounds: number;
  poolStart?: number;
  poolEnd?: number;
  added?: number;
  failed?: true;
}

/** An evaluation's output paths (`studio eval --out … --summary …`). */
export interface EvaluationFiles {
  predictions: string;
  summary?: string;
  /** A resumed evaluation: the answers kept from before, written with this run's, in `order` (ids). */
  earlier?: { predictions: Prediction[]; order: string[] };
  /** The settings that change the answers, written beside the predictions (answerSettingsPath). */
  settings?: AnswerSettings;
}

/** The settings an evaluation's answers were generated with, as the command names them (flag → value). */
export type AnswerSettings = Record<string, string | number | boolean | null>;

/** Where a predictions file's answer settings are kept: beside it, named after it. */
export function answerSettingsPath(predictions: string): string {
  return `${predictions}.settings.json`;
}

/** A predictions file's answer settings, or null where it has none (written by an older studio eval). */
export function readAnswerSettings(predictions: string): AnswerSettings | null {
  const path = answerSettingsPath(predictions);
  if (!existsSync(path)) return null;
  let settings: unknown;
  try {
    settings = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw new Error(`${path} is not JSON`);
  }
  if (typeof settings !== 'object' || settings === null || Array.isArray(settings)) throw new Error(`${path} is not the settings studio eval wrote (a JSON object)`);
  return settings as AnswerSettings;
}

/** Whole or not at all: a process killed while it wrote (Ctrl-C twice, a closed terminal, the OOM
 * killer) or a full disk left a cut checkpoint, adapter or predictions file in place of the last good
 * one, and nothing to resume. */
function writeWhole(path: string, text: string | Uint8Array): void {
  writeFileSync(`${path}.partial`, text);
  renameSync(`${path}.partial`, path);
}

/** A predictions file's lines as written (predictionLine), each checked for the fields a resume
 * reads; with the verdict the line gives (`valid`, absent where it gives none), whether it is a
 * later step of a task (`after_calls`) and whether training asks its question too
 * (`asked_in_training`), which a pushed card counts apart, and what it was judged against
 * (`expected`, where the line has it). */
export function readPredictionLines(path: string): Array<{ id: string; output: string; finishReason: Prediction['finishReason']; generatedTokens: number; valid?: boolean; afterCalls: boolean; askedInTraining: boolean; expected?: string }> {
  const lines = readFileSync(path, 'utf8').split('\n');
  const out = [];
  for (const [i, line] of lines.entries()) {
    if (!line.trim()) continue;
    let p: Record<string, unknown>;
    try {
      p = JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new Error(`${path} line ${i + 1} is not JSON`);
    }
    if (typeof p.id !== 'string' || typeof p.output !== 'string' || typeof p.finish_reason !== 'string' || typeof p.generated_tokens !== 'number') {
      throw new Error(`${path} line ${i + 1} is not a prediction studio eval wrote (it needs id, output, finish_reason and generated_tokens)`);
    }
    out.push({ id: p.id, output: p.output, finishReason: p.finish_reason as Prediction['finishReason'], generatedTokens: p.generated_tokens, ...(typeof p.valid === 'boolean' && { valid: p.valid }), afterCalls: p.after_calls === true, askedInTraining: p.asked_in_training === true, ...(typeof p.expected === 'string' && { expected: p.expected }) });
  }
  return out;
}

/** A folder's PEFT adapter (adapter_config.json + adapter_model.safetensors) for a model of this spec. */
export async function readPeftAdapter(dir: string, spec: ModelSpec): Promise<LoraAdapter> {
  const cfgPath = join(dir, ADAPTER_CONFIG_FILE);
  if (!existsSync(cfgPath)) throw new Error(`${dir}: no ${ADAPTER_CONFIG_FILE}`);
  const weights = await nodeFileSource(join(dir, ADAPTER_WEIGHTS_FILE));
  return releaseAfter(() => importPeftAdapter(spec, readFileSync(cfgPath, 'utf8'), weights), () => weights.close());
}

/** A balance state file (balance.json, as run folders and a recipe's train.py keep it), or an
 * error naming the file and what is wrong with it. */
export function readBalanceFile(path: string): BalanceState {
  let parsed: BalanceState | string;
  try {
    parsed = parseBalanceState(JSON.parse(readFileSync(path, 'utf8')));
  } catch (err) {
    parsed = (err as Error).message;
  }
  if (typeof parsed === 'string') throw new Error(`${path}: ${parsed}`);
  return parsed;
}

function hardCaseLines(cases: HardCase[]): string {
  return cases.map((c) => JSON.stringify({ id: c.example.id, round: c.round, failed_outputs: c.failedOutputs }) + '\n').join('');
}

/** The open hard cases an HDR run folder left (its hard-cases.jsonl, as hardCaseLines writes it), for
 * an HDR run started from that folder to ask again; none where the folder has no such file (a
 * training run's). */
export function readOpenHardCases(dir: string): OpenHardCase[] {
  const path = join(dir, HDR_FILES.hardCases);
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').flatMap((line, i): OpenHardCase[] => {
    if (!line.trim()) return [];
    let c: { id?: unknown; round?: unknown; failed_outputs?: unknown };
    try {
      c = JSON.parse(line);
    } catch {
      c = {};
    }
    const outputs = Array.isArray(c.failed_outputs) && c.failed_outputs.every((o) => typeof o === 'string') ? (c.failed_outputs as string[]) : null;
    if (typeof c.id !== 'string' || typeof c.round !== 'number' || !outputs) throw new Error(`${path} line ${i + 1}: not an open hard case ({"id", "round", "failed_outputs"} as studio hdr writes them)`);
    return [{ exampleId: c.id, round: c.round, failedOutputs: outputs }];
  });
}

/** A JSON object file's contents; {} when it is missing or not one. */
export function existingRunJson(path: string): Record<string, unknown> {
  if (!existsSync(path)) return {};
  try {
    const json: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** metrics.jsonl's lines. A last line cut short (the process was killed while it appended) is
 * dropped: that step is trained again from the checkpoint. Any other broken line is named. */
export function metricLines(text: string, path: string): string[] {
  const lines = text.split('\n');
  const out: string[] = [];
  for (const [i, line] of lines.entries()) {
    if (!line) continue;
    try {
      JSON.parse(line);
    } catch {
      if (i === lines.length - 1) break;
      throw new Error(`${path} line ${i + 1} is not JSON; remove that line to resume`);
    }
    out.push(line);
  }
  return out;
}

/** The step token-loss.json was written at; NaN for one an earlier version cut while writing it in
 * place (a process killed mid-write), a strip nothing can show. */
function stripStep(text: string): number {
  try {
    return (JSON.parse(text) as TokenLossStrip).step;
  } catch {
    return NaN;
  }
}

export class RunFolderStore implements RunStore {
  /** run.json as written last; keys in the order the file has always had. */
  private runJson: Record<string, unknown>;

  constructor(
    readonly dir: string,
    private readonly facts: RunFolderFacts,
    private readonly evaluationFiles?: EvaluationFiles,
  ) {
    // A run resumed here keeps what its run.json holds (its config, its examples) whatever happens
    // next: a resume that fails only changes its status.
    this.runJson = { ...existingRunJson(join(dir, RUN_JSON)), model: facts.model, data: facts.data };
  }

  /** A store for `studio eval`: its files are wherever the command was told to put them. */
  static forEvaluation(files: EvaluationFiles, facts: RunFolderFacts): RunFolderStore {
    return new RunFolderStore(dirname(files.predictions), facts, files);
  }

  get label(): string {
    return this.dir;
  }

  get id(): string {
    return basename(this.dir);
  }

  path(file: string): string {
    return join(this.dir, file);
  }

  hasCheckpoint(): boolean {
    return existsSync(this.path(CHECKPOINT_FILE));
  }

  private write(file: string, text: string | Uint8Array): void {
    mkdirSync(this.dir, { recursive: true });
    writeWhole(this.path(file), text);
  }

  private append(file: string, text: string): void {
    mkdirSync(this.dir, { recursive: true });
    appendFileSync(this.path(file), text);
  }

  private writeRunJson(): void {
    // `source` goes last, after the keys run.json has always started with.
    const json = this.facts.source ? { ...this.runJson, source: this.facts.source } : this.runJson;
    this.write(RUN_JSON, JSON.stringify(json, null, 2) + '\n');
  }

  async setStatus(status: RunStatus, patch: StatusPatch = {}): Promise<void> {
    this.runJson = { ...this.runJson, status, lastStep: patch.lastStep ?? this.runJson.lastStep, message: patch.message === undefined ? undefined : this.words(patch.message) };
    this.writeRunJson();
  }

  async lastStep(): Promise<number> {
    return (this.runJson.lastStep as number | undefined) ?? 0;
  }

  async recordSetup(setup: TrainingSetup): Promise<EvalMetrics | undefined> {
    const { train, eval: held, tooLong, unrendered = 0, digest } = setup.examples;
    this.runJson = { ...this.runJson, config: setup.config, examples: { train, eval: held, ...this.facts.counts, tooLong, unrendered, ...(digest ? { digest } : {}) }, memory: setup.memory, adapter: setup.gpuAdapter };
    // A resume records no baseline of its own: the run's first one stays.
    if (setup.baseline) this.runJson.baseline = setup.baseline;
    this.writeRunJson();
    return this.runJson.baseline as EvalMetrics | undefined;
  }

  async addMetric(m: StepMetrics): Promise<void> {
    this.append(METRICS_FILE, JSON.stringify({ kind: 'train', ...m }) + '\n');
  }

  async addEval(m: EvalMetrics): Promise<void> {
    this.append(METRICS_FILE, JSON.stringify({ kind: 'eval', ...m }) + '\n');
  }

  async setTokenLoss(strip: TokenLossStrip): Promise<void> {
    this.write(TOKEN_LOSS_FILE, JSON.stringify(strip) + '\n');
  }

  async evaluatedSteps(): Promise<number[]> {
    const path = this.path(METRICS_FILE);
    if (!existsSync(path)) return [];
    const lines = metricLines(readFileSync(path, 'utf8'), path).map((l) => JSON.parse(l) as { kind?: string; step: number });
    return lines.filter((l) => l.kind === 'eval').map((l) => l.step).sort((a, b) => a - b);
  }

  async flush(): Promise<void> {
    // Every write above is synchronous and unbuffered.
  }

  async openHistory(resume: boolean, accept?: (state: TrainerState) => void): Promise<TrainerState | null> {
    const metricsPath = this.path(METRICS_FILE);
    if (!resume) {
      this.write(METRICS_FILE, '');
      // A best step of an attempt that died before its first checkpoint is of no run now.
      rmSync(this.path(BEST_CHECKPOINT_FILE), { force: true });
      return null;
    }
    if (!this.hasCheckpoint()) throw new Error(`${this.path(CHECKPOINT_FILE)} does not exist; there is nothing to resume`);
    const { state } = await decodeCheckpoint(new Uint8Array(readFileSync(this.path(CHECKPOINT_FILE))), this.path(CHECKPOINT_FILE));
    accept?.(state);
    // Metrics after the checkpoint's step are trained again; drop them so the history stays one curve.
    if (existsSync(metricsPath)) {
      const kept = metricLines(readFileSync(metricsPath, 'utf8'), metricsPath).filter((l) => (JSON.parse(l) as { step: number }).step <= state.step);
      this.write(METRICS_FILE, kept.map((l) => l + '\n').join(''));
    }
    // So is the per-token strip of such a step: it shows an adapter that is gone.
    const stripPath = this.path(TOKEN_LOSS_FILE);
    if (existsSync(stripPath) && !(stripStep(readFileSync(stripPath, 'utf8')) <= state.step)) rmSync(stripPath);
    return state;
  }

  async saveCheckpoint(state: TrainerState): Promise<void> {
    this.write(CHECKPOINT_FILE, encodeCheckpoint(state, { model: this.facts.model }));
  }

  async saveBest(state: TrainerState, loss: number): Promise<void> {
    this.write(BEST_CHECKPOINT_FILE, encodeCheckpoint(state, { model: this.facts.model, bestLoss: String(loss) }));
  }

  async readBest(): Promise<{ step: number; loss: number } | null> {
    const best = await this.bestCheckpoint();
    return best && { step: best.state.step, loss: best.loss };
  }

  async rewindToBest(): Promise<TrainerState> {
    const best = await this.bestCheckpoint();
    if (!best) throw new Error(`${this.path(BEST_CHECKPOINT_FILE)} does not exist; there is no best step to keep`);
    // Copied, not moved: a resume goes on comparing with it (a later step that does no better
    // leaves it the run's).
    copyFileSync(this.path(BEST_CHECKPOINT_FILE), this.path(CHECKPOINT_FILE));
    return best.state;
  }

  private async bestCheckpoint(): Promise<{ state: TrainerState; loss: number } | null> {
    const path = this.path(BEST_CHECKPOINT_FILE);
    if (!existsSync(path)) return null;
    const { state, metadata } = await decodeCheckpoint(new Uint8Array(readFileSync(path)), path);
    const loss = Number(metadata.bestLoss);
    if (metadata.bestLoss === undefined || !Number.isFinite(loss)) throw new Error(`${path}: its metadata "bestLoss" is ${JSON.stringify(metadata.bestLoss ?? null)}, not the held-out loss it was kept for`);
    return { state, loss };
  }

  readAdapter(spec: ModelSpec): Promise<LoraAdapter> {
    return readPeftAdapter(this.dir, spec);
  }

  async saveAdapter(step: number, files: () => Promise<AdapterFiles>, balance?: BalanceState): Promise<void> {
    const peft = await files();
    this.write(ADAPTER_CONFIG_FILE, peft.configJson);
    this.write(ADAPTER_WEIGHTS_FILE, peft.weights);
    if (balance) this.write(BALANCE_FILE, JSON.stringify(balance) + '\n');
    // The adapter files are written only when a run finishes: a run resumed since trains past them,
    // and whoever reads them (--adapter) is told so (an HDR run's folder has no run.json to say it).
    if (existsSync(this.path(RUN_JSON))) {
      this.runJson = { ...this.runJson, [ADAPTER_FILES_STEP]: step };
      this.writeRunJson();
    }
  }

  /** The balance state of the adapter files' step (the adapter readAdapter gives): balance.json,
   * else (a training run's folder from before it kept one) the checkpoint's where it holds that
   * step, else null. A run resumed past its adapter files checkpoints a later α, and that α with
   * the files' LoRA would be a model no run trained. */
  async readBalance(): Promise<BalanceState | null> {
    if (existsSync(this.path(BALANCE_FILE))) return readBalanceFile(this.path(BALANCE_FILE));
    if (!this.hasCheckpoint()) return null;
    const { state } = await decodeCheckpoint(new Uint8Array(readFileSync(this.path(CHECKPOINT_FILE))), this.path(CHECKPOINT_FILE));
    const adapterStep = this.runJson[ADAPTER_FILES_STEP];
    return typeof adapterStep === 'number' && adapterStep !== state.step ? null : state.balance;
  }

  async saveEvaluation(run: EvalReport): Promise<void> {
    const files = this.evaluationFiles;
    if (!files) throw new Error(`${this.dir} was not opened for an evaluation`);
    const report = files.earlier ? withEarlierPredictions(files.earlier.predictions, run, files.earlier.order) : run;
    // The settings go before the answers are replaced and come back after them: a kill in between
    // leaves answers without settings (a resume then says it cannot check them), never answers
    // beside the settings of others.
    const settingsPath = answerSettingsPath(files.predictions);
    if (files.settings) rmSync(settingsPath, { force: true });
    // Whole: a resumed evaluation rewrites the earlier answers too, and a cut file would lose them.
    writeWhole(files.predictions, report.predictions.map((p) => predictionLine(p, this.facts.errorWords) + '\n').join(''));
    if (files.settings) writeWhole(settingsPath, JSON.stringify(files.settings, null, 2) + '\n');
    // `aborted` is kept when true: without it the summary of an evaluation that Ctrl-C ended after
    // 3 of 60 examples read like a finished evaluation of 3.
    const { predictions: _predictions, aborted, ...summary } = report;
    if (files.summary) writeWhole(files.summary, JSON.stringify({ model: this.facts.model, adapter: this.facts.adapter ?? null, data: this.facts.data, ...this.facts.summary, ...summary, ...(aborted ? { aborted } : {}) }, null, 2) + '\n');
  }

  /** report.md, results.csv, the charts as PNG and ablation.json (ablationReport.ts). */
  async saveAblation(result: AblationResult): Promise<void> {
    const failed = result.failed?.map((f) => ({ ...f, message: this.words(f.message) }));
    const arms = result.arms.map((a) => (a.hdr ? { ...a, hdr: { ...a.hdr, stopReason: this.words(a.hdr.stopReason) } } : a));
    for (const f of ablationReportFiles({ ...result, arms, ...(failed && { failed }) })) this.write(f.name, f.bytes);
  }

  /** A reason as the command says it (RunFolderFacts.errorWords). */
  private words(message: string): string {
    return this.facts.errorWords ? this.facts.errorWords(message) : message;
  }

  async hdrPool(settings: HdrSettings, config: RunConfig): Promise<HdrPool> {
    // A new HDR run in this folder starts its files afresh.
    this.write(HDR_FILES.rounds, '');
    this.write(HDR_FILES.examples, '');
    // hdr.json follows the run, not only its end: a process killed mid-run (SIGKILL, a crash, the
    // power) left rounds and a retrained adapter with no summary of them. Totals appear once mined,
    // as on the browser's row; each write is whole (writeWhole), so a kill mid-write keeps the last.
    let running: HdrSummary = { settings, config, status: 'running', rounds: 0 };
    const keep = (change: Partial<HdrSummary>) => {
      running = { ...running, ...change };
      this.writeHdrSummary(running);
    };
    keep({});
    return {
      firstRound: async () => 1,
      hooks: {
        onHardCases: (_round, open) => {
          this.write(HDR_FILES.hardCases, hardCaseLines(open));
          keep({ poolEnd: open.length });
        },
        onAccepted: (_round, examples) => {
          this.append(HDR_FILES.examples, examples.map((e) => JSON.stringify(e) + '\n').join(''));
          keep({ added: (running.added ?? 0) + examples.length });
        },
        // Solved cases leave the pool; onHardCases rewrites the open ones right after.
        onSolved: () => undefined,
        onRound: (r) => {
          this.append(HDR_FILES.rounds, JSON.stringify(r) + '\n');
          keep({ rounds: running.rounds + 1 });
        },
      },
      saveMined: async (report, pool) => {
        this.write(HDR_FILES.mined, report.predictions.map((p) => predictionLine(p, this.facts.errorWords) + '\n').join(''));
        keep({ poolStart: pool.length, poolEnd: pool.length, added: 0 });
      },
      finish: async (o) => {
        const { stopReason, rounds, poolStart, poolEnd, added } = o;
        this.writeHdrSummary({ settings: o.settings, config: o.config, status: o.failed ? 'failed' : 'done', stopReason, rounds, poolStart, poolEnd, added, ...(o.failed ? { failed: true } : {}) });
      },
    };
  }

  /** hdr.json: the run's facts, then where it stands. */
  private writeHdrSummary(s: HdrSummary): void {
    const { model, adapter = null, data, summary, source } = this.facts;
    // The split the data was split with (an ablation's run folders keep it in `source`), so
    // --adapter of this folder scores and continues on its held-out side, not --seed's; and the
    // examples it was read with (--include-flagged, --leave-out, --include-failing), so that side
    // holds the ones its run used, as studio hdr's own summary records them.
    const dataRead = {
      ...(source?.splitSeed !== undefined && { splitSeed: source.splitSeed }),
      ...(source?.inclusion && { inclusion: source.inclusion }),
      ...(source?.includeFailing && { includeFailing: true }),
    };
    const { settings, config, ...standing } = { ...s, ...(s.stopReason !== undefined && { stopReason: this.words(s.stopReason) }) };
    this.write(HDR_FILES.summary, JSON.stringify({ model, adapter, data, settings, config, ...dataRead, ...summary, ...standing }, null, 2) + '\n');
  }
}

export { runFolderName } from './fileName.ts';

/** New runs as folders under `root` (an evaluation's predictions and summary inside its folder). */
export class RunFolderWorkspace implements RunWorkspace {
  constructor(
    readonly root: string,
    private readonly facts: RunFolderFacts,
  ) {}

  async createRun(run: NewRun): Promise<RunFolderStore> {
    const dir = join(this.root, runFolderName(run.name));
    // HDR from a run of this workspace (an ablation's SSB arm) started from that run's adapter, not the workspace's own.
    if (run.kind === 'hdr' && run.fromRunId) return new RunFolderStore(dir, { ...this.facts, adapter: join(this.root, run.fromRunId) });
    if (run.kind !== 'eval') return new RunFolderStore(dir, this.facts);
    mkdirSync(dir, { recursive: true });
    // The evaluated adapter is a run of this workspace (an ablation arm), not the workspace's own.
    const adapter = run.config.adapterRunId ? join(this.root, run.config.adapterRunId) : (this.facts.adapter ?? null);
    return RunFolderStore.forEvaluation({ predictions: join(dir, 'predictions.jsonl'), summary: join(dir, 'summary.json') }, { ...this.facts, adapter });
  }
}
