// `studio generate`'s speed line, and the playground's, for short answers. A one-token answer the
// model ended read "then 0.0 tokens/s" in the terminal (its end-of-answer step was not counted),
// while the playground gave a rate with the prompt's time in it; an answer with no step after its
// first token has no decoding rate to give, and says so rather than "0.0 tokens/s".
import { describe, expect, it } from 'vitest';
import { generationSummary } from '../../src/cli/commands/generate.ts';
import { generationSpeed } from '../../src/ui/playground/PlaygroundAnswer.tsx';

describe('the decoding rate of a short answer', () => {
  it('counts the end-of-answer step of a one-token answer, in the terminal and the playground alike', () => {
    const line = generationSummary({ tokens: 1, finishReason: 'eos', promptTokens: 20, millis: 600, firstTokenMillis: 500 });
    expect(line).toBe('1 token (eos) from a 20-token prompt in 0.60 s; first token 0.50 s, then 10.0 tokens/s');
    expect(generationSpeed({ tokens: 1, finishReason: 'eos', millis: 600, firstTokenMillis: 500 })).toBe('first token after 0.5 s, then 10 tokens/s');
  });

  it('gives no rate for an answer with no step after its first token', () => {
    expect(generationSummary({ tokens: 1, finishReason: 'length', promptTokens: 20, millis: 500, firstTokenMillis: 500 })).toBe('1 token (length) from a 20-token prompt in 0.50 s; first token 0.50 s');
    expect(generationSummary({ tokens: 12, finishReason: 'length', promptTokens: 20, millis: 1600, firstTokenMillis: 500 })).toBe('12 tokens (length) from a 20-token prompt in 1.60 s; first token 0.50 s, then 10.0 tokens/s');
  });
});
