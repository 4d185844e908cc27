// Plain-text views of an example for the table, the detail and the playground. Text only, never HTML.
// The example's text helpers are the worker's (its search matches what the table shows), shared
// through the protocol module.
export { callText, lastUserMessage, searchableText, targetCallTexts } from '../../worker/protocol.ts';

/** Generated text as shown: text that is only whitespace says so, instead of looking empty. */
export function visibleOutput(text: string): string {
  if (text === '') return '(empty)';
  if (text.trim() === '') return `(only whitespace: ${text.length} characters, ${(text.match(/\n/g) ?? []).length} line breaks)`;
  return text;
}
