// Cancelling a model load on its way: a hub download (hundreds of MB to GB) went on after the user's
// Cancel, since the worker could not stop a load part-way. Through the engine's own handlers against
// a local hub: the load ends with an error the page tells apart, loads nothing (the model loaded
// before stays), and keeps what it downloaded, which the next load of the model resumes.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { StudioEngine } from '../../src/worker/engine.ts';
import { nodeDirectoryModelCache } from '../../src/model/model-cache-node.ts';
import { tinyTestOptions } from '../../src/model/tiny-model.ts';
import { writeTinyModel } from '../../scripts/gen-tiny-model.ts';
import { startHub, type Served } from '../model/hub-server.ts';
import { tinyModelFiles } from '../helpers/tinyEngine.ts';
import type { ProgressInfo } from '../../src/worker/protocol.ts';

const REPO = 'test-org/tiny';
const WEIGHTS = 'model.safetensors';
const dirs: string[] = [];
let hub: Served;
const tempDir = async () => {
  const d = await mkdtemp(join(tmpdir(), 'studio-load-cancel-'));
  dirs.push(d);
  return d;
};

beforeAll(async () => {
  const model = await tempDir();
  await writeTinyModel(model, tinyTestOptions('llama'));
  hub = await startHub({ [REPO]: model });
});
afterAll(async () => {
  await new Promise((ok) => (hub.server.closeAllConnections(), hub.server.close(ok)));
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('cancelling a hub model’s load part-way through its download', () => {
  it('ends the load with ModelLoadCancelledError, keeps the model loaded before and the bytes downloaded, and the next load resumes them', { timeout: 60_000 }, async () => {
    const cache = nodeDirectoryModelCache(await tempDir());
    const engine = new StudioEngine(undefined, () => undefined, null, 'http://localhost/', cache);
    await engine.handlers.loadModel({ source: { kind: 'files', files: tinyModelFiles(), label: 'earlier' } }, () => undefined);
    expect(engine.jobs.model?.ref).toBe('local:earlier');

    // The weights' body stops half-way and waits, as a large download is part-way for minutes.
    hub.holdNext.add(WEIGHTS);
    const seen: ProgressInfo[] = [];
    const load = engine.handlers.loadModel({ source: { kind: 'hub', repo: REPO, baseUrl: hub.base } }, (p) => seen.push(p));
    const settled = load.catch((err: Error) => err);
    await vi.waitFor(() => expect(seen.some((p) => p.label === WEIGHTS && p.done > 0)).toBe(true), { timeout: 20_000 });
    expect(await engine.handlers.cancelModelLoad({}, () => undefined)).toBe(true);

    const err = await settled;
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).name).toBe('ModelLoadCancelledError');
    expect((err as Error).message).toBe(`loading ${REPO} was cancelled: what was downloaded is kept, and loading it again resumes the download`);
    // Nothing was loaded: the model loaded before is still the one jobs use.
    expect(engine.jobs.model?.ref).toBe('local:earlier');
    const partial = await cache.partialSize(REPO, 'main', WEIGHTS);
    expect(partial).toBeGreaterThan(0);
    expect(await cache.completeSize(REPO, 'main', WEIGHTS)).toBeNull();
    // No load on its way: nothing to cancel.
    expect(await engine.handlers.cancelModelLoad({}, () => undefined)).toBe(false);

    hub.log.length = 0;
    const info = await engine.handlers.loadModel({ source: { kind: 'hub', repo: REPO, baseUrl: hub.base } }, () => undefined);
    expect(info.ref).toBe(REPO);
    expect(engine.jobs.model?.ref).toBe(REPO);
    // From where the cancelled download stopped, not from the start.
    expect(hub.log).toContain(`GET /cdn/${REPO}/${WEIGHTS} bytes=${partial}-`);
  });

  it('cancelled before its first byte (the embedded model), ends the same way and loads nothing', async () => {
    const engine = new StudioEngine(undefined, () => undefined, null, hub.base + '/nothing-here/');
    await engine.handlers.loadModel({ source: { kind: 'files', files: tinyModelFiles(), label: 'earlier' } }, () => undefined);
    const load = engine.handlers.loadModel({ source: { kind: 'embedded' } }, () => undefined).catch((e: Error) => e);
    expect(await engine.handlers.cancelModelLoad({}, () => undefined)).toBe(true);
    const err = (await load) as Error;
    expect(err.name).toBe('ModelLoadCancelledError');
    expect(err.message).toBe('loading the embedded model was cancelled');
    expect(engine.jobs.model?.ref).toBe('local:earlier');
  });
});
