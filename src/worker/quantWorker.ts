// A GGUF export's quantization worker in the page (export/quantPool.ts), started by the GPU worker:
// it quantizes the blocks of rows it is sent while the others do theirs.
import { answerQuantRequest, type QuantRequest } from '../export/quantPool.ts';

self.onmessage = (e: MessageEvent<QuantRequest>) => {
  const { reply, transfer } = answerQuantRequest(e.data);
  (self as unknown as Worker).postMessage(reply, transfer);
};
