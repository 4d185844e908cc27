// A studio dataset as a Hugging Face dataset repo's files: its examples in OpenAI's messages form as
// one JSON Lines file (data/openai-record.ts) and a dataset card that names it and says what is in
// it. Examples are added a chunk at a time, each chunk written at once, so a large dataset is never
// held as rows. The studio's Dataset panel (from IndexedDB) and `studio push --data` (from dataset
// files) both push what this writes.
import type { Example } from '../data/example.ts';
import { openaiJsonl } from '../data/openai-record.ts';
import { datasetCard, type DatasetCardFacts } from './hubCards.ts';
import type { HubPushFile } from './hubPush.ts';

/** Where the examples go in the repo: a `train` split the Hub's viewer and the studio's import find. */
export const HUB_DATASET_FILE = 'data/train.jsonl';

type Counts = Omit<DatasetCardFacts, 'title' | 'repo' | 'dataset' | 'file' | 'leftOut'>;

export class HubDatasetWriter {
  private readonly parts: Uint8Array[] = [];
  readonly counts: Counts = { examples: 0, sources: {}, hdr: { examples: 0, rounds: 0 }, withReasoning: 0, python: 0, noCall: 0, withPossibleAnswer: 0, categories: {} };

  /** `edited`: how many of them carry an answer the user edited (the card says so). */
  add(examples: Example[], edited = 0): void {
    if (!examples.length) return;
    this.parts.push(openaiJsonl(examples));
    const c = this.counts;
    if (edited) c.edited = (c.edited ?? 0) + edited;
    for (const e of examples) {
      c.examples++;
      const source = e.source ?? 'unknown';
      c.sources[source] = (c.sources[source] ?? 0) + 1;
      if (e.source === 'hdr') {
        c.hdr.examples++;
        c.hdr.rounds = Math.max(c.hdr.rounds, e.hdrRound ?? 0);
      }
      if (e.target.reasoning?.trim()) c.withReasoning++;
      if (e.target.callSyntax === 'python') c.python++;
      if (!e.target.calls.length) c.noCall++;
      if (e.possibleAnswer) c.withPossibleAnswer++;
      if (e.category) c.categories[e.category] = (c.categories[e.category] ?? 0) + 1;
    }
  }

  /** The data file and its card, for the repo `repo` (`owner/name`). */
  files(repo: string, dataset: string, leftOut: number): HubPushFile[] {
    if (!this.counts.examples) throw new Error(leftOut ? `every example of “${dataset}” is left out of training: include some, or push all of them` : `“${dataset}” has no examples to push`);
    const card = datasetCard({ ...this.counts, title: repo.split('/')[1], repo, dataset, file: HUB_DATASET_FILE, leftOut });
    return [
      { path: HUB_DATASET_FILE, blob: new Blob(this.parts as BlobPart[], { type: 'application/jsonl' }) },
      { path: 'README.md', blob: new Blob([card]) },
    ];
  }
}
