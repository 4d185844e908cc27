// Resolves the CLI's `--model` argument: a local folder in the Hugging Face layout, or a hub repo
// id (`owner/name`) downloaded into a local cache with a progress line. The hub base URL comes
// from --hub-base or HF_ENDPOINT, so tests point it at a local server; the read timeout from
// HF_HUB_DOWNLOAD_TIMEOUT (seconds, as Python's huggingface_hub reads it); an access token for
// gated or private repos from HF_TOKEN, as huggingface_hub reads it.
import { existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { downloadHubModel, DEFAULT_HUB_BASE_URL, HubAccessError, HubNetworkError, HubRepoNotFoundError, HubTimeoutError } from '../model/hub.ts';
import { nodeDirectoryModelCache } from '../model/model-cache-node.ts';
import { nodeDirectoryModelFiles } from '../model/model-files-node.ts';
import type { ModelFiles } from '../model/model-files.ts';
import { CliError } from './command.ts';
import { ProgressLine } from './progress.ts';

export interface ModelSourceOptions {
  hubBase?: string;
  cacheDir?: string;
  quiet?: boolean;
  /** Download only the tokenizer's files (see HubOptions.tokenizerOnly). */
  tokenizerOnly?: boolean;
  /** Download every file but the weights (see HubOptions.withoutWeights). */
  withoutWeights?: boolean;
  /** Shared by the downloads of one model load in parts (see HubOptions.load). */
  load?: { updating: boolean };
  /** How messages name the model argument (default "--model"; `studio inspect` also takes it bare). */
  label?: string;
}

/** The embedded model is generated, not checked in: a fresh clone has it after `npm start` or `npm test`. */
const EMBEDDED_MODEL = /(^|[\\/])public[\\/]models[\\/]tiny-qwen3[\\/]?$/;

export function defaultCacheDir(): string {
  return process.env.STUDIO_CACHE ?? join(homedir(), '.cache', 'balancesft-studio', 'models');
}

/** Where `--data hf://datasets/…` downloads go, kept for the next command: $STUDIO_DATASET_CACHE, or
 * beside the models' default cache. */
export function datasetCacheDir(): string {
  return process.env.STUDIO_DATASET_CACHE || join(homedir(), '.cache', 'balancesft-studio', 'datasets');
}

/** The Hub to download from: --hub-base, else $HF_ENDPOINT, else huggingface.co. */
export function hubBaseUrl(flag?: string): string {
  const baseUrl = flag ?? process.env.HF_ENDPOINT ?? DEFAULT_HUB_BASE_URL;
  // A mistyped base is no network failure to retry three times.
  if (!/^https?:$/.test(URL.parse(baseUrl)?.protocol ?? '')) throw new CliError(`${flag !== undefined ? '--hub-base' : '$HF_ENDPOINT'} ${baseUrl} is not an http(s) URL (like ${DEFAULT_HUB_BASE_URL})`, 2);
  return baseUrl;
}

/** The access token for gated and private repos, as huggingface_hub reads it. */
export function hubToken(): string | undefined {
  return process.env.HF_TOKEN || process.env.HUGGING_FACE_HUB_TOKEN || undefined;
}

/** HF_HUB_DOWNLOAD_TIMEOUT in milliseconds, or undefined for the hub module's default. */
export function hubTimeoutMs(): number | undefined {
  const raw = process.env.HF_HUB_DOWNLOAD_TIMEOUT;
  if (raw === undefined || raw === '') return undefined;
  const seconds = Number(raw);
  if (!(seconds > 0)) throw new CliError(`HF_HUB_DOWNLOAD_TIMEOUT must be a positive number of seconds, got "${raw}"`, 2);
  return seconds * 1000;
}

/** A model argument that must be a local folder (studio tokenize never downloads): there, and a folder. */
export function checkModelFolder(arg: string, label = '--model'): void {
  if (!existsSync(arg)) throw new CliError(`${label} ${arg}: no such folder`, 2);
  if (!statSync(arg).isDirectory()) throw new CliError(`${label} ${arg} is a file; give the model's folder (config.json, model.safetensors, tokenizer files)`, 2);
}

export async function resolveModel(arg: string, opts: ModelSourceOptions = {}): Promise<ModelFiles> {
  const label = opts.label ?? '--model';
  if (existsSync(arg)) {
    checkModelFolder(arg, label);
    return nodeDirectoryModelFiles(arg);
  }
  if (EMBEDDED_MODEL.test(arg)) throw new CliError(`${label} ${arg}: the embedded model is not generated yet in this checkout; run node scripts/prepare-assets.mjs (npm start and npm test run it too)`);
  if (!/^[\w.-]+\/[\w.-]+$/.test(arg)) throw new CliError(`${label} ${arg}: no such folder, and not a hub repo id like Qwen/Qwen2.5-0.5B-Instruct`, 2);
  const cacheDir = opts.cacheDir ?? defaultCacheDir();
  const cacheFrom = opts.cacheDir !== undefined ? '--cache' : process.env.STUDIO_CACHE !== undefined ? '$STUDIO_CACHE' : 'the download cache';
  if (existsSync(cacheDir) && !statSync(cacheDir).isDirectory()) throw new CliError(`${cacheFrom} ${cacheDir} is a file; give a folder for the downloaded models`, 2);
  const baseUrl = hubBaseUrl(opts.hubBase);
  const progress = new ProgressLine(opts.quiet);
  const token = hubToken();
  try {
    return await downloadHubModel(arg, {
      cache: nodeDirectoryModelCache(cacheDir),
      baseUrl,
      timeoutMs: hubTimeoutMs(),
      token,
      tokenizerOnly: opts.tokenizerOnly,
      withoutWeights: opts.withoutWeights,
      load: opts.load,
      onProgress: (p) =>
        progress.update(`${arg}: ${p.file} ${(p.bytesDone / 2 ** 20).toFixed(1)}/${(p.bytesTotal / 2 ** 20).toFixed(1)} MiB ${(p.bytesPerSecond / 2 ** 20).toFixed(1)} MiB/s`),
    });
  } catch (err) {
    if (err instanceof HubAccessError && !token) throw new CliError(`${err.message}; here, set HF_TOKEN to an access token that may read it`);
    // `models/my-run` mistyped reads as a repo id too: the hub's failure alone hides that no such folder exists.
    if (err instanceof HubRepoNotFoundError || err instanceof HubNetworkError || err instanceof HubTimeoutError) throw new CliError(`${err.message}; and there is no folder ${arg} here either`);
    throw err;
  } finally {
    progress.done();
  }
}
