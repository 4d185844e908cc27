// From dataset files and a model's tokenizer to the trainer's inputs: import (any supported
// format), quality check (failing examples are excluded unless asked for), the stable seeded
// train/eval split, and tokenization with segments at the run's sequence length. Examples whose
// target alone exceeds the length are reported, not silently dropped. Shared by the CLI and the
// worker; never touches the GPU or storage.
import type { PreTrainedTokenizer } from '@huggingface/transformers';
import type { Example, SourceFormat } from '../data/example.ts';
import { importDatasetFiles, type DatasetFile, type ImportProgress } from '../data/import-dataset.ts';
import { checkExample } from '../data/quality-check.ts';
import { formatIssue } from '../data/record-error.ts';
import { splitOf, type SplitSettings, DEFAULT_SPLIT } from '../data/split.ts';
import { ExampleTooLongError, tokenizeExample } from '../data/tokenize-example.ts';
import { readModelText, type ModelFiles } from '../model/model-files.ts';
import { loadTokenizer } from '../data/tokenizer-load.ts';
import type { TokenizedExample } from './batching.ts';

export interface PreparedData {
  examples: Example[];
  train: TokenizedExample[];
  eval: TokenizedExample[];
  trainExamples: Example[];
  evalExamples: Example[];
  /** One line per rejected record or excluded example, naming it and the reason. */
  problems: string[];
  counts: { records: number; imported: number; failedQuality: number; tooLong: number };
}

export interface PrepareOptions {
  seqLen: number;
  format?: SourceFormat;
  split?: SplitSettings;
  includeFailing?: boolean;
  onProgress?: (p: ImportProgress) => void;
}

export async function tokenizerFromModel(files: ModelFiles): Promise<PreTrainedTokenizer> {
  const json = JSON.parse(await readModelText(files, 'tokenizer.json'));
  const config = JSON.parse(await readModelText(files, 'tokenizer_config.json'));
  return loadTokenizer(json, config);
}

export async function prepareTrainingData(tokenizer: PreTrainedTokenizer, files: DatasetFile[], opts: PrepareOptions): Promise<PreparedData> {
  const imported = await importDatasetFiles(files, { format: opts.format, onProgress: opts.onProgress });
  const problems = imported.issues.map(formatIssue);
  const split = opts.split ?? DEFAULT_SPLIT;
  const out: PreparedData = {
    examples: imported.examples,
    train: [],
    eval: [],
    trainExamples: [],
    evalExamples: [],
    problems,
    counts: { records: imported.files.reduce((n, f) => n + f.records, 0), imported: imported.examples.length, failedQuality: 0, tooLong: 0 },
  };
  for (const ex of imported.examples) {
    const quality = checkExample(ex);
    if (!quality.passed && !opts.includeFailing) {
      out.counts.failedQuality++;
      problems.push(`example "${ex.id}": excluded, fails the quality check (${quality.failures.map((f) => `${f.rule}: ${f.detail}`).join('; ')})`);
      continue;
    }
    let tok;
    try {
      tok = tokenizeExample(tokenizer, ex, { maxLen: opts.seqLen });
    } catch (err) {
      if (err instanceof ExampleTooLongError) {
        out.counts.tooLong++;
        problems.push(err.message);
        continue;
      }
      throw err;
    }
    const t: TokenizedExample = { id: tok.id, inputIds: tok.inputIds, segments: tok.segments };
    if (splitOf(ex.id, split) === 'eval') {
      out.eval.push(t);
      out.evalExamples.push(ex);
    } else {
      out.train.push(t);
      out.trainExamples.push(ex);
    }
  }
  return out;
}
