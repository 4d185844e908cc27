// "Push to the Hub" for a stored dataset: its examples read from IndexedDB a chunk at a time (in one
// transaction: HDR adding samples meanwhile gives all of them or none), written as a Hugging Face
// dataset repo's files (export/hubDataset.ts), then pushed as one commit (export/hubPush.ts). A data
// request, not a job: it needs no GPU, so it runs beside training. Cancel stops it before the commit.
import type { StudioDb } from '../data/db.ts';
import { HubDatasetWriter } from '../export/hubDataset.ts';
import { hubPushStepLabel, pushToHub } from '../export/hubPush.ts';
import { plural } from '../data/plural.ts';
import { readDatasetInChunks } from '../snapshot/dataset-export.ts';
import type { DatasetHubPushOutcome, DatasetHubPushRequest, ProgressInfo } from './protocol.ts';

export async function pushDatasetToHub(db: StudioDb, push: DatasetHubPushRequest, signal: AbortSignal, progress: (p: ProgressInfo) => void): Promise<DatasetHubPushOutcome> {
  const writer = new HubDatasetWriter();
  let leftOut = 0;
  const { name } = await readDatasetInChunks(
    db,
    push.datasetId,
    (rows) => {
      const kept = push.onlyIncluded ? rows.filter((r) => r.included === 1) : rows;
      leftOut += rows.length - kept.length;
      writer.add(
        kept.map((r) => r.example),
        kept.filter((r) => r.original !== undefined).length,
      );
    },
    (done, total) => progress({ label: 'reading the examples', done, total }),
  );
  signal.throwIfAborted();
  const out = await pushToHub({
    repo: push.repo,
    repoType: 'dataset',
    token: push.token,
    files: (repo) => writer.files(repo, name, leftOut),
    message: `Upload the dataset “${name}” (${plural(writer.counts.examples, 'example')}) with BalanceSFT Studio`,
    private: push.private,
    ...(push.baseUrl ? { baseUrl: push.baseUrl } : {}),
    signal,
    onProgress: (p) =>
      progress({
        label: hubPushStepLabel(p),
        done: p.bytesDone,
        total: p.bytesTotal,
        unit: 'bytes',
      }),
  });
  // The runs trained on it link the repo in their model cards from now on.
  await db.datasets.update(push.datasetId, { hubRepo: out.repo });
  return { ...out, examples: writer.counts.examples, leftOut };
}
