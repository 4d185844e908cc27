// A conversation that calls tools in several assistant turns (look something up, then act on the
// result) is one example by default: its last calling turn is the target and the earlier calling
// turns are prompt, seen but never trained (a note on the example says how many). Asked to learn
// every calling turn, the importer makes each earlier one an example of its own: the conversation
// up to that turn as the prompt, that turn's reasoning and calls as the target. Each is rendered by
// the chat template exactly as the model sees it when it answers there, so a reasoning model keeps
// the reasoning of every turn it learns (a template that drops earlier turns' <think> would lose it
// were the turns trained inside one sequence), and each is evaluated, mined and re-answered by HDR
// like any example.
// The turns of one conversation are one question for the split (split.ts): they share a side, or a
// held-out turn would be answered from its own conversation's training turns.
// Never reads files or tokenizes; ids are the only link between the examples of a conversation.
import type { Example, Target } from './example.ts';

/** The choice as the note names it, in the import form's words (the CLI says its flag instead). */
export const LEARN_EVERY_CALL_TURN = 'import with every calling turn learned';

/** The note an example carries while its earlier calling turns stay prompt (a parse note: fails nothing). */
export const EARLIER_CALLS_RULE = 'earlier_calls_in_prompt';

/** `<conversation id>#call<n>`: the n-th calling turn (from 1) of a conversation, other than its last,
 * which keeps the conversation's own id (the example it was before, and is without the choice). */
export function callTurnId(conversationId: string, n: number): string {
  return `${conversationId}#call${n}`;
}

/** The conversation an example's turn belongs to: its id without the `#call<n>` callTurnId added. */
export function conversationOf(id: string): string {
  return id.replace(/#call\d+$/, '');
}

/** Whether a prompt holds an earlier call or a tool's result: its answer is a later step of a task
 * (evaluation and the dataset summary count such examples apart). */
export function followsCalls(messages: Example['messages']): boolean {
  return messages.some((m) => m.role === 'tool' || (m.role === 'assistant' && !!m.calls?.length));
}

/** The earlier assistant turns of an example that call a tool, in order, each with whether it has a
 * question to answer (a user turn before it): a greeting that calls a tool has none and stays prompt. */
function earlierCallingTurns(example: Example): Array<{ at: number; learnable: boolean }> {
  const turns: Array<{ at: number; learnable: boolean }> = [];
  let asked = false;
  example.messages.forEach((m, at) => {
    if (m.role === 'user') asked = true;
    if (m.role === 'assistant' && m.calls?.length) turns.push({ at, learnable: asked });
  });
  return turns;
}

/** The note for an example whose earlier calling turns are prompt only, or undefined when it has none. */
function earlierCallsNote(count: number): { rule: typeof EARLIER_CALLS_RULE; detail: string } | undefined {
  if (count === 0) return undefined;
  const turns = count === 1 ? '1 earlier turn that calls a tool is' : `${count} earlier turns that call a tool are`;
  return { rule: EARLIER_CALLS_RULE, detail: `${turns} in the prompt, not trained: to learn ${count === 1 ? 'it' : 'each'} as an example of its own, ${LEARN_EVERY_CALL_TURN}` };
}

/**
 * The examples a parsed conversation gives: with `everyCallTurn`, one per calling turn, the earlier
 * turns first (`<id>#call1`, …) and the example itself last; without, the example alone, with a note
 * saying how many earlier calling turns are prompt only. An HDR sample is one re-answered turn of a
 * conversation whose own record gives the others: it is itself alone.
 * An earlier turn with no user turn before it (a greeting that calls a tool) has no question to
 * answer and stays prompt, with or without the choice, so the note does not count it. Nor does it
 * count a turn the dataset already gave as a record of its own (`taken` has its id: a dataset the
 * studio pushed after learning every turn lists each before its conversation).
 * The turns take the example's call syntax: a dataset writes calls one way.
 */
export function conversationExamples(example: Example, everyCallTurn: boolean, taken: (id: string) => boolean = () => false): Example[] {
  if (example.source === 'hdr') return [example];
  const calling = earlierCallingTurns(example);
  // A turn given as a record of its own (`c#call2`) numbers its earlier turns as its conversation does.
  const conversation = conversationOf(example.id);
  if (!everyCallTurn) {
    const note = earlierCallsNote(calling.filter((t, k) => t.learnable && !taken(callTurnId(conversation, k + 1))).length);
    return [note ? { ...example, parseIssues: [...(example.parseIssues ?? []), note] } : example];
  }
  const out: Example[] = [];
  calling.forEach(({ at, learnable }, k) => {
    if (!learnable) return;
    const turn = example.messages[at];
    const target: Target = { calls: turn.calls! };
    if (turn.wholeFloats?.length) target.wholeFloats = turn.wholeFloats;
    if (turn.reasoning !== undefined) target.reasoning = turn.reasoning;
    if (turn.content.trim() !== '') target.content = turn.content;
    if (example.target.callSyntax === 'python') target.callSyntax = 'python';
    const earlier: Example = { id: callTurnId(conversation, k + 1), tools: example.tools, messages: example.messages.slice(0, at), target };
    if (example.source !== undefined) earlier.source = example.source;
    out.push(earlier);
  });
  out.push(example);
  return out;
}
