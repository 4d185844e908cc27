// A tokenizing thread of the CLI (a worker_threads thread; data/tokenize-threads.ts).
import { parentPort } from 'node:worker_threads';
import { answerTokenizeMessage } from '../data/tokenize-pool.ts';
import type { TokenizeMessage } from '../data/tokenize-threads.ts';

const port = parentPort!;
port.on('message', (message: TokenizeMessage) => {
  const answer = answerTokenizeMessage(message);
  if (answer) port.postMessage(answer.reply, answer.transfer);
});
