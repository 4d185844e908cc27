// The examples a job works on, chosen by one rule wherever they come from: the seeded split puts
// each example on the train or eval side, and an example is used when it passed the quality check
// or the user included it. In the browser the rule is stored on the dataset's rows (src/data's
// dataset store); the CLI applies it to the files it was given, the same way, per run.
// Also the default sequence length for a run on the examples (the only place here that tokenizes,
// with the model's tokenizer it is given). Never writes anything.
import type { ExampleRow } from '../data/db.ts';
import { exampleRows } from '../data/dataset-store.ts';
import { applyInclusionChoice, unknownLeaveOutText, type InclusionChoice } from '../data/inclusion.ts';
import type { Example, SourceFormat } from '../data/example.ts';
import { importDatasetFiles, type DatasetFile } from '../data/import-dataset.ts';
import { formatIssue } from '../data/record-error.ts';
import { plural } from '../data/plural.ts';
import type { SplitSettings } from '../data/split.ts';
import type { PreTrainedTokenizer } from '@huggingface/transformers';
import { suggestSeqLen, truncationReport, type ExampleFit, type TruncationReport } from '../data/length-stats.ts';
import { exampleLeasts } from '../data/tokenize-pool.ts';
import { hasEarlierTurns, promptTail } from '../data/tokenize-example.ts';
import { wholeTokenizations } from '../train/prepareData.ts';
import { groundTruthOf } from '../eval/index.ts';

export interface JobExamples {
  /** Train side, used examples, in import order. */
  train: Example[];
  /** Eval side, used examples, in import order; no HDR sample (see heldOutSamples). */
  eval: Example[];
  /** HDR samples on the eval side, their question held out (split.ts sideOf): neither trained nor
   * evaluated (their question would count twice, once against the model's own answer), but HDR
   * numbers its rounds after theirs and knows their answers (hdr/rounds.ts). */
  heldOutSamples?: Example[];
  /** HDR samples not used (the user excluded them, or they fail the quality check), either side:
   * never trained, but HDR knows them, so the same answer does not come back as a new example. */
  excludedSamples?: Example[];
}

/** The stored-split rule over example rows (what `trainingExamples` / `evalExamples` /
 * `excludedHdrSamples` query in Dexie). */
export function usedExamples(rows: ExampleRow[]): JobExamples {
  const used = rows.filter((r) => r.included === 1);
  const heldOut = used.filter((r) => r.split === 'eval').map((r) => r.example);
  const excludedSamples = rows.filter((r) => r.included !== 1 && r.example.source === 'hdr').map((r) => r.example);
  return { train: used.filter((r) => r.split === 'train').map((r) => r.example), ...byEvalRole(heldOut), excludedSamples };
}

/** The examples a run's dataset fingerprint covers: both sides, the HDR samples evaluation leaves out too. */
export function fingerprintedExamples(data: JobExamples): Example[] {
  return [...data.train, ...data.eval, ...(data.heldOutSamples ?? [])];
}

/** The eval side split into what evaluation takes and the HDR samples it leaves out. */
export function byEvalRole(evalSide: Example[]): Pick<JobExamples, 'eval' | 'heldOutSamples'> {
  return { eval: evalSide.filter((e) => e.source !== 'hdr'), heldOutSamples: evalSide.filter((e) => e.source === 'hdr') };
}

export interface FileExamples extends JobExamples {
  /** Every imported example, whatever its side or quality. */
  all: Example[];
  /** One line per rejected record or excluded example, naming it and the reason; then each
   * import note (what a parser moved or left out of an example it kept). */
  problems: string[];
  /** `leftOut`: examples that pass the check, left out by their line ("included": false);
   * `leftOutAsked`: left out by the choice the run was given (`inclusion.leaveOut`). */
  counts: { records: number; imported: number; failedQuality: number; leftOut: number; leftOutAsked: number };
  /** Examples the split held out (no HDR sample) that are not used: flagged, or left out by a line
   * or the choice. With none used, what to say is that, not that the split held none out. */
  heldOutLeftOut: number;
  /** The same for the training side: why HDR has none to mine there (noneToMine.ts). */
  trainLeftOut: number;
}

/** Why there is nothing to `what` where the split held `n` examples out and each is left out (the
 * start of a sentence the page and the CLI each end with how to use them again). */
export function heldOutLeftOutText(n: number, what: string): string {
  return leftOutText(n, 'eval', what);
}

/** heldOutLeftOutText for either side of the split. */
export function leftOutText(n: number, side: 'train' | 'eval', what: string): string {
  return `${plural(n, side === 'eval' ? 'held-out example' : 'training example')} ${n === 1 ? 'is' : 'are all'} left out (flagged by the quality check, or left out by you), so there is nothing to ${what}`;
}

export interface FileExampleOptions {
  split: SplitSettings;
  format?: SourceFormat;
  /** Use examples that fail the quality check too (they are reported either way), a flagged line's
   * "included": false too; a passing example its line leaves out stays out (fileExamples). */
  includeFailing?: boolean;
  /** The user's choice over many examples (data/inclusion.ts), applied after the check as the
   * studio's Dataset panel applies it: flagged only by these rules → used; these ids → left out. */
  inclusion?: InclusionChoice;
  /** Where `inclusion` was recorded (a run folder's run.json given as --adapter), not typed: its ids
   * that no imported example has are noted, not refused (the run left them out of its own data, and
   * these files may be others: a run scored on a BFCL file). */
  inclusionFrom?: string;
  /** Each example's "included" as a snapshot's dataset.jsonl records the studio's choice (an unzipped
   * snapshot given as --adapter), for files that are not that dataset.jsonl: used where a line of
   * these files says nothing, as the line would be. */
  included?: ReadonlyMap<string, boolean>;
  /** The file `included` was read from, named in the note of an example it leaves out: that
   * example's own line says nothing. */
  includedFrom?: string;
  /** BFCL question files in BFCL's prompt mode (import-dataset.ts). */
  bfclPromptMode?: boolean;
  /** Every calling turn of a conversation an example of its own (data/call-turns.ts). */
  everyCallTurn?: boolean;
  /** Where the user chooses a format the records do not show (import-dataset.ts). */
  chooseFormat?: string;
  /** Read no line's "included", as the CLI did before lines chose (the check and the flags alone):
   * only to tell a run trained then that its files are unchanged (cli/localFiles.ts). */
  ignoreLineChoices?: boolean;
}

/** An id to leave out that no imported example has (the CLI names its flag). */
export class UnknownLeaveOut extends Error {}

/** Dataset files → examples by the same rule the browser stores: import, quality check, seeded split,
 * and the user's choice where a line carries it (a snapshot's "included"), as the studio opening that
 * snapshot stores it (saveDataset's `included`): what it left out stays out, what it included is used;
 * then the choice over many examples the flags give (`inclusion`), as the Dataset panel applies it. */
export async function fileExamples(files: DatasetFile[], opts: FileExampleOptions): Promise<FileExamples> {
  const imported = await importDatasetFiles(files, { format: opts.format, bfclPromptMode: opts.bfclPromptMode, everyCallTurn: opts.everyCallTurn, chooseFormat: opts.chooseFormat });
  const problems = imported.issues.map(formatIssue);
  const rows = exampleRows('files', imported.examples, opts.split);
  let failedQuality = 0;
  let leftOut = 0;
  let leftOutAsked = 0;
  // After the rejections and exclusions: a note changes nothing about what trains.
  const notes: string[] = [];
  for (const r of rows) {
    for (const n of r.quality.notes ?? []) notes.push(`example "${r.id}": ${n.detail}`);
    // A line's "included" is the studio's: true uses the example whatever the check says. false on
    // an example that passes the check is the user's choice; on a flagged one it is the check's
    // verdict (the studio stores it for every flagged example), which --include-failing overrides.
    const chosen = opts.ignoreLineChoices ? undefined : (imported.included.get(r.id) ?? opts.included?.get(r.id));
    if (chosen === true) r.included = 1;
    else if (r.quality.passed && chosen === false) r.included = 0;
    else if (!r.quality.passed && opts.includeFailing) r.included = 1;
  }
  const { unknownIds } = applyInclusionChoice(rows, opts.inclusion ?? {});
  // A typo would train on the example the user meant to drop.
  if (unknownIds.length && !opts.inclusionFrom) throw new UnknownLeaveOut(unknownLeaveOutText(unknownIds, rows.length));
  if (unknownIds.length) problems.push(`${opts.inclusionFrom} leaves out ${unknownIds.map((id) => `"${id}"`).join(', ')} (the run's --leave-out), which none of the ${plural(rows.length, 'example')} imported is: nothing is left out for ${unknownIds.length === 1 ? 'it' : 'them'}`);
  const askedOut = new Set(opts.inclusion?.leaveOut ?? []);
  for (const r of rows) {
    if (r.included === 1) continue;
    // Asked first: a flagged example its line or --include-failing would have used is out by --leave-out, not the check.
    if (askedOut.has(r.id)) {
      leftOutAsked++;
      problems.push(`example "${r.id}": left out, as asked`);
      continue;
    }
    if (r.quality.passed) {
      leftOut++;
      const line = imported.included.has(r.id) || !opts.includedFrom ? 'its line' : `its line in ${opts.includedFrom}`;
      problems.push(`example "${r.id}": left out, as ${line} says ("included": false: the studio's choice, as it passes the quality check)`);
      continue;
    }
    failedQuality++;
    problems.push(`example "${r.id}": excluded, fails the quality check (${r.quality.failures.map((f) => `${f.rule}: ${f.detail}`).join('; ')})`);
  }
  const leftOutOn = (side: 'train' | 'eval') => rows.filter((r) => r.split === side && r.included !== 1 && r.example.source !== 'hdr').length;
  return {
    ...usedExamples(rows),
    all: imported.examples,
    problems: [...problems, ...notes],
    counts: { records: imported.files.reduce((n, f) => n + f.records, 0), imported: imported.examples.length, failedQuality, leftOut, leftOutAsked },
    heldOutLeftOut: leftOutOn('eval'),
    trainLeftOut: leftOutOn('train'),
  };
}

/** The sequence length a run on `examples` defaults to (length-stats.ts's rule over their token
 * counts with this tokenizer, at most `context`, the model's positions), and what it does to them.
 * Examples the template cannot render are left out here; training names them. Counted from each
 * example tokenized whole and kept (wholeTokenizations), so training at that length tokenizes again
 * only the examples that must lose earlier turns; on threads where the host has them. */
export async function defaultSeqLen(tokenizer: PreTrainedTokenizer, examples: Example[], context = Infinity): Promise<{ seqLen: number; report: TruncationReport }> {
  const wholes = await wholeTokenizations(tokenizer, examples);
  // The least an example takes (every earlier turn left out): only a conversation with earlier
  // turns has less than its whole. One whose shortest form the template cannot render is left out,
  // as the Dataset panel leaves it out (exampleProfile): the same data suggests the same length.
  const withEarlier = examples.filter((e, i) => wholes[i] !== null && hasEarlierTurns(e));
  const leasts = await exampleLeasts(tokenizer, withEarlier);
  const least = new Map(withEarlier.map((e, k) => [e, leasts[k]]));
  const fits: ExampleFit[] = examples.flatMap((example, i) => {
    const whole = wholes[i];
    if (!whole) return [];
    const full = whole.inputIds.length - promptTail(whole.segments);
    const minimum = least.has(example) ? least.get(example)! : full;
    return minimum === null ? [] : [{ total: whole.inputIds.length, full, minimum }];
  });
  const seqLen = Math.min(suggestSeqLen(fits.map((f) => f.full)), context);
  return { seqLen, report: truncationReport(fits, seqLen) };
}

/**
 * At most `n` of `examples` to evaluate on: every category (BFCL's, or the one its calls give) in
 * its share of them, by largest remainder, each category's first ones, in the examples' order. The
 * first n of a set sorted by category (a BFCL import of 400 simple then 400 parallel questions)
 * evaluated one category and reported it as the whole. All of them when n covers them.
 */
export function evaluationSample(examples: Example[], n: number): Example[] {
  if (n >= examples.length) return examples;
  const byCategory = new Map<string, number[]>();
  examples.forEach((e, i) => {
    const c = groundTruthOf(e).category;
    const group = byCategory.get(c);
    if (group) group.push(i);
    else byCategory.set(c, [i]);
  });
  const groups = [...byCategory.values()];
  const shares = groups.map((g) => (g.length * n) / examples.length);
  const take = shares.map(Math.floor);
  // The seats left go to the largest remainders; ties to the category met first.
  const order = groups.map((_, k) => k).sort((a, b) => shares[b] - take[b] - (shares[a] - take[a]) || a - b);
  for (let left = n - take.reduce((s, x) => s + x, 0), k = 0; left > 0; left--, k++) take[order[k]]++;
  const chosen = new Set(groups.flatMap((g, k) => g.slice(0, take[k])));
  return examples.filter((_, i) => chosen.has(i));
}
