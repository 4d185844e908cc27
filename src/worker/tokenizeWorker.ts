// A tokenizing thread in the page (data/tokenize-threads.ts), started by the GPU worker: it builds
// the model's tokenizer from the files it is sent, then tokenizes the slices of examples it is handed
// while the others do theirs.
// First: transformers.js must bind to onnxruntime-web (local wasm) before anything imports it.
import '../export/ortGlobal.ts';
import { answerTokenizeMessage } from '../data/tokenize-pool.ts';
import type { TokenizeMessage } from '../data/tokenize-threads.ts';

self.onmessage = (e: MessageEvent<TokenizeMessage>) => {
  const answer = answerTokenizeMessage(e.data);
  if (answer) (self as unknown as Worker).postMessage(answer.reply, answer.transfer);
};
