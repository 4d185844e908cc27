// "Hub" for a run: its PEFT adapter with a model card, the model with the adapter merged (the
// merged export's folder, each file gathered as a Blob as it is written, never whole in the worker's
// memory), or the GGUF file the page saved, pushed to a Hugging Face model repo as one commit
// (export/hubPush.ts). A job like the exports: it holds the GPU (the merge runs on it) and the
// page's Cancel stops it, before the commit.
import type { LoraAdapter } from '../model/lora.ts';
import type { RunConfig } from '../train/config.ts';
import { exportPeftAdapter, ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE } from '../model/peft.ts';
import { adapterModelCard, ggufModelCard, type AdapterCardFacts, type GgufCardFacts } from '../export/hubCards.ts';
import { mergeInWorker } from './mergedExportJob.ts';
import { hubPushStepLabel, pushToHub, type HubPushFile, type HubPushResult } from '../export/hubPush.ts';
import { GatheredBlob } from './gatheredBlob.ts';
import type { JobContext } from '../jobs/context.ts';

export interface HubPushInput {
  what: 'adapter' | 'merged' | 'gguf';
  gguf?: { file: Blob; type: string };
  repo: string;
  token: string;
  private: boolean;
  baseUrl?: string;
  adapter: LoraAdapter;
  /** What adapter_config.json names as the base model. */
  baseRef: string;
  /** The base model's Hub id, for the card (none for a dropped folder or the embedded model). */
  baseModel?: string;
  run: string;
  config: RunConfig;
  adapterStep: number;
  /** An HDR run's rounds: its adapter is its last round's. */
  hdrRounds?: number;
  dataset?: string;
  /** The Hub dataset repos the run's examples came from or were pushed to. */
  datasets?: string[];
  /** Examples whose expected answer the user edited (the card says so). */
  editedAnswers?: number;
  evaluation?: AdapterCardFacts['evaluation'];
  /** A GGUF push's: the evaluation of the file's weights, beside the adapter's. */
  ggufEvaluation?: GgufCardFacts['evaluation'];
}

export async function runHubPush(ctx: JobContext, job: HubPushInput): Promise<HubPushResult> {
  const what = job.what === 'adapter' ? 'adapter' : job.what === 'merged' ? 'merged model' : `${job.gguf?.type.toUpperCase()} GGUF`;
  if (job.what === 'gguf' && !job.gguf) throw new Error('there is no GGUF file to push: export one first');
  return pushToHub({
    repo: job.repo,
    token: job.token,
    // Made once the token is checked, with the repo's full id for the card.
    files: async (repo, existing) => (job.what === 'adapter' ? adapterFiles(ctx, job, repo) : job.what === 'merged' ? mergedFiles(ctx, job, repo) : ggufFiles(job, job.gguf!, repo, await existing())),
    message: `Upload the ${what} of run ${job.run} (${job.hdrRounds !== undefined ? `after ${job.hdrRounds} HDR round${job.hdrRounds === 1 ? '' : 's'}` : `step ${job.adapterStep}`}) with BalanceSFT Studio`,
    private: job.private,
    ...(job.baseUrl ? { baseUrl: job.baseUrl } : {}),
    signal: ctx.signal,
    onProgress: (p) =>
      ctx.progress({
        label: hubPushStepLabel(p),
        done: p.bytesDone,
        total: p.bytesTotal,
      }),
  });
}

function adapterFiles(ctx: JobContext, job: HubPushInput, repo: string): HubPushFile[] {
  const title = repo.split('/')[1];
  const peft = exportPeftAdapter(ctx.model.spec, job.adapter, job.baseRef);
  const card = adapterModelCard({
    title,
    run: job.run,
    repo,
    ...(job.baseModel ? { baseModel: job.baseModel } : {}),
    config: job.config,
    ...(job.hdrRounds !== undefined ? { hdrRounds: job.hdrRounds } : { adapterStep: job.adapterStep }),
    ...(job.dataset ? { dataset: job.dataset } : {}),
    ...(job.datasets ? { datasets: job.datasets } : {}),
    ...(job.editedAnswers ? { editedAnswers: job.editedAnswers } : {}),
    ...(job.evaluation ? { evaluation: job.evaluation } : {}),
  });
  return [
    { path: ADAPTER_CONFIG_FILE, blob: new Blob([peft.adapterConfigJson]) },
    { path: ADAPTER_WEIGHTS_FILE, blob: new Blob([peft.adapterSafetensors as Uint8Array<ArrayBuffer>]) },
    { path: 'README.md', blob: new Blob([card]) },
  ];
}

async function mergedFiles(ctx: JobContext, job: HubPushInput, repo: string): Promise<HubPushFile[]> {
  const title = repo.split('/')[1];
  const gathered = new Map<string, GatheredBlob>();
  await mergeInWorker(ctx, job.adapter, { title, run: job.run, repo, ...(job.baseModel ? { baseModel: job.baseModel } : {}), ...(job.datasets ? { datasets: job.datasets } : {}) }, (file, chunk) => {
    if (!gathered.has(file)) gathered.set(file, new GatheredBlob());
    gathered.get(file)!.push(chunk);
  });
  return [...gathered].map(([path, g]) => ({ path, blob: g.done('application/octet-stream') }));
}

/** The file named as Ollama's and llama.cpp's `hf.co/<repo>:<TYPE>` find it, with its card. */
function ggufFiles(job: HubPushInput, gguf: { file: Blob; type: string }, repo: string, others: string[]): HubPushFile[] {
  const title = repo.split('/')[1];
  const type = gguf.type.toUpperCase();
  const fileName = `${title}-${type}.gguf`;
  const card = ggufModelCard({ title, run: job.run, repo, fileName, type, bytes: gguf.file.size, others, ...(job.baseModel ? { baseModel: job.baseModel } : {}), ...(job.datasets ? { datasets: job.datasets } : {}), ...(job.editedAnswers ? { editedAnswers: job.editedAnswers } : {}), ...(job.ggufEvaluation ? { evaluation: job.ggufEvaluation } : {}) });
  return [
    { path: fileName, blob: gguf.file },
    { path: 'README.md', blob: new Blob([card]) },
  ];
}
