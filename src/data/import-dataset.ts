// Imports one or more dataset files into Examples: reads records chunk by chunk, detects each
// file's format from its first records (or uses the user's override), parses, quality-checks,
// joins BFCL question files with their possible_answer files, and reports every rejected record
// with file, line, index, id and reason. `streamDatasetFiles` hands the examples back one chunk
// at a time, so a caller that stores or tokenizes them as they come keeps memory flat however big
// the file is; `importDatasetFiles` collects them all (small files, tests). Between chunks it
// yields to the event loop and reports progress, so a page importing 50,000 records stays responsive.
// Every record is judged alone, inside its own guard: its nesting is checked before any recursive
// code sees it, and whatever a parser or the quality check throws (a RangeError included) rejects
// that record by name, never the file.
// Never stores anything and never stops at a bad record: storage is dataset-store.ts's job.
import type { Example, PossibleAnswer, SourceFormat } from './example.ts';
import { callsFromPossibleAnswer, isIrrelevanceId, isPossibleAnswerRecord, readPossibleAnswer } from './formats/bfcl.ts';
import type { FormatParser } from './formats/format-parser.ts';
import { detectFileFormat, parserFor } from './formats/registry.ts';
import { checkExample, reasoningPromiseOf, type QualityReport, type ReasoningPromise } from './quality-check.ts';
import { RecordError, type ImportIssue } from './record-error.ts';
import { recordShapeProblem } from './record-limits.ts';
import { readRecords, type RawRecord, type ReadOptions } from './record-reader.ts';
import { numericValue } from './python/integral-float.ts';
import { storableExample } from './whole-floats.ts';
import { datasetFileStem } from './fileKinds.ts';
import { conversationExamples, EARLIER_CALLS_RULE } from './call-turns.ts';

/** The formats whose records are conversations: their earlier assistant turns may call tools too. */
const CONVERSATION_FORMATS: ReadonlySet<SourceFormat> = new Set(['openai', 'sharegpt', 'hermes', 'funreason', 'glaive']);

export interface DatasetFile {
  name: string;
  blob: Blob;
}

export interface ImportProgress {
  file: string;
  filesDone: number;
  filesTotal: number;
  recordsDone: number;
  bytesDone: number;
  bytesTotal: number;
}

export interface ImportOptions extends ReadOptions {
  /** Force a format instead of detecting it (the user's override). */
  format?: SourceFormat;
  onProgress?: (p: ImportProgress) => void;
  /** Records looked at before deciding a file's format (default 32). */
  detectSample?: number;
  /** Override the per-format reasoning promise for the quality check. */
  reasoning?: ReasoningPromise;
  /** BFCL question files in BFCL's prompt mode: the functions listed in its system prompt and the
   * answer as Python calls `[f(a=1)]` (what FunReason trains on and how the leaderboard prompts
   * models without native tools), instead of native tools and JSON tool calls. */
  bfclPromptMode?: boolean;
  /** Every calling turn of a conversation an example of its own, not only its last (call-turns.ts). */
  everyCallTurn?: boolean;
  /** Cancels the import between two chunks: the generator throws ImportCancelledError. */
  signal?: AbortSignal;
  /** Where the reader of a record's note chooses a format the importer does not recognise (the
   * CLI: its --format and values); default: the studio's Format select, or --format. */
  chooseFormat?: string;
}

const CHOOSE_FORMAT = 'the Format select in the studio, --format for studio commands';

/** The user cancelled the import (or its download); the caller saves nothing. */
export class ImportCancelledError extends Error {
  constructor(what: string) {
    super(`${what} was cancelled; nothing was saved`);
    this.name = 'ImportCancelledError';
  }
}

/** Throws ImportCancelledError once `signal` is aborted. */
export function unlessCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new ImportCancelledError('the import');
}

export interface ImportedFile {
  name: string;
  /** The format used, 'possible_answer' for a BFCL answer file, undefined when none matched. */
  format: SourceFormat | 'possible_answer' | undefined;
  detected: boolean;
  records: number;
  /** Examples imported: one per record, or more where every calling turn of a conversation is learned. */
  imported: number;
  rejected: number;
  /** Of the examples imported, those made of a conversation's earlier calling turns (everyCallTurn). */
  earlierCallTurns?: number;
  /** Without everyCallTurn, the examples whose earlier calling turns are prompt only (noted on each). */
  earlierCallsInPrompt?: number;
}

export interface ImportResult {
  examples: Example[];
  /** The choice to train on an example or not that its line carried (parser.included), by id. */
  included: Map<string, boolean>;
  issues: ImportIssue[];
  files: ImportedFile[];
}

/** One imported example with its quality verdict and where it came from. */
export interface ImportedExample {
  example: Example;
  quality: QualityReport;
  /** The choice its line carried (parser.included), if any. */
  included?: boolean;
  /** The example as it was imported, where its line carries one beside an edited answer (parser.imported). */
  imported?: Example;
  file: string;
  /** Its line in a text file; a Parquet row has none. */
  line?: number;
  index: number;
}

/** What one chunk of input produced. */
export interface ImportBatch {
  examples: ImportedExample[];
  issues: ImportIssue[];
  /** Per-file reports so far; final in the last batch. */
  files: ImportedFile[];
  progress: ImportProgress;
}

/** A macrotask, not a microtask: lets the browser paint and handle input between chunks. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** A record that parsed as JSON and is shallow enough for the format detectors to look at. */
function isReadable(r: RawRecord): boolean {
  return r.error === undefined && recordShapeProblem(r.value) === undefined;
}

/** The id a raw record carries, for naming it in a rejection before (or without) parsing it. */
function rawRecordId(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const r = value as Record<string, unknown>;
  const id = numericValue(Object.hasOwn(r, 'id') ? r.id : Object.hasOwn(r, 'idx') ? r.idx : r.conversation_id);
  if (typeof id === 'string' && id !== '') return id;
  if (typeof id === 'number' && Number.isFinite(id)) return String(id);
  return undefined;
}

function describeError(err: unknown): string {
  if (err instanceof RecordError) return err.message;
  // A RangeError here would be a walk the nesting check missed: still this record's problem only.
  return `could not be read (${(err as Error)?.name ?? 'Error'}: ${(err as Error)?.message ?? String(err)})`;
}

/**
 * What format a file looks like, from its first records, without importing it: lets the UI show
 * the detected format next to the override picker before the import starts.
 */
export async function detectDatasetFileFormat(file: DatasetFile, sampleSize = 32): Promise<SourceFormat | 'possible_answer' | undefined> {
  const sample: unknown[] = [];
  for await (const chunk of readRecords(file.blob, file.name, { chunkBytes: 256 << 10 })) {
    for (const r of chunk.records) if (isReadable(r)) sample.push(r.value);
    if (sample.length >= sampleSize) break;
  }
  const detected = detectFileFormat(sample.slice(0, sampleSize));
  return detected?.kind === 'possible_answer' ? 'possible_answer' : detected?.parser.format;
}

export async function importDatasetFiles(files: DatasetFile[], options: ImportOptions = {}): Promise<ImportResult> {
  const examples: Example[] = [];
  const included = new Map<string, boolean>();
  const issues: ImportIssue[] = [];
  let fileReports: ImportedFile[] = [];
  for await (const batch of streamDatasetFiles(files, options)) {
    for (const e of batch.examples) {
      examples.push(e.example);
      if (e.included !== undefined) included.set(e.example.id, e.included);
    }
    for (const i of batch.issues) issues.push(i);
    fileReports = batch.files;
  }
  if (fileReports.length === 0) fileReports = files.map((f) => ({ name: f.name, format: options.format, detected: false, records: 0, imported: 0, rejected: 0 }));
  return { examples, included, issues, files: fileReports };
}

interface PendingQuestion {
  example: Example;
  file: string;
  report: ImportedFile;
  line?: number;
  index: number;
}

export async function* streamDatasetFiles(files: DatasetFile[], options: ImportOptions = {}): AsyncGenerator<ImportBatch> {
  const fileReports: ImportedFile[] = [];
  // id → where it was first seen, packed as fileIndex·2³² + line (a number per id, not a string);
  // for a Parquet file, which has no lines, its record number.
  const seenIds = new Map<string, number>();
  const place = (r: RawRecord) => r.line ?? r.index + 1;
  const fileHasLines: boolean[] = [];
  const placeWords = (fileIndex: number, at: number) => `${files[fileIndex].name} ${fileHasLines[fileIndex] ? 'line' : 'record'} ${at}`;
  const answers = new Map<string, PossibleAnswer>();
  // BFCL questions wait for their possible_answer file, which may come later in the list; BFCL
  // files are small (hundreds of questions), so holding them does not break the memory bound.
  const bfclPending: PendingQuestion[] = [];
  const bytesTotal = files.reduce((s, f) => s + f.blob.size, 0);
  const sampleSize = options.detectSample ?? 32;
  let bytesBefore = 0;
  let recordsDone = 0;
  const quality = (example: Example) => checkExample(example, options.reasoning ?? reasoningPromiseOf(example));

  // Files of one name from two folders (a/train.jsonl, b/train.jsonl): the second's records
  // without an id are named `train.2-<index>`, not the first's ids again (all rejected as duplicates).
  const filesNamed = new Map<string, number>();
  for (const [fileIndex, file] of files.entries()) {
    const report: ImportedFile = { name: file.name, format: options.format, detected: false, records: 0, imported: 0, rejected: 0 };
    fileReports.push(report);
    const named = (filesNamed.get(datasetFileStem(file.name)) ?? 0) + 1;
    filesNamed.set(datasetFileStem(file.name), named);
    const stem = named === 1 ? datasetFileStem(file.name) : `${datasetFileStem(file.name)}.${named}`;
    let parser: FormatParser | undefined = options.format ? parserFor(options.format) : undefined;
    let answerFile = false;
    let decided = false;
    const held: RawRecord[] = [];

    const decide = () => {
      decided = true;
      const sample = held.filter(isReadable).map((r) => r.value);
      if (sample.length && sample.filter(isPossibleAnswerRecord).length > sample.length / 2) {
        answerFile = true;
        report.format = 'possible_answer';
        return;
      }
      if (parser) return;
      const detected = detectFileFormat(sample);
      if (detected?.kind === 'examples') {
        parser = detected.parser;
        report.format = parser.format;
        report.detected = true;
      }
    };
    /** One record, start to end, inside its own guard. */
    const handle = (r: RawRecord, batch: ImportBatch) => {
      if (r.line !== undefined) fileHasLines[fileIndex] = true;
      report.records++;
      recordsDone++;
      const reject = (reason: string, id?: string) => {
        report.rejected++;
        const issue: ImportIssue = { file: file.name, line: r.line, index: r.index, reason };
        if (id !== undefined) issue.id = id;
        batch.issues.push(issue);
      };
      if (r.error !== undefined) return reject(r.error);
      const id = rawRecordId(r.value);
      const tooDeep = recordShapeProblem(r.value);
      if (tooDeep) return reject(`record ${tooDeep}`, id);
      try {
        if (answerFile) {
          const { id: questionId, answer } = readPossibleAnswer(r.value);
          answers.set(questionId, answer);
          report.imported++;
          return;
        }
        if (!parser) return reject(`format not recognised (choose it: ${options.chooseFormat ?? CHOOSE_FORMAT})`, id);
        const parsed = parser.parse(r.value, { fallbackId: `${stem}-${r.index}` });
        // Strings inside a record (xLAM's tools/answers, JSON arguments) are parsed too: check again.
        const shape = recordShapeProblem(parsed, { jsonOnly: true });
        if (shape) return reject(`the parsed example ${shape}`, parsed.id);
        const turns = CONVERSATION_FORMATS.has(parser.format) ? conversationExamples(parsed, options.everyCallTurn ?? false, (turnId) => seenIds.has(turnId)) : [parsed];
        // Parsers box a target's whole floats (5.0); stored, they are numbers and a list of places.
        // An earlier calling turn whose id is taken is left to the example that has it: the same turn
        // as a record of its own (a dataset the studio pushed has each learned turn as one).
        const examples = turns.map(storableExample).filter((e, k) => k === turns.length - 1 || !seenIds.has(e.id));
        const first = seenIds.get(examples.at(-1)!.id);
        if (first !== undefined) {
          return reject(`duplicate id "${parsed.id}" (first seen at ${placeWords(Math.floor(first / 2 ** 32), first % 2 ** 32)})`, parsed.id);
        }
        const example = examples.at(-1)!;
        // A BFCL question file's questions wait for their answers; the studio's own lines of BFCL
        // questions already carry them.
        if (example.source === 'bfcl' && parser.format === 'bfcl') {
          seenIds.set(example.id, fileIndex * 2 ** 32 + place(r));
          report.imported++;
          bfclPending.push({ example, file: file.name, report, line: r.line, index: r.index });
          return;
        }
        const verdicts = examples.map(quality);
        const included = parser.included?.(r.value);
        const imported = parser.imported?.(r.value);
        examples.forEach((e, k) => {
          seenIds.set(e.id, fileIndex * 2 ** 32 + place(r));
          report.imported++;
          batch.examples.push({ example: e, quality: verdicts[k], ...(included !== undefined && { included }), ...(imported && k === examples.length - 1 && { imported }), file: file.name, line: r.line, index: r.index });
        });
        if (examples.length > 1) report.earlierCallTurns = (report.earlierCallTurns ?? 0) + examples.length - 1;
        if (example.parseIssues?.some((p) => p.rule === EARLIER_CALLS_RULE)) report.earlierCallsInPrompt = (report.earlierCallsInPrompt ?? 0) + 1;
      } catch (err) {
        reject(describeError(err), id);
      }
    };
    const newBatch = (): ImportBatch => ({ examples: [], issues: [], files: fileReports, progress: undefined as unknown as ImportProgress });

    unlessCancelled(options.signal);
    for await (const chunk of readRecords(file.blob, file.name, options)) {
      unlessCancelled(options.signal);
      const batch = newBatch();
      if (!decided) {
        for (const r of chunk.records) held.push(r); // a loop: spreading 300k records overflows the stack
        if (held.filter(isReadable).length >= sampleSize) {
          decide();
          for (const r of held.splice(0)) handle(r, batch);
        }
      } else for (const r of chunk.records) handle(r, batch);
      batch.progress = { file: file.name, filesDone: fileIndex, filesTotal: files.length, recordsDone, bytesDone: bytesBefore + chunk.bytesDone, bytesTotal };
      options.onProgress?.(batch.progress);
      yield batch;
      await yieldToEventLoop();
      unlessCancelled(options.signal);
    }
    if (!decided) {
      decide();
      const batch = newBatch();
      for (const r of held.splice(0)) handle(r, batch);
      batch.progress = { file: file.name, filesDone: fileIndex, filesTotal: files.length, recordsDone, bytesDone: bytesBefore + file.blob.size, bytesTotal };
      yield batch;
    }
    bytesBefore += file.blob.size;
  }

  unlessCancelled(options.signal);
  // BFCL: the target calls come from the possible_answer file, joined by question id.
  const last = newFinalBatch(fileReports, { file: files.at(-1)?.name ?? '', filesDone: files.length, filesTotal: files.length, recordsDone, bytesDone: bytesTotal, bytesTotal });
  for (const p of bfclPending) {
    const reject = (reason: string) => {
      p.report.imported--;
      p.report.rejected++;
      last.issues.push({ file: p.file, line: p.line, index: p.index, id: p.example.id, reason });
    };
    try {
      const answer = answers.get(p.example.id);
      if (answer) {
        // The answer's whole floats ([1.0, 2.0]) train as written; stored, the answer is plain numbers.
        p.example = storableExample({ ...p.example, possibleAnswer: answer, target: { ...p.example.target, calls: callsFromPossibleAnswer(answer) } });
        const shape = recordShapeProblem(p.example, { jsonOnly: true });
        if (shape) {
          reject(`the example joined with its possible_answer ${shape}`);
          continue;
        }
      } else if (!isIrrelevanceId(p.example.id)) {
        reject(`no possible_answer for BFCL question "${p.example.id}" (import its possible_answer file with it)`);
        continue;
      }
      if (options.bfclPromptMode) p.example.target.callSyntax = 'python';
      last.examples.push({ example: p.example, quality: quality(p.example), file: p.file, line: p.line, index: p.index });
    } catch (err) {
      reject(describeError(err));
    }
  }
  options.onProgress?.(last.progress);
  yield last;
}

function newFinalBatch(files: ImportedFile[], progress: ImportProgress): ImportBatch {
  return { examples: [], issues: [], files, progress };
}
