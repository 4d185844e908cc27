// An evaluation's answers downloaded as the JSON lines `studio eval --out` writes: each answer with
// its verdict, every reason it failed, how it ended and what it was judged against. For a notebook,
// `studio eval --against` (this evaluation beside another of the same examples) or a bug report.
import { predictionLine } from '../worker/protocol.ts';
import { downloadBytes } from './download.ts';
import { fileStem } from './fileStem.ts';
import { evalPredictions } from './queries.ts';

/** The file's name and text for an evaluation's stored answers (none stored: no lines). */
export async function evalAnswersFile(row: { id: string; name?: string }): Promise<{ name: string; text: string; answers: number }> {
  const answers = await evalPredictions(row.id);
  return { name: `${fileStem(row.name ?? row.id)}-answers.jsonl`, text: answers.map((p) => predictionLine(p) + '\n').join(''), answers: answers.length };
}

export async function downloadEvalAnswers(row: { id: string; name?: string }): Promise<void> {
  const file = await evalAnswersFile(row);
  downloadBytes(new TextEncoder().encode(file.text), file.name, 'application/jsonl');
}
