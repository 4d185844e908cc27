// Local files the CLI commands read the same way: dataset paths as blobs and a PEFT adapter folder,
// each with a one-line error naming the missing path.
import { existsSync, openAsBlob, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { DatasetFile } from '../data/import-dataset.ts';
import { openModel } from '../model/checkpoint.ts';
import type { LoraAdapter } from '../model/lora.ts';
import type { ModelFiles } from '../model/model-files.ts';
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, importPeftAdapter } from '../model/peft.ts';
import { nodeFileSource } from '../model/byte-source-node.ts';
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

/** A PEFT adapter folder for this model, or undefined without --adapter. */
export async function readAdapter(files: ModelFiles, dir: string | undefined): Promise<LoraAdapter | undefined> {
  if (!dir) return undefined;
  const { spec, checkpoint } = await openModel(files);
  await checkpoint.close();
  const cfgPath = join(dir, ADAPTER_CONFIG_FILE);
  if (!existsSync(cfgPath)) throw new CliError(`--adapter ${dir}: no ${ADAPTER_CONFIG_FILE}`);
  return importPeftAdapter(spec, readFileSync(cfgPath, 'utf8'), await nodeFileSource(join(dir, ADAPTER_WEIGHTS_FILE)));
}
