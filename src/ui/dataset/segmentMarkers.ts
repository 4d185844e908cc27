// Words for the token segments, said where one segment gives way to another: colour alone shows a
// sighted reader where the reasoning and the call begin; a screen reader hears "reasoning:", "call:".
export const SEGMENT_WORDS = ['prompt', 'reasoning', 'call'] as const;

/** The marker before token `i` ("call: "), or null when it continues the segment before it. */
export function segmentMarkerAt(segments: ArrayLike<number>, i: number): string | null {
  if (i > 0 && segments[i] === segments[i - 1]) return null;
  const word = SEGMENT_WORDS[segments[i]];
  return word ? `${word}: ` : null;
}

/** What the call segment holds: not only calls. An answer without reasoning renders the template's
 * empty "<think>\n\n</think>\n\n", which counts as call (data/chat-render.ts: as reasoning it would
 * be SSB's whole reasoning loss on data that has none), and a plain-text reply is all call. */
export const CALL_SEGMENT_WORDS = 'everything the answer writes after its reasoning: the calls, a plain reply where there is none, and the empty reasoning block of an answer without one';
