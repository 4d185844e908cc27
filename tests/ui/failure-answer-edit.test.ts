// A failed evaluation answer whose expected answer is wrong: the failure offers the answer's editor
// under "Expected", and once the answer was edited after the evaluation, says the verdict was judged
// against the answer it had then. Rendered with react-dom/server; the example row is given.
import { createElement } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { renderNow } from '../helpers/render.ts';
import type { ExampleRow } from '../../src/state/queries.ts';

const shown = vi.hoisted(() => ({ row: null as unknown }));
vi.mock('react/jsx-dev-runtime', async (original) => (await import('../helpers/press.ts')).recordingJsxRuntime(original));
vi.mock('../../src/state/engine.ts', () => ({ engineClient: () => ({ request: async () => undefined, onEvent: () => () => undefined }) }));
vi.mock('../../src/state/datasetViews.ts', async (importOriginal) => ({ ...(await importOriginal<object>()), useExampleRow: () => ({ value: shown.row, error: null }) }));
const { FailureItem } = await import('../../src/ui/eval/EvalResults.tsx');
const { useAnswerEdit } = await import('../../src/state/answerEditStore.ts');
const { press } = await import('../helpers/press.ts');

const example = { id: 'q1', tools: [{ name: 'book', parameters: { type: 'object', properties: { seats: { type: 'integer' } } } }], messages: [{ role: 'user', content: 'Book 2 seats' }], target: { calls: [{ name: 'book', arguments: { seats: 3 } }] } };
const row = { datasetId: 'd', id: 'q1', ord: 0, split: 'eval', included: 1, example, quality: { passed: true, failures: [] } } as unknown as ExampleRow;
const prediction = { exampleId: 'q1', output: '[book(seats=2)]', valid: false, finishReason: 'eos', generatedTokens: 6, errors: [{ rule: 'value_error:others', where: 'calls[0].seats', message: 'Invalid value for parameter seats: 2. Expected one of [3].' }] };
const text = (html: string) => html.replace(/<!-- -->/g, '').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

describe('a failed answer whose expected answer may be wrong', () => {
  it('offers the expected answer’s editor, and says when it was edited after the evaluation', () => {
    shown.row = row;
    const html = renderNow(createElement(FailureItem, { datasetId: 'd', prediction: prediction as never, judgedAt: 100 }));
    expect(html).toContain('data-testid="edit-answer"');
    expect(html).not.toContain('expected-edited-since');
    shown.row = { ...row, example: { ...example, target: { calls: [{ name: 'book', arguments: { seats: 2 } }] } }, original: example, editedAt: 200 };
    const after = text(renderNow(createElement(FailureItem, { datasetId: 'd', prediction: prediction as never, judgedAt: 100 })));
    expect(after).toContain('You changed this expected answer after this evaluation (an edit, or the imported one put back): its verdict was judged against the answer it had then. Evaluate again to judge against this one.');
    expect(after).toContain('book(seats=2)');
    expect(html).not.toContain('expected-text');
    // Words the expected answer gives are shown with its calls.
    shown.row = { ...row, example: { ...example, target: { ...example.target, content: 'Booking 3.' } } };
    expect(renderNow(createElement(FailureItem, { datasetId: 'd', prediction: prediction as never }))).toContain('data-testid="expected-text">Booking 3.</pre>');
    expect(after).toContain('The dataset’s own: book(seats=3).');
    // An evaluation made after the edit judged the edited answer: nothing to say.
    expect(renderNow(createElement(FailureItem, { datasetId: 'd', prediction: prediction as never, judgedAt: 300 }))).not.toContain('expected-edited-since');
  });

  // The model was right and the label wrong: one click opens the editor holding the model's answer.
  it('offers the model’s answer as the expected one, opening the editor on it to check', () => {
    shown.row = row;
    const answered = { ...prediction, output: '<think>Two seats.</think>\n[book(seats=2.0)]', calls: [{ name: 'book', arguments: { seats: 2 } }], reasoning: 'Two seats.' };
    renderNow(createElement(FailureItem, { datasetId: 'd', prediction: answered as never, judgedAt: 100 }));
    press('Use the model’s answer as the expected one');
    expect(useAnswerEdit.getState().edit).toMatchObject({ datasetId: 'd', exampleId: 'q1', draft: { reasoning: 'Two seats.', calls: '[\n  {"name": "book", "arguments": {"seats": 2.0}}\n]', content: '' }, shown: { reasoning: '', calls: '[\n  {"name": "book", "arguments": {"seats": 3}}\n]', content: '' } });
    const html = renderNow(createElement(FailureItem, { datasetId: 'd', prediction: answered as never, judgedAt: 100 }));
    expect(html).toContain('data-testid="answer-form"');
    expect(html).not.toContain('BFCL’s possible answers');
    // An example that lists the answers it accepts says the edit replaces them.
    shown.row = { ...row, example: { ...example, possibleAnswer: [{ book: { seats: [3, 4] } }] } };
    expect(renderNow(createElement(FailureItem, { datasetId: 'd', prediction: answered as never, judgedAt: 100 }))).toContain('(BFCL’s possible answers): changed calls replace them with yours alone.');
    shown.row = row;
    useAnswerEdit.setState({ edit: null });
    // An answer whose calls did not read has none to offer.
    expect(renderNow(createElement(FailureItem, { datasetId: 'd', prediction: prediction as never, judgedAt: 100 }))).not.toContain('use-model-answer');
    // Nor one that reads as no call at all (a stray sentence): it would turn a call example into one answering nothing.
    const noCall = { ...prediction, output: 'This does not current weather, so list_events', calls: [] };
    expect(renderNow(createElement(FailureItem, { datasetId: 'd', prediction: noCall as never, judgedAt: 100 }))).not.toContain('use-model-answer');
  });
});
