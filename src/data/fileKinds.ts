// Files that are plainly not datasets, recognised by their first bytes (and name) before any import
// starts, so a dropped picture, model weights or a run snapshot is called what it is instead of "not
// valid UTF-8 (bad byte 0x89)" on every line. The page and `studio … --data` both ask here; each
// says it in its own words (drop a file / give a file). A gzipped file is asked about again for what
// it unzips to, when it is read.
const SIGNATURES: Array<{ kind: string; test: (b: Uint8Array) => boolean }> = [
  { kind: 'a PNG image', test: (b) => b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47 },
  { kind: 'a JPEG image', test: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  { kind: 'a GIF image', test: (b) => b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x38 },
  { kind: 'a WebP image', test: (b) => b[0] === 0x52 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x46 && b[8] === 0x57 && b[9] === 0x45 && b[10] === 0x42 && b[11] === 0x50 },
  { kind: 'a PDF document', test: (b) => b[0] === 0x25 && b[1] === 0x50 && b[2] === 0x44 && b[3] === 0x46 },
  // "ustar" at byte 257: a .tar, or what a .tar.gz unzips to.
  { kind: 'a tar archive', test: (b) => b[257] === 0x75 && b[258] === 0x73 && b[259] === 0x74 && b[260] === 0x61 && b[261] === 0x72 },
  // A run snapshot, an ablation report or a recipe download: PK\x03\x04 (PK\x05\x06 when empty).
  { kind: 'a ZIP archive', test: (b) => b[0] === 0x50 && b[1] === 0x4b && ((b[2] === 0x03 && b[3] === 0x04) || (b[2] === 0x05 && b[3] === 0x06)) },
];

const BY_NAME: Array<[RegExp, string]> = [
  [/\.(png|jpe?g|gif|webp|bmp|svg|heic|avif)$/i, 'an image'],
  // A model's or a LoRA adapter's weights (adapter_model.safetensors): their header is JSON, not a record.
  [/\.safetensors$/i, 'model weights'],
  [/\.(pdf|docx?|xlsx?|pptx?)$/i, 'a document'],
];

/** The dataset formats an import reads, as messages name them. */
export const DATASET_FILES_TEXT = 'a .json, .jsonl or .parquet file of examples (OpenAI, Hermes, ShareGPT, xLAM, Glaive, FunReason or BFCL), gzipped (.gz) or not';

/** A dataset file's name without its folder and its dataset extensions (`train.jsonl.gz` → `train`). */
export function datasetFileStem(name: string): string {
  return name.replace(/^.*[\\/]/, '').replace(/(\.(jsonl|ndjson|json|parquet))?(\.gz)?$/i, '');
}

/** What a file is when it is plainly not a dataset (by its first bytes, then its name), else null. */
export async function notADataset(file: Blob & { name: string }): Promise<string | null> {
  const head = new Uint8Array(await file.slice(0, 262).arrayBuffer());
  const bySignature = SIGNATURES.find((s) => s.test(head))?.kind;
  if (bySignature) return bySignature;
  return BY_NAME.find(([re]) => re.test(file.name))?.[1] ?? null;
}

/** "<name> is <kind>" for each of `files` that is plainly not a dataset. */
export async function nonDatasetFiles(files: Array<Blob & { name: string }>): Promise<string[]> {
  const found: string[] = [];
  for (const f of files) {
    const kind = await notADataset(f);
    if (kind) found.push(`${f.name} is ${kind}`);
  }
  return found;
}
