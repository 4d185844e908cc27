// Plain-text views of an example for the table and the search box. Text only, never HTML.
import type { Call, Example } from '../../state/queries.ts';

export function lastUserMessage(e: Example): string {
  for (let i = e.messages.length - 1; i >= 0; i--) if (e.messages[i].role === 'user') return e.messages[i].content;
  return '';
}

export function callText(c: Call): string {
  const args = Object.entries(c.arguments)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ');
  return `${c.name}(${args})`;
}

/** Everything a search should match: id, query, tools, calls, reasoning. Lower-cased. */
export function searchableText(e: Example): string {
  return [e.id, ...e.messages.map((m) => m.content), ...e.tools.map((t) => t.name), ...e.target.calls.map(callText), e.target.reasoning ?? '', e.target.content ?? '', e.category ?? ''].join('\n').toLowerCase();
}

/** Generated text as shown: text that is only whitespace says so, instead of looking empty. */
export function visibleOutput(text: string): string {
  if (text === '') return '(empty)';
  if (text.trim() === '') return `(only whitespace: ${text.length} characters, ${(text.match(/\n/g) ?? []).length} line breaks)`;
  return text;
}
