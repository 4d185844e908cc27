// The studio's own example lines (hdr-examples.jsonl from `studio hdr`, a snapshot's dataset.jsonl)
// read back as training data: detected, kept exactly with their source and HDR round, checked as HDR
// samples are (reasoning required), on the training side whatever the split, and a broken line
// named by its field. Before, such a file was taken for OpenAI's format and every line refused.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Example } from '../../src/data/example.ts';
import { importDatasetFiles } from '../../src/data/import-dataset.ts';
import { candidateExample } from '../../src/hdr/gate.ts';
import { parseGeneratedCalls } from '../../src/eval/parse-generated-calls.ts';
import { fileExamples } from '../../src/jobs/data.ts';
import { encodeDatasetJsonl } from '../../src/snapshot/dataset-jsonl.ts';
import { hardCaseRootId, splitOf } from '../../src/data/split.ts';

const demoText = readFileSync('public/demo/demo-dataset.jsonl', 'utf8').split('\n').slice(0, 12).join('\n');
const file = (name: string, text: string) => ({ name, blob: new Blob([text]) });

async function hdrSamples(): Promise<Example[]> {
  const demo = (await importDatasetFiles([file('demo.jsonl', demoText)])).examples;
  return demo.filter((e) => e.target.calls.length > 0).slice(0, 8).map((hardCase) => {
    const calls = hardCase.target.calls.map((c) => `<tool_call>\n${JSON.stringify({ name: c.name, arguments: c.arguments })}\n</tool_call>`).join('\n');
    const answer = `<think>\nI call ${hardCase.target.calls.map((c) => c.name).join(' and ')} for this.\n</think>\n\n${calls}`;
    return candidateExample(hardCase, parseGeneratedCalls(answer), 1);
  });
}

/** As the HDR run folder appends accepted samples: one JSON.stringify(example) per line. */
const asRunFolderWritesThem = (examples: Example[]) => examples.map((e) => JSON.stringify(e) + '\n').join('');

describe('the studio\'s own example lines as a dataset', () => {
  it('reads HDR samples back exactly, source and round kept, passing the check HDR samples pass', async () => {
    const samples = await hdrSamples();
    const result = await importDatasetFiles([file('demo.jsonl', demoText), file('hdr-examples.jsonl', asRunFolderWritesThem(samples))]);
    expect(result.files.map((f) => [f.name, f.format, f.imported, f.rejected])).toEqual([
      ['demo.jsonl', 'openai', 12, 0],
      ['hdr-examples.jsonl', 'studio', 8, 0],
    ]);
    expect(result.examples.slice(12)).toEqual(samples);
    expect(result.examples.slice(12).every((e) => e.source === 'hdr' && e.hdrRound === 1)).toBe(true);
  });

  it('puts an HDR sample with its question, as the browser does: trained with a training question, neither trained nor evaluated with a held-out one', async () => {
    const samples = await hdrSamples();
    const split = { seed: 3, evalFraction: 0.5 };
    const data = await fileExamples([file('demo.jsonl', demoText), file('hdr-examples.jsonl', asRunFolderWritesThem(samples))], { split });
    expect(data.problems).toEqual([]);
    expect(data.eval.length).toBeGreaterThan(0);
    expect(data.eval.filter((e) => e.source === 'hdr')).toEqual([]);
    const trained = data.train.filter((e) => e.source === 'hdr');
    const heldOut = data.heldOutSamples ?? [];
    expect(trained.length + heldOut.length).toBe(8);
    expect(heldOut.length).toBeGreaterThan(0);
    for (const e of trained) expect(splitOf(hardCaseRootId(e.id), split)).toBe('train');
    for (const e of heldOut) expect(splitOf(hardCaseRootId(e.id), split)).toBe('eval');
  });

  it('refuses a broken line by its field and keeps the rest; an HDR sample without reasoning fails the check', async () => {
    const [good, broken, silent] = (await hdrSamples()).slice(0, 3);
    const withoutName = { ...broken, target: { ...broken.target, calls: [{ arguments: {} }] } };
    const result = await importDatasetFiles([file('hdr-examples.jsonl', asRunFolderWritesThem([good, withoutName as unknown as Example, { ...silent, target: { ...silent.target, reasoning: '' } }]))]);
    expect(result.examples.map((e) => e.id)).toEqual([good.id, silent.id]);
    expect(result.issues).toHaveLength(1);
    expect(result.issues[0]).toMatchObject({ file: 'hdr-examples.jsonl', line: 2 });
    expect(result.issues[0].reason).toContain('target.calls[0].name is missing');
    const data = await fileExamples([file('hdr-examples.jsonl', asRunFolderWritesThem([good, { ...silent, target: { ...silent.target, reasoning: '' } }]))], { split: { seed: 3, evalFraction: 0 } });
    expect(data.train.map((e) => e.id)).toEqual([good.id]);
    expect(data.problems.join('\n')).toMatch(new RegExp(`example "${silent.id.replace(/[#]/g, '.')}": excluded, fails the quality check \\(reasoning`));
  });

  it('reads a snapshot\'s dataset.jsonl: its "included" choices are the run\'s, and BFCL questions keep their answers', async () => {
    const samples = await hdrSamples();
    const bfclQuestion: Example = { ...samples[0], id: 'simple_3', source: 'bfcl', possibleAnswer: [{ [samples[0].target.calls[0].name]: {} }], category: 'simple' };
    const written = [samples[1], { ...samples[2], source: 'openai' as const }, bfclQuestion];
    const text = new TextDecoder().decode(encodeDatasetJsonl(written, new Map([[samples[1].id, true], [samples[2].id, false]])));
    expect(text).toContain('"included":false');
    const result = await importDatasetFiles([file('dataset.jsonl', text)]);
    expect(result.issues).toEqual([]);
    expect(result.examples).toEqual(written);
  });

  it('trains on a snapshot\'s dataset.jsonl as the studio did: a line left out stays out, a flagged line included is used', async () => {
    // `studio train --data <unzipped snapshot>/dataset.jsonl` trained on every example that passed
    // the check, so the examples the user had left out in the studio were trained on again.
    const [kept, leftOut, a, b] = (await hdrSamples()).slice(0, 4);
    // An HDR sample without reasoning fails the check (reasoning required).
    const [flaggedIn, flaggedOut] = [a, b].map((e) => ({ ...e, target: { ...e.target, reasoning: '' } }));
    const choices = new Map([[kept.id, true], [leftOut.id, false], [flaggedIn.id, true], [flaggedOut.id, false]]);
    const text = new TextDecoder().decode(encodeDatasetJsonl([kept, leftOut, flaggedIn, flaggedOut], choices));
    const split = { seed: 3, evalFraction: 0 };
    const data = await fileExamples([file('dataset.jsonl', text)], { split });
    expect(data.train.map((e) => e.id)).toEqual([kept.id, flaggedIn.id]);
    expect(data.excludedSamples?.map((e) => e.id)).toEqual([leftOut.id, flaggedOut.id]);
    expect(data.problems.join('\n')).toContain(`example "${leftOut.id}": left out, as its line says ("included": false: the studio's choice, as it passes the quality check)`);
    expect(data.counts).toMatchObject({ imported: 4, failedQuality: 1, leftOut: 1 });
    // A flagged example's false is the check's own verdict, which --include-failing overrides as it
    // does for any; a passing one's is the user's, which it does not.
    const all = await fileExamples([file('dataset.jsonl', text)], { split, includeFailing: true });
    expect(all.train.map((e) => e.id)).toEqual([kept.id, flaggedIn.id, flaggedOut.id]);
    expect(all.counts).toMatchObject({ imported: 4, failedQuality: 0, leftOut: 1 });
    // The CLI's --leave-out on top of the lines' choices: counted apart, so "no trainable examples"
    // names each cause in the user's words.
    const asked = await fileExamples([file('dataset.jsonl', text)], { split, inclusion: { leaveOut: [kept.id] } });
    expect(asked.train.map((e) => e.id)).toEqual([flaggedIn.id]);
    expect(asked.counts).toMatchObject({ imported: 4, failedQuality: 1, leftOut: 1, leftOutAsked: 1 });
    expect(asked.problems.join('\n')).toContain(`example "${kept.id}": left out, as asked`);
    // A flagged example the run would have used (its line includes it, or --include-failing) and
    // --leave-out names is left out as asked, not by the check: 'no trainable examples' said '2
    // failed the quality check' to a user who had given --include-failing.
    const flaggedAsked = await fileExamples([file('dataset.jsonl', text)], { split, includeFailing: true, inclusion: { leaveOut: [kept.id, flaggedIn.id, flaggedOut.id] } });
    expect(flaggedAsked.train).toEqual([]);
    expect(flaggedAsked.counts).toMatchObject({ imported: 4, failedQuality: 0, leftOut: 1, leftOutAsked: 3 });
    expect(flaggedAsked.problems.join('\n')).toContain(`example "${flaggedIn.id}": left out, as asked`);
    expect(flaggedAsked.problems.join('\n')).not.toContain('excluded, fails the quality check');
  });

  it('leaves OpenAI-shaped records to the OpenAI reader', async () => {
    const result = await importDatasetFiles([file('openai-tools.jsonl', readFileSync('tests/fixtures/data/openai-tools.jsonl', 'utf8'))]);
    expect(result.files[0].format).toBe('openai');
  });
});
