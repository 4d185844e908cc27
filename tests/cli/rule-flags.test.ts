// A flag of one balance rule given with another rule: refused, as a flag of α's rule is with a loss
// that learns no α, so it never seems to have been used. --rule dwa --balance-lr 0.5 trained with
// dwa's windows and no rate at all, and --balance-window 3 with grad (the default) did nothing.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { studioInProcess } from '../helpers/studioInProcess.ts';
import { DEFAULT_RUN_CONFIG } from '../../src/train/config.ts';

const MODEL = 'public/models/tiny-qwen3';
const DATA = 'tests/fixtures/data/openai-tools.jsonl';
const DIR = mkdtempSync(join(tmpdir(), 'studio-rule-flags-'));

async function refusal(...args: string[]) {
  // One step, HDR one round, where a flag were let through: the test stays short.
  const short = args.includes('--steps') ? [] : args[0] === 'hdr' ? ['--rounds', '1', '--max-tokens', '4', '--mine-limit', '1', '--eval-limit', '0'] : ['--steps', '1'];
  const r = await studioInProcess([...args, ...short, '--model', MODEL, '--data', DATA, '--quiet']);
  return [r.code, r.err.trim().split('\n').at(-1)];
}

describe("a balance rule's flag with another rule", () => {
  it('is refused by train and hdr, naming where the rule came from', async () => {
    const out = join(DIR, 'run');
    expect(await refusal('train', '--out', out, '--rule', 'dwa', '--balance-lr', '0.5')).toEqual([2, 'studio train: --balance-lr sets the rate of the grad and uncertainty rules; it does nothing with --rule dwa (--balance-temperature and --balance-window set dwa)']);
    expect(await refusal('train', '--out', out, '--loss', 'ssb:uncertainty', '--balance-window', '3')).toEqual([2, "studio train: --balance-window sets dwa's window; it does nothing with --loss ssb:uncertainty"]);
    expect(await refusal('train', '--out', out, '--balance-temperature', '0.5')).toEqual([2, "studio train: --balance-temperature sets dwa's temperature; it does nothing with the default rule, grad (--rule dwa to use it)"]);
    expect(await refusal('hdr', '--out', join(DIR, 'hdr'), '--rule', 'grad', '--balance-window', '3')).toEqual([2, "studio hdr: --balance-window sets dwa's window; it does nothing with --rule grad"]);
    // An HDR run continues its --adapter run's rule: said as that run's.
    const run = join(DIR, 'dwa-run');
    mkdirSync(run);
    writeFileSync(join(run, 'run.json'), JSON.stringify({ config: { ...DEFAULT_RUN_CONFIG, balanceRule: 'dwa' } }));
    expect(await refusal('hdr', '--out', join(DIR, 'hdr2'), '--adapter', run, '--balance-lr', '0.1')).toEqual([2, 'studio hdr: --balance-lr sets the rate of the grad and uncertainty rules; it does nothing with the dwa rule of the --adapter run (--balance-temperature and --balance-window set dwa)']);
    // Each rule with its own flags still runs past the flags (here, to the missing model weights' check or further).
    expect((await refusal('train', '--out', out, '--rule', 'dwa', '--balance-window', '3', '--steps', '0'))[1]).toBe('studio train: --steps must be a whole number ≥ 1, got 0');
  });

  it('is refused by ablate when the rule it sets has no arm', async () => {
    const out = join(DIR, 'ablation');
    expect(await refusal('ablate', '--out', out, '--rules', 'grad,uncertainty', '--balance-window', '3', '--steps', '1')).toEqual([2, "studio ablate: --balance-window sets dwa's window; dwa is not among --rules (grad, uncertainty)"]);
    expect(await refusal('ablate', '--out', out, '--rules', 'dwa', '--hdr-rule', 'none', '--grad-lr', '0.1', '--steps', '1')).toEqual([2, "studio ablate: --grad-lr sets the grad arm's rate; grad is not among --rules (dwa)"]);
  });
});
