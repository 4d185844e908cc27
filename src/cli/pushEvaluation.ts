// The evaluation a card pushed from the command line states (`studio push --eval --beside`), read
// from `studio eval` predictions files as the studio's own push reads its stored evaluations: the
// accuracy of what is pushed on the held-out examples, and beside it another evaluation of the same
// examples and answer length (the base model for an adapter, the run's adapter for a GGUF file) with
// the answer-by-answer split. Each file's settings (<predictions>.settings.json, written by studio
// eval) must say it scored what the card says: an adapter's card never states another adapter's
// accuracy, and weights changed after they were scored are not described by it.
// Reads files only; the card's words are export/hubCards.ts's.
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { CliError } from './command.ts';
import { readAnswerSettings, readPredictionLines, type AnswerSettings } from '../jobs/store/folder.ts';
import { compareAnswers } from '../eval/compareAnswers.ts';
import type { BesideEvaluation, CardEvaluation } from '../export/hubCards.ts';

/** What is pushed, as an evaluation's settings name it. */
export type PushedSubject = { kind: 'adapter'; dir: string; weights: string } | { kind: 'gguf'; file: string };

export interface PushedEvaluation extends CardEvaluation {
  beside?: BesideEvaluation;
}

type Verdict = { exampleId: string; output: string; valid: boolean; afterCalls: boolean; askedInTraining: boolean; expected?: string };

/** A predictions file's verdicts (readPredictionLines), each answer with the one studio eval gave it. */
function readVerdicts(path: string, flag: string): Verdict[] {
  let lines;
  try {
    lines = readPredictionLines(path);
  } catch (err) {
    throw new CliError(`${flag} ${(err as Error).message}; give the --out file of studio eval`, 2);
  }
  if (lines.length === 0) throw new CliError(`${flag} ${path}: it holds no answers`, 2);
  const unjudged = lines.find((l) => l.valid === undefined);
  if (unjudged) throw new CliError(`${flag} ${path}: the answer to "${unjudged.id}" has no verdict (valid); give the --out file of studio eval`, 2);
  return lines.map((l) => ({ exampleId: l.id, output: l.output, valid: l.valid!, afterCalls: l.afterCalls, askedInTraining: l.askedInTraining, ...(l.expected !== undefined && { expected: l.expected }) }));
}

function settingsOf(path: string, flag: string): AnswerSettings {
  if (!existsSync(path)) throw new CliError(`${flag} ${path}: no such file`, 2);
  let settings: AnswerSettings | null;
  try {
    settings = readAnswerSettings(path);
  } catch (err) {
    throw new CliError(`${flag} ${path}: ${(err as Error).message}`, 2);
  }
  if (!settings) throw new CliError(`${flag} ${path}: no ${path}.settings.json beside it to say what it scored (an older studio eval wrote none); evaluate again`, 2);
  return settings;
}

/** What an evaluation's settings say it scored, in words. */
function scoredText(s: AnswerSettings): string {
  if (typeof s['--gguf'] === 'string') return `the GGUF file ${s['--gguf']}`;
  if (typeof s['--adapter'] === 'string') return `the adapter in ${s['--adapter']}`;
  return `the base model ${String(s['--model'])} alone`;
}

const isBase = (s: AnswerSettings) => typeof s['--adapter'] !== 'string' && typeof s['--gguf'] !== 'string';
const isAdapter = (s: AnswerSettings) => typeof s['--adapter'] === 'string' && typeof s['--gguf'] !== 'string';

/** The card's evaluation, or undefined without --eval. */
export function pushedEvaluation(paths: { eval?: string; beside?: string }, subject: PushedSubject): PushedEvaluation | undefined {
  if (paths.eval === undefined) {
    if (paths.beside !== undefined) throw new CliError('--beside sets another evaluation beside --eval\'s: give --eval too', 2);
    return undefined;
  }
  const own = settingsOf(paths.eval, '--eval');
  const scored = subject.kind === 'gguf' ? own['--gguf'] === resolve(subject.file) : isAdapter(own) && own['--adapter'] === resolve(subject.dir);
  const wanted = subject.kind === 'gguf' ? `studio eval --gguf ${subject.file}` : `studio eval --adapter ${subject.dir}`;
  if (!scored) throw new CliError(`--eval ${paths.eval} scored ${scoredText(own)}, not ${subject.kind === 'gguf' ? `the pushed file ${resolve(subject.file)}` : `the adapter of ${resolve(subject.dir)}`}: give the --out of ${wanted}`, 2);
  // The card says "held-out examples": an evaluation of the training side would flatter it.
  if (own['--split'] !== 'eval') {
    throw new CliError(own['--split'] === undefined ? `--eval ${paths.eval}: its settings do not say which examples it scored (an older studio eval); evaluate again` : `--eval ${paths.eval} scored --split ${String(own['--split'])}, and the card states accuracy on held-out examples: evaluate with --split eval (the default)`, 2);
  }
  const weights = subject.kind === 'gguf' ? subject.file : subject.weights;
  if (statSync(weights).mtimeMs > statSync(paths.eval).mtimeMs) {
    throw new CliError(`${weights} changed after --eval ${paths.eval} was written (${subject.kind === 'gguf' ? 'exported' : 'trained'} again): its answers are of other weights; evaluate again with ${wanted}`, 2);
  }
  const answers = readVerdicts(paths.eval, '--eval');
  const maxNewTokens = Number(own['--max-tokens']);
  const later = answers.filter((a) => a.afterCalls);
  const asked = answers.filter((a) => a.askedInTraining);
  const tally: CardEvaluation = { correct: answers.filter((a) => a.valid).length, total: answers.length, maxNewTokens, ...(later.length && { laterSteps: { correct: later.filter((a) => a.valid).length, total: later.length } }), ...(asked.length && { askedInTraining: { correct: asked.filter((a) => a.valid).length, total: asked.length } }) };
  if (paths.beside === undefined) return tally;
  const other = settingsOf(paths.beside, '--beside');
  const besideKind = subject.kind === 'gguf' ? "the run's adapter (studio eval --adapter <run>, without --gguf)" : 'the base model (studio eval without --adapter or --gguf)';
  if (!(subject.kind === 'gguf' ? isAdapter(other) : isBase(other))) throw new CliError(`--beside ${paths.beside} scored ${scoredText(other)}; beside ${subject.kind === 'gguf' ? 'a GGUF file' : 'an adapter'} goes ${besideKind}`, 2);
  if (other['--split'] !== 'eval') throw new CliError(`--beside ${paths.beside} did not score the held-out examples (--split ${String(other['--split'] ?? 'unrecorded: an older studio eval')}): evaluate with --split eval (the default)`, 2);
  if (other['--model'] !== own['--model']) throw new CliError(`--beside ${paths.beside} answered with the model ${String(other['--model'])} and --eval ${paths.eval} with ${String(own['--model'])}: set evaluations of one base model beside each other`, 2);
  if (other['--max-tokens'] !== own['--max-tokens']) {
    throw new CliError(`--beside ${paths.beside} answered in up to ${String(other['--max-tokens'])} tokens and --eval ${paths.eval} in up to ${String(own['--max-tokens'])}: set evaluations of one answer length beside each other`, 2);
  }
  const theirs = readVerdicts(paths.beside, '--beside');
  const c = compareAnswers(answers, theirs);
  if (c.shared === 0) throw new CliError(`--beside ${paths.beside} answered none of the examples --eval ${paths.eval} answered: evaluate both on the same data and split`, 2);
  return { ...tally, beside: { correct: theirs.filter((a) => a.valid).length, total: theirs.length, split: { right: c.nowRight.length, wrong: c.nowWrong.length }, ...(c.relabeled.length > 0 && { relabeled: c.relabeled.length }) } };
}

/** The card's own part of an evaluation (the other one goes under the card's name for it). */
export function withoutBeside({ beside: _beside, ...own }: PushedEvaluation): CardEvaluation {
  return own;
}
