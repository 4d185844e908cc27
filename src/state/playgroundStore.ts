// The Playground form's draft: the query, the tools offered, the held-out example it came from, the
// adapter, the decoding settings and the backend. Kept here, not in the panel, because a panel
// unmounts when its tab is left; kept across reloads (as the job forms' drafts are) except the
// adapter choice, whose run may be gone. A stored value that is not one the form takes is dropped
// for its default, never passed on to a request. The conversation gone on from the question (the
// model's calls and what the user typed they returned) is kept across reloads with it; the answer
// on show is not (Generate answers the conversation as it stands again).
import { create } from 'zustand';
import { readPref, writePref } from './localPrefs.ts';
import { EXPORTING_REASON } from './onnxExportStore.ts';
import type { AdapterChoice } from './runStore.ts';
import { seedProblem, type Example, type FunctionSchema, type GenerateRequest, type GenerateResult, type Message } from '../worker/protocol.ts';

export type PlaygroundBackend = 'engine' | 'onnx';

export interface PlaygroundDraft {
  query: string;
  /** The tools ticked, by name; null: the dataset's first three. */
  pickedTools: string[] | null;
  /** The held-out example the query was taken from (by id), until the query is edited. */
  sampleId: string | null;
  /** null: the latest trained run; '': the base model. */
  adapterRunId: AdapterChoice;
  maxNewTokens: number;
  /** 0: greedy. */
  temperature: number;
  /** The sampler's seed when the user fixed one (to sample an answer again, or as \`studio generate
   * --seed\` did); null: a fresh seed for every answer. */
  seed: number | null;
  backend: PlaygroundBackend;
  /** The base model answers the question too, after an adapter (our engine only): what training changed. */
  besideBase: boolean;
}

export const DEFAULT_PLAYGROUND_DRAFT: PlaygroundDraft = { query: '', pickedTools: null, sampleId: null, adapterRunId: null, maxNewTokens: 96, temperature: 0, seed: null, backend: 'engine', besideBase: true };

export const PLAYGROUND_DRAFT_KEY = 'studio.playgroundDraft';

/** The stored draft, field by field: each one the form would take is kept, any other (wrong type,
 * out of range, unreadable JSON) falls back to its default; the adapter choice is never restored. */
export function parsePlaygroundDraft(text: string | null): PlaygroundDraft {
  let saved: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(text ?? 'null');
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return DEFAULT_PLAYGROUND_DRAFT;
    saved = parsed as Record<string, unknown>;
  } catch {
    return DEFAULT_PLAYGROUND_DRAFT;
  }
  const d = DEFAULT_PLAYGROUND_DRAFT;
  const { query, pickedTools, sampleId, maxNewTokens, temperature, seed, backend, besideBase } = saved;
  return {
    query: typeof query === 'string' ? query : d.query,
    pickedTools: Array.isArray(pickedTools) && pickedTools.every((n) => typeof n === 'string') ? pickedTools : d.pickedTools,
    sampleId: typeof sampleId === 'string' ? sampleId : d.sampleId,
    adapterRunId: d.adapterRunId,
    // The NumberFields' own rules: max new tokens a whole number ≥ 1, temperature a number ≥ 0.
    maxNewTokens: typeof maxNewTokens === 'number' && Number.isSafeInteger(maxNewTokens) && maxNewTokens >= 1 ? maxNewTokens : d.maxNewTokens,
    temperature: typeof temperature === 'number' && Number.isFinite(temperature) && temperature >= 0 ? temperature : d.temperature,
    seed: typeof seed === 'number' && seedProblem(seed) === null ? seed : d.seed,
    backend: backend === 'engine' || backend === 'onnx' ? backend : d.backend,
    besideBase: typeof besideBase === 'boolean' ? besideBase : d.besideBase,
  };
}

interface PlaygroundState {
  draft: PlaygroundDraft;
  setPlaygroundDraft(patch: Partial<PlaygroundDraft>): void;
  /** The turns after the question the user went on with: each answer's calls, then what the user
   * typed each call returned. The next answer is the model's reply to them. Dropped with a new
   * question (its query, example or tools), and by Start over. */
  followUp: Message[];
  /** The conversation being answered now, while the answer to the results typed is generated; it
   * becomes `followUp` once that answer comes (a failed or cancelled one leaves both as they were). */
  pending: Message[] | null;
  /** What the user is typing that each call of the answer on show returned, by call. */
  results: string[];
  setResult(call: number, text: string): void;
  /** The answer on show and the results typed for its calls after the conversation so far: what to
   * ask next (held as `pending` until `settle`). */
  goOn(answer: Pick<GenerateResult, 'reasoning' | 'calls' | 'wholeFloats'>): Message[];
  /** The asking `goOn` started has ended: `answered`, with a new answer on show. */
  settle(answered: boolean): void;
  startOver(): void;
}

/** Draft fields that make another question: the conversation went on from the old one. */
const QUESTION_FIELDS: Array<keyof PlaygroundDraft> = ['query', 'sampleId', 'pickedTools'];

export const PLAYGROUND_CONVERSATION_KEY = 'studio.playgroundConversation';

const questionOf = (d: PlaygroundDraft) => JSON.stringify(QUESTION_FIELDS.map((k) => d[k]));

/** Whether a stored turn is one the conversation could hold (what the user typed is text; the
 * model's calls named functions with arguments). */
function isTurn(m: unknown): m is Message {
  if (typeof m !== 'object' || m === null || Array.isArray(m)) return false;
  const t = m as Record<string, unknown>;
  const calls = t.calls;
  return (
    ['system', 'user', 'assistant', 'tool'].includes(t.role as string) &&
    typeof t.content === 'string' &&
    (t.name === undefined || typeof t.name === 'string') &&
    (t.reasoning === undefined || typeof t.reasoning === 'string') &&
    (calls === undefined || (Array.isArray(calls) && calls.every((c) => typeof c === 'object' && c !== null && typeof c.name === 'string' && typeof c.arguments === 'object' && c.arguments !== null && !Array.isArray(c.arguments)))) &&
    (t.wholeFloats === undefined || (Array.isArray(t.wholeFloats) && t.wholeFloats.every((p) => Array.isArray(p) && p.every((k) => typeof k === 'string' || typeof k === 'number'))))
  );
}

/** The conversation kept for the question the draft holds (a reload keeps what the user typed the
 * calls returned); none when it was kept for another question, or cannot be read as turns. */
export function parsePlaygroundConversation(text: string | null, draft: PlaygroundDraft): Message[] {
  try {
    const saved: unknown = JSON.parse(text ?? 'null');
    if (typeof saved !== 'object' || saved === null) return [];
    const { question, turns } = saved as { question?: unknown; turns?: unknown };
    return question === questionOf(draft) && Array.isArray(turns) && turns.every(isTurn) ? turns : [];
  } catch {
    return [];
  }
}

/** Keeps the conversation with the question it went on from (none kept: nothing to go on with). */
function keepConversation(draft: PlaygroundDraft, turns: Message[]): void {
  writePref(PLAYGROUND_CONVERSATION_KEY, turns.length ? JSON.stringify({ question: questionOf(draft), turns }) : null);
}

const initialDraft = parsePlaygroundDraft(readPref(PLAYGROUND_DRAFT_KEY));

export const usePlayground = create<PlaygroundState>((set, get) => ({
  draft: initialDraft,
  setPlaygroundDraft(patch) {
    const before = get().draft;
    const draft = { ...before, ...patch };
    const newQuestion = QUESTION_FIELDS.some((k) => JSON.stringify(draft[k]) !== JSON.stringify(before[k]));
    set({ draft, ...(newQuestion && { followUp: [], pending: null, results: [] }) });
    writePref(PLAYGROUND_DRAFT_KEY, JSON.stringify(get().draft));
    if (newQuestion) keepConversation(draft, []);
  },
  followUp: parsePlaygroundConversation(readPref(PLAYGROUND_CONVERSATION_KEY), initialDraft),
  pending: null,
  results: [],
  setResult(call, text) {
    const results = [...get().results];
    results[call] = text;
    set({ results });
  },
  goOn(answer) {
    const pending = [...get().followUp, ...answerTurns(answer, get().results)];
    set({ pending });
    return pending;
  },
  settle(answered) {
    const { pending } = get();
    if (pending === null) return;
    set(answered ? { followUp: pending, pending: null, results: [] } : { pending: null });
    if (answered) keepConversation(get().draft, pending);
  },
  startOver() {
    set({ followUp: [], pending: null, results: [] });
    keepConversation(get().draft, []);
  },
}));

/** An answer's calls as the conversation's assistant turn (its reasoning kept: the template decides
 * what a later prompt shows of it; its whole floats kept), then one tool turn per call with what the user typed it returned. */
export function answerTurns(answer: Pick<GenerateResult, 'reasoning' | 'calls' | 'wholeFloats'>, results: string[]): Message[] {
  const turn: Message = { role: 'assistant', content: '', calls: answer.calls };
  // A 5.0 the model wrote goes back into the conversation as 5.0, not 5.
  if (answer.wholeFloats?.length) turn.wholeFloats = answer.wholeFloats;
  if (answer.reasoning) turn.reasoning = answer.reasoning;
  return [turn, ...answer.calls.map((c, i): Message => ({ role: 'tool', name: c.name, content: results[i] ?? '' }))];
}

/** Which job holds the GPU, and where its Cancel is. */
const JOB_HOLDING_GPU: Record<'evaluate' | 'hdr' | 'ablation', string> = {
  evaluate: 'An evaluation is using the GPU: wait for it, or cancel it in the Evaluation & HDR panel.',
  hdr: 'An HDR run is using the GPU: wait for it, or cancel it in the Evaluation & HDR panel.',
  ablation: 'An ablation is using the GPU: wait for it, or cancel it in the Ablation panel.',
};

/** Why Generate is held, or null when it can run: the first thing the user has to do. `job`: the
 * job running now (the playground's own answer has its Cancel beside Generate: no reason to say). */
export function playgroundBlocker(s: {
  /** Why the answer cannot have its model (useJobModelMissing), or null: it has one, or loads the run's. */
  modelMissing: string | null;
  training: boolean;
  /** Why not while another tab of the studio trains (useTrainingElsewhere), or null. */
  trainingElsewhere?: string | null;
  fieldProblem: string | null;
  exporting: boolean;
  job?: 'evaluate' | 'hdr' | 'ablation' | 'generate' | null;
  query?: string;
  readingExample?: boolean;
  /** Why the held-out example on show cannot be asked as itself (its read failed, or it is gone). */
  exampleProblem?: string | null;
}): string | null {
  if (s.modelMissing) return s.modelMissing;
  if (s.training) return 'A training run is using the GPU; pause it to try the model here.';
  if (s.trainingElsewhere) return s.trainingElsewhere;
  if (s.exporting) return EXPORTING_REASON;
  if (s.job && s.job !== 'generate') return JOB_HOLDING_GPU[s.job];
  if (s.fieldProblem) return `Fix ${s.fieldProblem} first.`;
  if (s.query !== undefined && !s.query.trim()) return 'Type a question first.';
  if (s.readingExample) return 'Reading the held-out example…';
  // Asked anyway, it would go as a typed question (no system turn, no check) without a word.
  if (s.exampleProblem) return `${s.exampleProblem} Take another held-out example, or edit the question to ask it as typed.`;
  return null;
}

/** Whether the held-out question on show is asked as it stands: the draft keeps the sample only
 * while its query is unedited, and exactly its own tools are ticked. It is then sent as its example
 * (its system turn, its own schemas in its order), so the answer is the one the evaluation scores. */
export function askedAsHeldOut(sampleToolNames: string[], chosen: string[]): boolean {
  return sampleToolNames.length === chosen.length && sampleToolNames.every((n) => chosen.includes(n));
}

/** What the playground asks: a query typed (or edited) with tools picked from the dataset, or a
 * held-out example as it stands. */
export interface PlaygroundQuestion {
  tools: FunctionSchema[];
  query: string;
  callSyntax?: GenerateRequest['callSyntax'];
  heldOut?: Example;
  /** The conversation after the question (usePlayground's followUp): the answer is its next turn. */
  followUp?: Message[];
}

/** The request's question: a held-out example with its own turns (its system turn too), its own
 * tools in its order and its call syntax, so it renders as the evaluation renders it; a typed query
 * as one user turn with the tools picked. */
export function playgroundMessages(q: PlaygroundQuestion): Pick<GenerateRequest, 'tools' | 'messages' | 'callSyntax'> {
  const followUp = q.followUp ?? [];
  if (q.heldOut) return { tools: q.heldOut.tools, messages: [...q.heldOut.messages, ...followUp], ...(q.heldOut.target.callSyntax && { callSyntax: q.heldOut.target.callSyntax }) };
  return { tools: q.tools, messages: [{ role: 'user', content: q.query }, ...followUp], ...(q.callSyntax && { callSyntax: q.callSyntax }) };
}

/** A fresh sampling seed for one playground request (31 bits: short enough to read and note down). */
export function newSampleSeed(): number {
  return globalThis.crypto.getRandomValues(new Uint32Array(1))[0] >>> 1;
}
