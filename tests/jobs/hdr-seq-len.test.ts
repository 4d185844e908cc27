// The sequence length HDR retrains at, with the real Qwen3 tokenizer and chat template: it must
// hold the samples HDR can accept (a mined prompt plus an answer of up to maxNewTokens). At the
// run's length (or the studio's 320 from the base model) accepted samples longer than the data
// were skipped as too long, after all the sampling, while their cases left the pool as solved.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Example } from '../../src/data/example.ts';
import { renderPrompt } from '../../src/data/render-prompt.ts';
import { DEFAULT_HDR_SETTINGS } from '../../src/hdr/settings.ts';
import { fitSamples } from '../../src/jobs/hdr.ts';
import { memoryModelFiles } from '../../src/model/model-files.ts';
import { generateTinyModel } from '../../src/model/tiny-model.ts';
import { DEFAULT_RUN_CONFIG } from '../../src/train/config.ts';
import { tokenizeForTraining, tokenizerFromModel } from '../../src/train/prepareData.ts';
import { NARROW, TOKENIZER_DIR } from '../helpers/tinyEngine.ts';

const tools = [{ name: 'lookup', description: 'Look a word up in the dictionary', parameters: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] } }];
const question: Example = { id: 'q', tools, messages: [{ role: 'user', content: 'What does "quixotic" mean?' }], target: { reasoning: 'lookup finds it.', calls: [{ name: 'lookup', arguments: { q: 'quixotic' } }] }, source: 'openai' };

describe('the sequence length HDR retrains at', () => {
  it('holds a sample with an answer of up to --max-tokens, where the run\'s length skipped it', async () => {
    const files = new Map(generateTinyModel(NARROW).files);
    for (const name of ['tokenizer.json', 'tokenizer_config.json']) files.set(name, new Uint8Array(readFileSync(`${TOKENIZER_DIR}/${name}`)));
    const tokenizer = await tokenizerFromModel(memoryModelFiles(files, 'tiny'));
    const settings = { ...DEFAULT_HDR_SETTINGS, maxNewTokens: 96 };
    const prompt = renderPrompt(tokenizer, question).ids.length;
    // A length that fits the question's own example, as one chosen from the data does.
    const runLen = Math.ceil((tokenizeForTraining(tokenizer, question, 4096).inputIds.length + 1) / 64) * 64;
    const reasoning = `The user asks what a word means; lookup takes the word. ${'Its entry gives the meaning, the origin and usage. '.repeat(4)}So lookup with q set to quixotic.`;
    const sample: Example = { ...question, id: 'q#hdr1.0', source: 'hdr', hdrRound: 1, target: { ...question.target, reasoning } };
    const answer = tokenizeForTraining(tokenizer, sample, 4096).inputIds.length - prompt;
    expect(answer, 'the model could have written this answer within --max-tokens').toBeLessThanOrEqual(settings.maxNewTokens);
    expect(() => tokenizeForTraining(tokenizer, sample, runLen)).toThrow(/over the \d+-token limit/);

    const fitted = fitSamples({ ...DEFAULT_RUN_CONFIG, seqLen: runLen }, settings, tokenizer, [question], 40_960);
    expect(fitted.seqLen % 64).toBe(0);
    expect(tokenizeForTraining(tokenizer, sample, fitted.seqLen).inputIds.length).toBe(prompt + answer);
    // Never shorter than the run's, nor past the model's context.
    expect(fitSamples({ ...DEFAULT_RUN_CONFIG, seqLen: 4096 }, settings, tokenizer, [question], 40_960).seqLen).toBe(4096);
    // A context that holds the prompt and its answer, but not the rounded-up length.
    const tight = prompt + settings.maxNewTokens + 4;
    expect(tight).toBeGreaterThan(runLen);
    expect(fitSamples({ ...DEFAULT_RUN_CONFIG, seqLen: runLen }, settings, tokenizer, [question], tight).seqLen).toBe(tight);
  });

  it('is not raised by a prompt mining leaves out as too long for the context', async () => {
    // mineHardCases asks no example whose prompt and --max-tokens pass the context, so no sample of
    // it can be accepted: fitting it took HDR's retraining to the whole context (a batch of 4,096-token
    // rows here) for samples of a few hundred tokens.
    const files = new Map(generateTinyModel(NARROW).files);
    for (const name of ['tokenizer.json', 'tokenizer_config.json']) files.set(name, new Uint8Array(readFileSync(`${TOKENIZER_DIR}/${name}`)));
    const tokenizer = await tokenizerFromModel(memoryModelFiles(files, 'tiny'));
    const settings = { ...DEFAULT_HDR_SETTINGS, maxNewTokens: 96 };
    const context = 4096;
    const huge: Example = { ...question, id: 'huge', messages: [{ role: 'user', content: 'What does this mean? '.repeat(900) }] };
    expect(renderPrompt(tokenizer, huge).ids.length + settings.maxNewTokens).toBeGreaterThan(context);
    const alone = fitSamples({ ...DEFAULT_RUN_CONFIG, seqLen: 256 }, settings, tokenizer, [question], context).seqLen;
    expect(alone).toBeLessThan(context);
    expect(fitSamples({ ...DEFAULT_RUN_CONFIG, seqLen: 256 }, settings, tokenizer, [question, huge], context).seqLen).toBe(alone);
  });
});
