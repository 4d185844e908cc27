// A download's writer in a dedicated worker, as the studio's GPU worker runs it: writes what the
// page asks and says when it is written; the page then terminates it mid-download (a reload, a
// closed tab) or lets it commit.
import { opfsModelCache } from '../../src/model/model-cache.ts';

self.onmessage = async (e: MessageEvent<{ file: string; chunks: number; commit: boolean }>) => {
  const { file, chunks, commit } = e.data;
  const writer = await opfsModelCache().openWriter('local/worker-writes', 'main', file, false, 'v1');
  for (let i = 0; i < chunks; i++) await writer.write(new Uint8Array(1 << 20).fill(i + 1));
  if (commit) await writer.commit();
  (self as unknown as Worker).postMessage('written');
};
