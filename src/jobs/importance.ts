// The importance matrix of a run's own examples, one job for the studio's GGUF export and
// `studio export-gguf --imatrix-data`: a sample of the training examples (every call category in
// its share), rendered and tokenized as training renders them, run through the model with the
// adapter on the GPU (export/importanceCollect.ts). The K-quant mixes then round each weight where
// these function-calling conversations make it matter least, as llama-quantize --imatrix does with
// the text it was given.
import type { PreTrainedTokenizer } from '@huggingface/transformers';
import type { Gpu } from '../gpu/index.ts';
import type { Example } from '../data/example.ts';
import type { LoraAdapter } from '../model/lora.ts';
import type { ModelFiles } from '../model/model-files.ts';
import { collectImportance } from '../export/importanceCollect.ts';
import type { ImportanceMatrix } from '../export/importanceMatrix.ts';
import { tokenizeAllForTraining } from '../train/prepareData.ts';
import { evaluationSample } from './data.ts';
import { plural } from '../data/plural.ts';

/** Training examples an importance matrix is collected over, at most: llama-imatrix's usual
 * 100-odd chunks of 512 tokens are about as many tokens as 256 tool-use conversations. */
export const IMPORTANCE_EXAMPLES = 256;

export interface ImportanceJob {
  gpu: Gpu;
  files: ModelFiles;
  tokenizer: PreTrainedTokenizer;
  adapter: LoraAdapter | null;
  /** The training side: the sample is drawn from these. */
  examples: Example[];
  /** Tokens an example is cut to (the run's sequence length); a longer one is passed over. */
  seqLen: number;
  /** What the examples are, for the matrix's imatrix.datasets (the dataset's name). */
  datasetName: string;
  limit?: number;
  signal?: AbortSignal;
  onProgress?: (label: string, done: number, total: number) => void;
}

export interface ImportanceResult {
  matrix: ImportanceMatrix;
  /** Examples the model ran over, and the tokens. */
  examples: number;
  tokens: number;
  /** Examples of the sample passed over: longer than the sequence length, or not renderable. */
  skipped: number;
}

export async function importanceFromExamples(job: ImportanceJob): Promise<ImportanceResult> {
  const limit = job.limit ?? IMPORTANCE_EXAMPLES;
  if (!(Number.isInteger(limit) && limit >= 1)) throw new RangeError(`the importance matrix's examples must be a whole number ≥ 1, got ${limit}`);
  if (job.examples.length === 0) throw new Error(`${job.datasetName} has no training examples to collect an importance matrix from`);
  const sample = evaluationSample(job.examples, limit);
  const set = await tokenizeAllForTraining(job.tokenizer, sample, job.seqLen, {
    signal: job.signal,
    onProgress: (done, total) => job.onProgress?.('tokenizing the examples for the importance matrix', done, total),
  });
  if (set.examples.length === 0) throw new Error(`none of the ${plural(sample.length, 'training example')} of ${job.datasetName} fits ${job.seqLen} tokens: no importance matrix can be collected`);
  const sequences = set.examples.map((e) => e.inputIds);
  const n = sequences.length;
  const matrix = await collectImportance(job.gpu, job.files, job.adapter, sequences, {
    datasets: [`${job.datasetName}: ${plural(n, 'training example')}`],
    signal: job.signal,
    onProgress: (done, total) => job.onProgress?.('running the model over the examples for the importance matrix', done, total),
  });
  return { matrix, examples: n, tokens: sequences.reduce((t, s) => t + s.length, 0), skipped: sample.length - n };
}
