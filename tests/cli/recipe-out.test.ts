// `studio recipe --out` as a user points it: a project folder whose data/train.jsonl is the dataset
// the run trained on (the recipe wrote its own data/train.jsonl over it, and the run could never
// be exported again), and a folder that already holds a recipe (replaced without a word, as
// export-onnx never does without --force).
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { studioInProcess } from '../helpers/studioInProcess.ts';
import { tinyModelMap } from '../helpers/tinyEngine.ts';

function modelDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'studio-recipe-out-model-'));
  for (const [name, data] of tinyModelMap()) writeFileSync(join(dir, name), data);
  return dir;
}

async function studio(...args: string[]) {
  const r = await studioInProcess(args);
  return { code: r.code, last: r.err.trim().split('\n').at(-1) };
}

describe('studio recipe --out', () => {
  it('never writes over the data files the run trained on, nor over an earlier recipe without --force', { timeout: 120_000 }, async () => {
    const project = mkdtempSync(join(tmpdir(), 'studio-recipe-out-'));
    mkdirSync(join(project, 'data'));
    const data = join(project, 'data', 'train.jsonl');
    copyFileSync('tests/fixtures/data/recipe-demo.jsonl', data);
    const original = readFileSync(data, 'utf8');
    const run = join(project, 'runs', 'a');
    const trained = await studioInProcess(['train', '--model', modelDir(), '--data', data, '--out', run, '--steps', '1', '--batch', '1', '--seq', '320', '--rank', '2', '--eval-every', '0', '--quiet']);
    expect(trained.code, trained.err).toBe(0);

    // The recipe's data/train.jsonl is the run's dataset: refused, --force or not, and the file kept.
    for (const force of [[], ['--force']]) {
      expect(await studio('recipe', '--run', run, '--out', project, ...force)).toEqual({
        code: 2,
        last: `studio recipe: --out ${project} would write data/train.jsonl over ${data}, a data file of the run; choose another --out`,
      });
    }
    expect(readFileSync(data, 'utf8')).toBe(original);

    const recipe = join(project, 'recipe');
    expect((await studio('recipe', '--run', run, '--out', recipe)).code).toBe(0);
    writeFileSync(join(recipe, 'recipe.json'), '{"mine": true}');
    expect(await studio('recipe', '--run', run, '--out', recipe)).toEqual({
      code: 2,
      last: `studio recipe: --out ${recipe} already holds a recipe (recipe.json); choose another folder, or pass --force to replace it`,
    });
    expect(readFileSync(join(recipe, 'recipe.json'), 'utf8')).toBe('{"mine": true}');
    expect((await studio('recipe', '--run', run, '--out', recipe, '--force')).code).toBe(0);
    expect(JSON.parse(readFileSync(join(recipe, 'recipe.json'), 'utf8')).format).toBe('balancesft-recipe');

    // Another file of the recipe's names (a user's own README.md) is named as such.
    const own = join(project, 'own');
    mkdirSync(own);
    writeFileSync(join(own, 'README.md'), 'my notes');
    expect(await studio('recipe', '--run', run, '--out', own)).toEqual({
      code: 2,
      last: `studio recipe: --out ${own} holds files the recipe would write over (README.md); choose another folder, or pass --force to replace them`,
    });
    expect(readFileSync(join(own, 'README.md'), 'utf8')).toBe('my notes');
  });
});
