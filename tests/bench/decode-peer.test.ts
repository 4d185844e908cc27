// The verdict `npm run bench:browser` exits with (scripts/bench-browser.mjs): it passes only when
// the peer decoded and agreed, not when the peer never ran.
import { describe, expect, it } from 'vitest';
import { decodePeerAgrees, type DecodePeerRow, type DecodeSide } from '../../src/bench/decodePeer.ts';

const side = (tokens: number[][]): DecodeSide => ({ name: 's', ttftMillis: 1, decodeTokensPerSecond: 1, tokens });
const peer = (tokens: number[][], sameTokens: boolean) => ({ ...side(tokens), executionProvider: 'wasm' as const, sameTokens, decodeRatio: 1, ttftRatio: 1 });

describe('the decode bench verdict', () => {
  it('fails when no peer could run (nothing was compared), and when tokens differ; passes when they agree', () => {
    const ours = side([[1, 2]]);
    const failed: DecodePeerRow = { batches: [{ batch: 1, ours, peers: [] }], failed: [{ executionProvider: 'wasm', error: 'no backend' }] };
    expect(decodePeerAgrees(failed)).toBe(false);
    expect(decodePeerAgrees({ batches: [{ batch: 1, ours, peers: [peer([[1, 3]], false)] }], failed: [] })).toBe(false);
    expect(decodePeerAgrees({ batches: [{ batch: 1, ours, peers: [peer([[1, 2]], true)] }], failed: [] })).toBe(true);
  });
});
