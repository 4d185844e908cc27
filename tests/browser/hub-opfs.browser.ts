// The hub path in the browser: a repo downloaded over HTTP (from the test server's local hub, the
// same URL layout as huggingface.co) with progress into the Origin Private File System, opened as a
// model, and served from OPFS the second time without a single download. Throws to fail.
import { downloadHubModel, type DownloadProgress } from '../../src/model/hub.ts';
import { opfsModelCache } from '../../src/model/model-cache.ts';
import { openModel } from '../../src/model/checkpoint.ts';
import { readModelText } from '../../src/model/model-files.ts';
import { listCachedModels } from '../../src/state/cachedModels.ts';

async function hubGets(): Promise<number> {
  return (await (await fetch('/hub-stats')).json()).gets;
}

async function clearOpfs(): Promise<void> {
  const root = await navigator.storage.getDirectory();
  await root.removeEntry('models', { recursive: true }).catch(() => undefined);
}

export const tests = {
  async 'a hub repo downloads into OPFS with progress, then loads from OPFS without downloading'() {
    await clearOpfs();
    const base = `${location.origin}/hub`;
    const events: DownloadProgress[] = [];
    const before = await hubGets();
    const files = await downloadHubModel('local/tiny-qwen3', { cache: opfsModelCache(), baseUrl: base, onProgress: (p) => events.push(p) });
    const downloaded = (await hubGets()) - before;
    if (downloaded < 4) throw new Error(`expected the model files to be downloaded, saw ${downloaded} GETs`);
    const last = events.at(-1)!;
    if (!(last.bytesTotal > 19_000_000 && last.bytesDone === last.bytesTotal)) throw new Error(`progress did not reach the total: ${JSON.stringify(last)}`);
    const { spec, checkpoint } = await openModel(files);
    await checkpoint.close();
    if (spec.architecture !== 'Qwen3ForCausalLM' || spec.vocabSize !== 151936) throw new Error(`unexpected spec ${spec.architecture} ${spec.vocabSize}`);
    if (!(await readModelText(files, 'tokenizer_config.json')).includes('chat_template')) throw new Error('tokenizer_config.json lost its chat template');

    const again: DownloadProgress[] = [];
    const before2 = await hubGets();
    await downloadHubModel('local/tiny-qwen3', { cache: opfsModelCache(), baseUrl: base, onProgress: (p) => again.push(p) });
    const second = (await hubGets()) - before2;
    if (second !== 0) throw new Error(`the cached model was downloaded again (${second} GETs)`);
    if (!again.every((p) => p.status === 'cached')) throw new Error(`expected every file reported as cached, got ${again.map((p) => p.status).join(',')}`);
    // The Model panel's list counts the model's files, not the markers beside them.
    const listed = (await listCachedModels()).find((m) => m.repo === 'local/tiny-qwen3');
    const fileCount = new Set(events.map((p) => p.file)).size;
    if (listed?.files !== fileCount) throw new Error(`the cache list says ${listed?.files} files, the download had ${fileCount}`);
    await clearOpfs();
  },
  async 'a download cut short in the worker (a reload, a closed tab) keeps what it wrote, and a finished one is complete'() {
    await clearOpfs();
    const run = async (file: string, chunks: number, commit: boolean) => {
      const worker = new Worker(new URL('./opfs-writer.worker.ts', import.meta.url), { type: 'module' });
      await new Promise<void>((resolve, reject) => {
        worker.onmessage = () => resolve();
        worker.onerror = (e) => reject(new Error(e.message));
        worker.postMessage({ file, chunks, commit });
      });
      worker.terminate(); // no commit, no abort: the worker is gone, as in a reload
    };
    const cache = opfsModelCache();
    await run('model-00001-of-00002.safetensors', 3, false);
    // A writable stream kept these bytes in a swap file that only a close moves into place: 0 here.
    const kept = await cache.partialSize('local/worker-writes', 'main', 'model-00001-of-00002.safetensors');
    if (kept !== 3 << 20) throw new Error(`a download cut short kept ${kept} bytes of the ${3 << 20} it wrote`);
    if ((await cache.version('local/worker-writes', 'main', 'model-00001-of-00002.safetensors', 'partial')) !== 'v1') throw new Error('the partial lost the version it resumes against');
    await run('model-00002-of-00002.safetensors', 2, true);
    if ((await cache.completeSize('local/worker-writes', 'main', 'model-00002-of-00002.safetensors')) !== 2 << 20) throw new Error('a committed download is not complete');
    const bytes = await (await cache.open('local/worker-writes', 'main', 'model-00002-of-00002.safetensors'))!.read((1 << 20) - 1, 2);
    if (bytes[0] !== 1 || bytes[1] !== 2) throw new Error(`the chunks were not written in order: ${bytes}`);
    // The Model panel's list says which files are only partly there.
    const listed = (await listCachedModels()).find((m) => m.repo === 'local/worker-writes');
    if (listed?.files !== 2 || listed.partialFiles !== 1 || listed.bytes !== 5 << 20) throw new Error(`the cache list says ${JSON.stringify(listed)}`);
    await clearOpfs();
  },
  async 'the cache lists a revision’s files (complete or partial, without markers) and removes one whole'() {
    await clearOpfs();
    const cache = opfsModelCache();
    const write = async (file: string, commit: boolean) => {
      const w = await cache.openWriter('local/listing', 'main', file, false, 'v1');
      await w.write(new Uint8Array([1, 2, 3]));
      await (commit ? w.commit() : w.abort());
    };
    await write('model-00001-of-00002.safetensors', true);
    await write('model-00002-of-00002.safetensors', false);
    await write('config.json', true);
    const names = (await cache.files('local/listing', 'main')).sort().join(',');
    if (names !== 'config.json,model-00001-of-00002.safetensors,model-00002-of-00002.safetensors') throw new Error(`the cache lists ${names}`);
    await cache.remove('local/listing', 'main', 'model-00001-of-00002.safetensors');
    await cache.remove('local/listing', 'main', 'model-00002-of-00002.safetensors');
    await cache.remove('local/listing', 'main', 'never-written.json');
    if ((await cache.files('local/listing', 'main')).join(',') !== 'config.json') throw new Error(`left after removing: ${await cache.files('local/listing', 'main')}`);
    if ((await cache.completeSize('local/listing', 'main', 'model-00001-of-00002.safetensors')) !== null) throw new Error('a removed file is still complete');
    if ((await cache.files('local/nothing', 'main')).length !== 0) throw new Error('a repo never downloaded lists files');
    await clearOpfs();
  },
  async 'a missing repo names the file and the repo'() {
    const err = await downloadHubModel('local/nope', { cache: opfsModelCache(), baseUrl: `${location.origin}/hub` }).catch((e) => e);
    if (!(err instanceof Error) || !/config\.json/.test(err.message) || !/local\/nope/.test(err.message)) throw new Error(`unexpected: ${err?.message ?? err}`);
  },
};
