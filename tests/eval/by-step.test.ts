// An evaluation counts the answers given after earlier calls of their conversation (a later step of
// a task: the prompt holds a call and the tool's result) apart from those that start one, so a
// model that learned every calling turn shows whether it carries a task on as well as it starts it.
// The examples are a conversation's turns as the importer makes them (data/call-turns.ts).
import { describe, expect, it } from 'vitest';
import type { Example } from '../../src/data/example.ts';
import { importDatasetFiles } from '../../src/data/import-dataset.ts';
import { evaluateExamples, formatEvalSummary, summarizePredictions, type GenerateFn } from '../../src/eval/index.ts';

const call = (id: string, name: string, order: number) => ({ id, type: 'function', function: { name, arguments: JSON.stringify({ order }) } });
const tools = ['find_order', 'refund'].map((name) => ({ type: 'function', function: { name, description: name, parameters: { type: 'object', properties: { order: { type: 'integer' } }, required: ['order'] } } }));
const conversation = (i: number) => ({
  id: `order-${i}`,
  tools,
  messages: [
    { role: 'user', content: `Refund order ${i}.` },
    { role: 'assistant', content: '', tool_calls: [call('a', 'find_order', i)] },
    { role: 'tool', tool_call_id: 'a', content: '{"found": true}' },
    { role: 'assistant', content: '', tool_calls: [call('b', 'refund', i)] },
  ],
});

/** Answers every first step right, and the later step right only for the even orders. */
function scripted(examples: Example[]) {
  const answer = (e: Example, i: number) => {
    const [c] = e.target.calls;
    const later = e.messages.some((m) => m.role === 'tool');
    const order = later && i % 2 === 1 ? -1 : (c.arguments.order as number);
    return `<tool_call>\n{"name": "${c.name}", "arguments": {"order": ${order}}}\n</tool_call>`;
  };
  const generate: GenerateFn = async (prompts, settings) =>
    prompts.map(([k], j) => {
      const out = { tokens: Array.from(answer(examples[k], Number(examples[k].id.split('-')[1].split('#')[0])), (ch) => ch.charCodeAt(0)), finishReason: 'eos' as const };
      settings.onFinish?.(j, out);
      return out;
    });
  return { generate, encodePrompt: (e: Example) => [examples.findIndex((x) => x.id === e.id)], decode: (ids: number[]) => String.fromCharCode(...ids) };
}

describe('an evaluation by step', () => {
  it('tallies the later steps of conversations apart from the first steps, and says so', async () => {
    const lines = Array.from({ length: 4 }, (_, i) => JSON.stringify(conversation(i))).join('\n');
    const { examples } = await importDatasetFiles([{ name: 'orders.jsonl', blob: new Blob([lines]) }], { everyCallTurn: true });
    expect(examples).toHaveLength(8);
    const report = await evaluateExamples(examples, scripted(examples), { maxNewTokens: 64, batchSize: 4 });
    expect(report.predictions.map((p) => [p.exampleId, p.afterCalls ?? false, p.valid])).toEqual([
      ['order-0#call1', false, true], ['order-0', true, true],
      ['order-1#call1', false, true], ['order-1', true, false],
      ['order-2#call1', false, true], ['order-2', true, true],
      ['order-3#call1', false, true], ['order-3', true, false],
    ]);
    expect(report.byStep).toEqual({ first: { total: 4, correct: 4, accuracy: 1 }, afterCalls: { total: 4, correct: 2, accuracy: 0.5 } });
    expect(formatEvalSummary(report)).toContain('by step: later steps (answers after earlier calls in their conversation) 50.0% (2/4); first steps 100.0% (4/4)');
    // Without later steps, a summary has no such part (summaries stored before it read the same).
    const first = summarizePredictions(report.predictions.filter((p) => !p.afterCalls));
    expect('byStep' in first).toBe(false);
    expect(formatEvalSummary(first)).not.toContain('by step');
  });
});

// A held-out question also asked in training (the same conversation and tools) is answered by a model
// trained on its answer: its verdict is counted apart, so the accuracy on the others shows the task.
describe('an evaluation of questions also asked in training', () => {
  it('marks the answers to questions the training examples ask, tallies them apart, and says so', async () => {
    const lines = Array.from({ length: 4 }, (_, i) => JSON.stringify(conversation(i))).join('\n');
    const { examples } = await importDatasetFiles([{ name: 'orders.jsonl', blob: new Blob([lines]) }], { everyCallTurn: true });
    const { promptKey } = await import('../../src/data/prompt-key.ts');
    // Training asks the later steps of orders 1 and 2 (another id, another answer: the same question).
    const trained = examples.filter((e) => e.id === 'order-1' || e.id === 'order-2').map((e) => ({ ...e, id: `copy-${e.id}`, target: { calls: [] } }));
    const report = await evaluateExamples(examples, scripted(examples), { maxNewTokens: 64, batchSize: 4, trainedAsks: new Set(trained.map(promptKey)) });
    expect(report.predictions.filter((p) => p.askedInTraining).map((p) => p.exampleId)).toEqual(['order-1', 'order-2']);
    expect(report.asked).toEqual({ inTraining: { total: 2, correct: 1, accuracy: 0.5 }, notInTraining: { total: 6, correct: 5, accuracy: 5 / 6 } });
    expect(formatEvalSummary(report)).toContain('questions also asked in training (the same conversation and tools, whose answer the model trained on) 50.0% (1/2); questions not asked in training 83.3% (5/6)');
    const { predictionLine } = await import('../../src/eval/predictionLine.ts');
    expect(JSON.parse(predictionLine(report.predictions.find((p) => p.exampleId === 'order-1')!))).toMatchObject({ asked_in_training: true });
    expect(JSON.parse(predictionLine(report.predictions[0]))).not.toHaveProperty('asked_in_training');
    // None asked in training: no such part.
    const none = await evaluateExamples(examples, scripted(examples), { maxNewTokens: 64, batchSize: 4, trainedAsks: new Set() });
    expect('asked' in none).toBe(false);
    expect(formatEvalSummary(none)).not.toContain('asked in training');
    // All asked in training: said as such, not as "questions not asked in training none asked".
    const { askedText } = await import('../../src/eval/summaryNotes.ts');
    expect(askedText({ inTraining: { total: 3, correct: 0, accuracy: 0 }, notInTraining: { total: 0, correct: 0, accuracy: 0 } })).toBe(
      'questions also asked in training (the same conversation and tools, whose answer the model trained on) 0.0% (0/3): every question evaluated is one a training example asks, so none measures the task apart from what the model remembers',
    );
  });
});

