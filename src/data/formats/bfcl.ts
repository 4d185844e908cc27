// BFCL (Berkeley Function-Calling Leaderboard) question files `{id, question, function}` and their
// `possible_answer` files `{id, ground_truth: [{fname: {arg: [accepted values…]}}]}`. The question
// parser yields an Example without calls; the importer joins the answer by id and derives the
// target calls from the first accepted value of each argument (`""` first means "omit").
// Never executes anything: multi-turn categories that need a live environment are rejected.
import type { Call, Example, PossibleAnswer } from '../example.ts';
import { setOwn } from '../own-keys.ts';
import { RecordError } from '../record-error.ts';
import { RECORD_LIMITS } from '../record-limits.ts';
import { describe, normalizeToolList } from '../tool-schema.ts';
import { contentText, isObject, recordId } from './conversation.ts';
import type { FormatParser } from './format-parser.ts';

function questionMessages(question: unknown): Example['messages'] {
  if (typeof question === 'string') return [{ role: 'user', content: question }];
  if (!Array.isArray(question) || question.length === 0) throw new RecordError(`"question" is ${describe(question)}, expected a list of turns`);
  let turn: unknown = question;
  if (Array.isArray(question[0])) {
    if (question.length > 1) throw new RecordError(`"question" has ${question.length} turns: multi-turn BFCL needs an execution environment and is not supported`);
    turn = question[0];
  }
  const messages = (turn as unknown[]).map((m, i) => {
    if (!isObject(m) || (m.role !== 'user' && m.role !== 'system')) throw new RecordError(`question turn message ${i} must be {role: user|system, content}`);
    return { role: m.role, content: contentText(m.content, `question message ${i}.content`) } as Example['messages'][number];
  });
  if (!messages.some((m) => m.role === 'user')) throw new RecordError('question has no user message');
  return messages;
}

export function isIrrelevanceId(id: string): boolean {
  return /(^|_)irrelevance/.test(id);
}

/** BFCL's relevance questions (`live_relevance_…`): some call is right, none is given as the answer. */
function isRelevanceId(id: string): boolean {
  return /(^|_)relevance/.test(id);
}

/** `live_simple_3-2-0` → "live_simple", `parallel_12` → "parallel": live and non-live categories
 * stay apart, as BFCL reports (and aggregates) them. */
export function bfclCategory(id: string): string | undefined {
  const m = /^((?:live_)?(?:simple|multiple|parallel_multiple|parallel|irrelevance|relevance))/.exec(id);
  return m?.[1];
}

export const bfclParser: FormatParser = {
  format: 'bfcl',
  label: 'BFCL question file (+ possible_answer file)',
  reasoning: 'absent',
  detect(record) {
    return isObject(record) && 'question' in record && 'function' in record;
  },
  parse(record, ctx) {
    if (!isObject(record)) throw new RecordError(`record is ${describe(record)}, expected an object`);
    const id = recordId(record, ctx.fallbackId);
    // BFCL checks Java and JavaScript calls by those languages' type rules; scored by the Python
    // checker under "simple" they would count wrong answers right and right ones wrong.
    const language = /^(?:simple_)?(java|javascript)_/.exec(id)?.[1];
    if (language) throw new RecordError(`BFCL question "${id}" asks for a ${language === 'java' ? 'Java' : 'JavaScript'} call; the studio checks Python-style calls only, so it is left out`);
    // BFCL ships no possible_answer for these (any call counts right): asking for one sent the user
    // looking for a file that does not exist, and without a target call the question would train
    // the model to answer it with no call, the opposite of what it asks.
    if (isRelevanceId(id)) throw new RecordError(`BFCL question "${id}" is a relevance question: BFCL gives no answer for it (any call counts as right), so it has no target call to train on, and is left out`);
    const example: Example = {
      id,
      tools: normalizeToolList(record.function, 'function'),
      messages: questionMessages(record.question),
      target: { calls: [] },
      source: 'bfcl',
    };
    const category = bfclCategory(id);
    if (category) example.category = category;
    return example;
  },
};

/** A `possible_answer` record: the accepted values for one question id. */
export function isPossibleAnswerRecord(record: unknown): boolean {
  return isObject(record) && 'ground_truth' in record && !('question' in record);
}

export function readPossibleAnswer(record: unknown): { id: string; answer: PossibleAnswer } {
  if (!isObject(record)) throw new RecordError(`record is ${describe(record)}, expected an object`);
  if (typeof record.id !== 'string') throw new RecordError('possible_answer record has no string "id"');
  const gt = record.ground_truth;
  if (!Array.isArray(gt)) throw new RecordError(`"ground_truth" is ${describe(gt)}, expected a list`);
  gt.forEach((call, i) => {
    if (!isObject(call) || Object.keys(call).length !== 1) throw new RecordError(`ground_truth[${i}] must be {function_name: {arg: [values]}}`);
    const args = Object.values(call)[0];
    if (!isObject(args)) throw new RecordError(`ground_truth[${i}] arguments are ${describe(args)}, expected an object`);
    for (const [k, v] of Object.entries(args)) if (!Array.isArray(v)) throw new RecordError(`ground_truth[${i}].${k} is ${describe(v)}, expected a list of accepted values`);
  });
  return { id: record.id, answer: gt as PossibleAnswer };
}

/**
 * First accepted value; nested dicts in BFCL answers hold accepted-value lists of their own.
 * Argument names are set as own keys, so one named "__proto__" stays an argument (at any level).
 */
function firstAccepted(accepted: unknown[], depth = 0): { value: unknown; omit: boolean } {
  if (accepted.length === 0 || accepted[0] === '') return { value: undefined, omit: true };
  if (depth > RECORD_LIMITS.maxDepth) throw new RecordError(`possible_answer nests deeper than ${RECORD_LIMITS.maxDepth} levels`);
  const v = accepted[0];
  if (isObject(v)) {
    const obj: Record<string, unknown> = {};
    for (const [k, inner] of Object.entries(v)) {
      if (!Array.isArray(inner)) {
        setOwn(obj, k, inner);
        continue;
      }
      const picked = firstAccepted(inner, depth + 1);
      if (!picked.omit) setOwn(obj, k, picked.value);
    }
    return { value: obj, omit: false };
  }
  return { value: v, omit: false };
}

export function callsFromPossibleAnswer(answer: PossibleAnswer): Call[] {
  return answer.map((entry) => {
    const [name, args] = Object.entries(entry)[0];
    const out: Record<string, unknown> = {};
    for (const [k, accepted] of Object.entries(args)) {
      const picked = firstAccepted(accepted);
      if (!picked.omit) setOwn(out, k, picked.value);
    }
    return { name, arguments: out };
  });
}
