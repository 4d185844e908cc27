// Local files the CLI commands read the same way: dataset paths as blobs (and the examples in them,
// chosen by the studio's split and quality rule) and a PEFT adapter folder, each with a one-line
// error naming the missing path.
import { existsSync, openAsBlob } from 'node:fs';
import { basename, join } from 'node:path';
import type { SourceFormat } from '../data/example.ts';
import type { DatasetFile } from '../data/import-dataset.ts';
import type { ModelSpec } from '../model/config.ts';
import type { LoraAdapter } from '../model/lora.ts';
import { ADAPTER_CONFIG_FILE } from '../model/peft.ts';
import { fileExamples, type FileExamples } from '../jobs/data.ts';
import { readPeftAdapter } from '../jobs/store/folder.ts';
import { CliError } from './command.ts';

/** Dataset files as blobs, with a clear error for a missing path. */
export async function datasetFiles(paths: string[]): Promise<DatasetFile[]> {
  return Promise.all(
    paths.map(async (p) => {
      if (!existsSync(p)) throw new CliError(`--data ${p}: no such file`);
      return { name: basename(p), blob: await openAsBlob(p) };
    }),
  );
}

/** The examples of the --data files: imported, quality-checked and split with `seed` (10% held out,
 * as studio train, eval and hdr all split). Import problems and exclusions are printed as notes. */
export async function dataExamples(paths: string[], opts: { seed: number; format?: SourceFormat; includeFailing?: boolean; bfclPromptMode?: boolean }): Promise<FileExamples> {
  const data = await fileExamples(await datasetFiles(paths), { split: { seed: opts.seed, evalFraction: 0.1 }, format: opts.format, includeFailing: opts.includeFailing, bfclPromptMode: opts.bfclPromptMode });
  printNotes(data.problems);
  return data;
}

/** At most 20 notes on stderr, then how many more there were. */
export function printNotes(notes: string[]): void {
  for (const p of notes.slice(0, 20)) console.error(`note: ${p}`);
  if (notes.length > 20) console.error(`note: … and ${notes.length - 20} more`);
}

/** A PEFT adapter folder for this model, or undefined without --adapter. */
export async function readAdapter(spec: ModelSpec, dir: string | undefined): Promise<LoraAdapter | undefined> {
  if (!dir) return undefined;
  if (!existsSync(join(dir, ADAPTER_CONFIG_FILE))) throw new CliError(`--adapter ${dir}: no ${ADAPTER_CONFIG_FILE}`);
  return readPeftAdapter(dir, spec);
}
