// A GGUF export's quantization worker in the CLI (a worker_threads thread; export/quantPool.ts).
import { parentPort } from 'node:worker_threads';
import { answerQuantRequest, type QuantRequest } from '../export/quantPool.ts';

const port = parentPort!;
port.on('message', (req: QuantRequest) => {
  const { reply, transfer } = answerQuantRequest(req);
  port.postMessage(reply, transfer);
});
