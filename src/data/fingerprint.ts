// Dataset fingerprint for run snapshots: SHA-256 over the normalised content of every example
// (id, tools, messages, target; keys sorted, strings NFC, undefined dropped), independent of record
// order and of metadata such as the source format or parse notes. Two imports of the same data in
// any order or file layout give the same fingerprint; any change to what the model sees changes it.
// Never includes split or inclusion choices: those are settings, not data.
import type { Example } from './example.ts';
import type { StudioDb } from './db.ts';
import { Sha256 } from '../export/sha256.ts';

/** JSON with sorted keys and NFC strings: one spelling per value. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value === 'number') return Number.isFinite(value) ? JSON.stringify(value) : 'null';
  if (typeof value === 'string') return JSON.stringify(value.normalize('NFC'));
  if (Array.isArray(value)) return '[' + value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',') + ']';
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return '{' + entries.map(([k, v]) => JSON.stringify(k.normalize('NFC')) + ':' + canonicalJson(v)).join(',') + '}';
  }
  return 'null';
}

export function normalisedExampleContent(example: Example): string {
  // Where the whole floats are (5.0), of the target and of earlier turns, is read from the same
  // records: leaving it out keeps the fingerprint of data imported before it was kept, so runs
  // made then still resume on it.
  const { wholeFloats: _places, ...target } = example.target;
  const messages = example.messages.map(({ wholeFloats: _earlier, ...m }) => m);
  return canonicalJson({ id: example.id, tools: example.tools, messages, target });
}

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

/** An example's 32-byte digest, the fingerprint's input. Synchronous (no WebCrypto promise per
 * example, three times slower over a dataset), so it can run inside an IndexedDB transaction. */
export function exampleDigest(example: Example): Uint8Array {
  return new Sha256().update(new TextEncoder().encode(normalisedExampleContent(example))).bytes();
}

export async function exampleHash(example: Example): Promise<string> {
  return hex(exampleDigest(example));
}

/** The fingerprint of sorted digests (32 bytes each): `sha256:<hex>` over their hex, one per line. */
function fingerprintOfSorted(sorted: Uint8Array): string {
  const lines: string[] = [];
  for (let at = 0; at < sorted.length; at += 32) lines.push(hex(sorted.subarray(at, at + 32)));
  return 'sha256:' + new Sha256().update(new TextEncoder().encode(lines.join('\n'))).hex();
}

/** Negative, zero or positive as digest `a` (at byte `ai` of `as`) sorts before, with or after `b`. */
function compareAt(as: Uint8Array, ai: number, bs: Uint8Array, bi: number): number {
  for (let k = 0; k < 32; k++) if (as[ai + k] !== bs[bi + k]) return as[ai + k] - bs[bi + k];
  return 0;
}

/** The first digest index of `sorted` not before `d`. */
function lowerBound(sorted: Uint8Array, d: Uint8Array): number {
  let lo = 0;
  let hi = sorted.length / 32;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compareAt(sorted, mid * 32, d, 0) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function sortDigests(digests: Uint8Array, count: number): Uint8Array {
  const order = Array.from({ length: count }, (_, i) => i).sort((a, b) => compareAt(digests, a * 32, digests, b * 32));
  const sorted = new Uint8Array(count * 32);
  order.forEach((i, k) => sorted.set(digests.subarray(i * 32, i * 32 + 32), k * 32));
  return sorted;
}

/** `sorted` with `d` added where it sorts. */
function withDigest(sorted: Uint8Array, d: Uint8Array): Uint8Array {
  const at = lowerBound(sorted, d) * 32;
  const out = new Uint8Array(sorted.length + 32);
  out.set(sorted.subarray(0, at));
  out.set(d, at);
  out.set(sorted.subarray(at), at + 32);
  return out;
}

/** `sorted` with one `d` taken out, or null where it holds none. */
function withoutDigest(sorted: Uint8Array, d: Uint8Array): Uint8Array | null {
  const at = lowerBound(sorted, d) * 32;
  if (at >= sorted.length || compareAt(sorted, at, d, 0) !== 0) return null;
  const out = new Uint8Array(sorted.length - 32);
  out.set(sorted.subarray(0, at));
  out.set(sorted.subarray(at + 32), at);
  return out;
}

export interface FingerprintBuilder {
  add(example: Example): Promise<void>;
  /** `sha256:<hex>` over the sorted per-example hashes, one hex hash per line. */
  digest(): Promise<string>;
}

/**
 * The fingerprint built one example at a time, for imports that never hold every example: it keeps
 * 32 bytes per example (the raw digests; sorting them as bytes sorts their hex the same way).
 */
export function fingerprintBuilder(): FingerprintBuilder {
  let digests = new Uint8Array(32 * 1024);
  let count = 0;
  return {
    async add(example) {
      if ((count + 1) * 32 > digests.length) {
        const grown = new Uint8Array(digests.length * 2);
        grown.set(digests);
        digests = grown;
      }
      digests.set(exampleDigest(example), count * 32);
      count++;
    },
    async digest() {
      return fingerprintOfSorted(sortDigests(digests, count));
    },
  };
}

/** `sha256:<hex>` of the sorted per-example hashes. */
export async function datasetFingerprint(examples: Iterable<Example>): Promise<string> {
  const builder = fingerprintBuilder();
  for (const e of examples) await builder.add(e);
  return builder.digest();
}

/**
 * The stored dataset's fingerprint after a change to its examples (`removed` as they were, `added`
 * as they are now: HDR's samples, an edited answer), written inside the change's own transaction,
 * which must hold `datasets`, `examples` and `datasetDigests`: the data and its fingerprint never
 * disagree, even for a tab closed mid-change. Everything here is IndexedDB or synchronous, so the
 * transaction stays open. The dataset's sorted digests are kept from its first change on: a later
 * change hashes its own examples only, not every example again (seconds on a dataset of 60,000).
 * Kept digests that no longer match the dataset (another fingerprint, another count) are rebuilt
 * from every example.
 */
export async function updateFingerprint(db: StudioDb, datasetId: string, change: { removed: Example[]; added: Example[] }): Promise<string> {
  const dataset = await db.datasets.get(datasetId);
  if (!dataset) throw new Error(`no dataset "${datasetId}"`);
  const examples = db.examples.where('datasetId').equals(datasetId);
  const kept = await db.datasetDigests.get(datasetId);
  let sorted: Uint8Array | null = kept && kept.fingerprint === dataset.fingerprint ? kept.digests : null;
  for (const e of change.removed) sorted = sorted && withoutDigest(sorted, exampleDigest(e));
  for (const e of change.added) sorted = sorted && withDigest(sorted, exampleDigest(e));
  if (!sorted || sorted.length / 32 !== (await examples.count())) {
    const rows = await examples.toArray();
    const digests = new Uint8Array(rows.length * 32);
    rows.forEach((r, i) => digests.set(exampleDigest(r.example), i * 32));
    sorted = sortDigests(digests, rows.length);
  }
  const fingerprint = fingerprintOfSorted(sorted);
  await db.datasetDigests.put({ datasetId, fingerprint, digests: sorted });
  await db.datasets.update(datasetId, { fingerprint });
  return fingerprint;
}
