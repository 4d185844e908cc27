// Where --include-flagged and --leave-out take their default from, as train, eval and hdr's help
// says it: an --adapter run folder's own choice, else the studio's per-line choice, which an
// unzipped snapshot's dataset.jsonl carries and a run folder started from a snapshot records
// (lineChoices in its run.json or hdr.json, which adapterRun reads). The help named the snapshot's
// dataset.jsonl alone, as if a run folder's record were not honoured.
import { describe, expect, it } from 'vitest';
import { HDR_FILES, RUN_JSON } from '../../src/jobs/store/folder.ts';
import { DATASET_FILE } from '../../src/snapshot/dataset-jsonl.ts';

const usage = async (name: string): Promise<string> => ((await import(`../../src/cli/commands/${name}.ts`)).default.usage as string).replace(/\s+/g, ' ');

describe('studio train, eval and hdr --help on the examples an --adapter folder chose', () => {
  it.each(['train', 'eval', 'hdr'])('studio %s names the snapshot\u2019s dataset.jsonl and a run folder\u2019s recorded lineChoices alike', async (name) => {
    expect(await usage(name)).toContain(
      `(default: the --adapter run folder's, if it chose any, over the studio's per-line choices of the snapshot it is or started from: its ${DATASET_FILE}, or the lineChoices its ${RUN_JSON} or ${HDR_FILES.summary} records)`,
    );
  });
});
