// The per-token loss strip a run keeps (its latest eval step's) belongs to the adapter of that
// step: a run resumed from an earlier checkpoint trains that step again, and one started again from
// step 0 trains none of it, so a strip of a later step is dropped with the metric rows past the
// checkpoint. The dashboard showed "Per-token loss · step 45" beside a run back at step 41.
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { StudioDb } from '../../src/data/db.ts';
import { DEFAULT_RUN_CONFIG } from '../../src/train/config.ts';
import { encodeCheckpoint } from '../../src/train/checkpointFile.ts';
import type { TrainerState } from '../../src/train/trainer.ts';
import { DexieRunStore, readRun } from '../../src/jobs/store/dexie.ts';
import { CHECKPOINT_FILE, RunFolderStore, TOKEN_LOSS_FILE } from '../../src/jobs/store/folder.ts';

const state = (step: number): TrainerState => ({ step, cursor: { epoch: 0, index: step }, balance: { rule: 'grad', theta: { value: 0.8, m: 0, v: 0, step } }, loraParams: new Float32Array(4), adamM: new Float32Array(4), adamV: new Float32Array(4) });
const strip = (step: number) => ({ step, exampleId: 'e', tokens: ['a'], nll: [1], segments: [2] });

async function dexieRun(stripStep: number, checkpointStep: number | null) {
  const db = new StudioDb(`strip-${Date.now()}-${Math.random()}`, { indexedDB, IDBKeyRange });
  await db.runs.add({ id: 'r', datasetId: 'd', kind: 'train', status: 'paused', createdAt: 1, updatedAt: 1, config: DEFAULT_RUN_CONFIG, name: 'r', lastStep: 45, tokenLoss: strip(stripStep) } as never);
  if (checkpointStep !== null) {
    const bytes = encodeCheckpoint(state(checkpointStep));
    await db.checkpoints.add({ runId: 'r', step: checkpointStep, createdAt: 1, blobs: { checkpoint: bytes.slice().buffer as ArrayBuffer } });
  }
  return db;
}

describe('the per-token loss strip of a resumed run', () => {
  it('Dexie: a strip past the checkpoint goes, one at or before it stays', async () => {
    const later = await dexieRun(45, 40);
    expect((await new DexieRunStore(later, 'r').openHistory(true))?.step).toBe(40);
    expect((await readRun(later, 'r')) as { tokenLoss?: unknown }).not.toHaveProperty('tokenLoss');
    const earlier = await dexieRun(40, 40);
    await new DexieRunStore(earlier, 'r').openHistory(true);
    expect(((await readRun(earlier, 'r')) as { tokenLoss?: { step: number } }).tokenLoss?.step).toBe(40);
  });

  it('Dexie: a run started again from step 0 keeps no strip of its earlier attempt', async () => {
    const db = await dexieRun(20, null);
    expect(await new DexieRunStore(db, 'r').openHistory(false)).toBeNull();
    expect((await readRun(db, 'r')) as { tokenLoss?: unknown }).not.toHaveProperty('tokenLoss');
  });

  it('a run folder: token-loss.json past the checkpoint goes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'strip-'));
    writeFileSync(join(dir, 'run.json'), JSON.stringify({ model: 'tiny', data: ['d.jsonl'], config: DEFAULT_RUN_CONFIG }) + '\n');
    writeFileSync(join(dir, CHECKPOINT_FILE), encodeCheckpoint(state(40)));
    writeFileSync(join(dir, TOKEN_LOSS_FILE), JSON.stringify(strip(45)) + '\n');
    await new RunFolderStore(dir, { model: 'tiny', data: ['d.jsonl'] }).openHistory(true);
    expect(existsSync(join(dir, TOKEN_LOSS_FILE))).toBe(false);
  });
});
