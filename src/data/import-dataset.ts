// Imports one or more dataset files into Examples: reads records chunk by chunk, detects each
// file's format from its first records (or uses the user's override), parses, joins BFCL question
// files with their possible_answer files, and reports every rejected record with file, line,
// index and reason. Between chunks it yields to the event loop and reports progress, so a page
// importing 50,000 records stays responsive.
// Never stores anything and never stops at a bad record: storage is dataset-store.ts's job.
import type { Example, PossibleAnswer, SourceFormat } from './example.ts';
import { callsFromPossibleAnswer, isIrrelevanceId, isPossibleAnswerRecord, readPossibleAnswer } from './formats/bfcl.ts';
import type { FormatParser } from './formats/format-parser.ts';
import { detectFileFormat, parserFor } from './formats/registry.ts';
import { RecordError, type ImportIssue } from './record-error.ts';
import { readRecords, type RawRecord, type ReadOptions } from './record-reader.ts';

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
}

export interface ImportedFile {
  name: string;
  /** The format used, 'possible_answer' for a BFCL answer file, undefined when none matched. */
  format: SourceFormat | 'possible_answer' | undefined;
  detected: boolean;
  records: number;
  imported: number;
  rejected: number;
}

export interface ImportResult {
  examples: Example[];
  issues: ImportIssue[];
  files: ImportedFile[];
}

/** A macrotask, not a microtask: lets the browser paint and handle input between chunks. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

function baseName(name: string): string {
  return name.replace(/^.*[\\/]/, '').replace(/\.(jsonl|ndjson|json)$/i, '');
}

/**
 * What format a file looks like, from its first records, without importing it: lets the UI show
 * the detected format next to the override picker before the import starts.
 */
export async function detectDatasetFileFormat(file: DatasetFile, sampleSize = 32): Promise<SourceFormat | 'possible_answer' | undefined> {
  const sample: unknown[] = [];
  for await (const chunk of readRecords(file.blob, file.name, { chunkBytes: 256 << 10 })) {
    for (const r of chunk.records) if (r.error === undefined) sample.push(r.value);
    if (sample.length >= sampleSize) break;
  }
  const detected = detectFileFormat(sample.slice(0, sampleSize));
  return detected?.kind === 'possible_answer' ? 'possible_answer' : detected?.parser.format;
}

export async function importDatasetFiles(files: DatasetFile[], options: ImportOptions = {}): Promise<ImportResult> {
  const examples: Example[] = [];
  const issues: ImportIssue[] = [];
  const fileReports: ImportedFile[] = [];
  const seenIds = new Map<string, string>();
  const answers = new Map<string, PossibleAnswer>();
  const bfclPending: Array<{ example: Example; file: string; line: number; index: number }> = [];
  const bytesTotal = files.reduce((s, f) => s + f.blob.size, 0);
  const sampleSize = options.detectSample ?? 32;
  let bytesBefore = 0;
  let recordsDone = 0;

  for (const [fileIndex, file] of files.entries()) {
    const report: ImportedFile = { name: file.name, format: options.format, detected: false, records: 0, imported: 0, rejected: 0 };
    fileReports.push(report);
    const stem = baseName(file.name);
    let parser: FormatParser | undefined = options.format ? parserFor(options.format) : undefined;
    let answerFile = false;
    let decided = false;
    const held: RawRecord[] = [];

    const reject = (r: { line: number; index: number }, reason: string) => {
      report.rejected++;
      issues.push({ file: file.name, line: r.line, index: r.index, reason });
    };
    const decide = () => {
      decided = true;
      const sample = held.filter((r) => r.error === undefined).map((r) => r.value);
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
    const handle = (r: RawRecord) => {
      report.records++;
      recordsDone++;
      if (r.error !== undefined) return reject(r, r.error);
      try {
        if (answerFile) {
          const { id, answer } = readPossibleAnswer(r.value);
          answers.set(id, answer);
          report.imported++;
          return;
        }
        if (!parser) return reject(r, 'format not recognised (choose one with the format override)');
        const example = parser.parse(r.value, { fallbackId: `${stem}-${r.index}` });
        const where = `${file.name} line ${r.line}`;
        const first = seenIds.get(example.id);
        if (first !== undefined) return reject(r, `duplicate id "${example.id}" (first seen at ${first})`);
        seenIds.set(example.id, where);
        report.imported++;
        if (example.source === 'bfcl') bfclPending.push({ example, file: file.name, line: r.line, index: r.index });
        else examples.push(example);
      } catch (err) {
        if (err instanceof RecordError) return reject(r, err.message);
        reject(r, `unexpected ${(err as Error).name}: ${(err as Error).message}`);
      }
    };

    for await (const chunk of readRecords(file.blob, file.name, options)) {
      if (!decided) {
        held.push(...chunk.records);
        if (held.filter((r) => r.error === undefined).length >= sampleSize) {
          decide();
          held.splice(0).forEach(handle);
        }
      } else chunk.records.forEach(handle);
      options.onProgress?.({ file: file.name, filesDone: fileIndex, filesTotal: files.length, recordsDone, bytesDone: bytesBefore + chunk.bytesDone, bytesTotal });
      await yieldToEventLoop();
    }
    if (!decided) {
      decide();
      held.splice(0).forEach(handle);
    }
    bytesBefore += file.blob.size;
  }

  // BFCL: the target calls come from the possible_answer file, joined by question id.
  for (const p of bfclPending) {
    const answer = answers.get(p.example.id);
    if (answer) {
      p.example.possibleAnswer = answer;
      p.example.target.calls = callsFromPossibleAnswer(answer);
      examples.push(p.example);
    } else if (isIrrelevanceId(p.example.id)) {
      examples.push(p.example);
    } else {
      const report = fileReports.find((f) => f.name === p.file)!;
      report.imported--;
      report.rejected++;
      issues.push({ file: p.file, line: p.line, index: p.index, reason: `no possible_answer for BFCL question "${p.example.id}" (import its possible_answer file with it)` });
    }
  }
  options.onProgress?.({ file: files.at(-1)?.name ?? '', filesDone: files.length, filesTotal: files.length, recordsDone, bytesDone: bytesTotal, bytesTotal });
  return { examples, issues, files: fileReports };
}
