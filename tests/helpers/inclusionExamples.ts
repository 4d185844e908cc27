// A small FunReason dataset for choosing many examples at once: one example passes, two are
// flagged by one rule only (reasoning missing, which FunReason records promise), one by two rules.
import type { Example } from '../../src/data/example.ts';

const f = { name: 'f', parameters: { type: 'object', properties: { x: { type: 'string' } }, required: ['x'] } };
const ex = (id: string, args: Record<string, unknown>, reasoning?: string): Example => ({ id, source: 'funreason', tools: [f], messages: [{ role: 'user', content: `question ${id}` }], target: { ...(reasoning ? { reasoning } : {}), calls: [{ name: 'f', arguments: args }] } });

/** good: passes; quiet1, quiet2: reasoning missing only; both: reasoning and an argument missing. */
export const inclusionExamples = (): Example[] => [ex('good', { x: 'a' }, 'use f'), ex('quiet1', { x: 'b' }), ex('both', {}), ex('quiet2', { x: 'c' })];
