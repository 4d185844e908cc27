// Dataset fingerprint for run snapshots: SHA-256 over the normalised content of every example
// (id, tools, messages, target; keys sorted, strings NFC, undefined dropped), independent of record
// order and of metadata such as the source format or parse notes. Two imports of the same data in
// any order or file layout give the same fingerprint; any change to what the model sees changes it.
// Never includes split or inclusion choices: those are settings, not data.
import type { Example } from './example.ts';
import type { StudioDb } from './db.ts';

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

async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
}

export async function exampleHash(example: Example): Promise<string> {
  return hex(await sha256(new TextEncoder().encode(normalisedExampleContent(example))));
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
      digests.set(await sha256(new TextEncoder().encode(normalisedExampleContent(example))), count * 32);
      count++;
    },
    async digest() {
      const order = Array.from({ length: count }, (_, i) => i);
      const compare = (a: number, b: number) => {
        for (let k = 0; k < 32; k++) if (digests[a * 32 + k] !== digests[b * 32 + k]) return digests[a * 32 + k] - digests[b * 32 + k];
        return 0;
      };
      order.sort(compare);
      const lines = order.map((i) => hex(digests.subarray(i * 32, i * 32 + 32))).join('\n');
      return 'sha256:' + hex(await sha256(new TextEncoder().encode(lines)));
    },
  };
}

/** `sha256:<hex>` of the sorted per-example hashes. */
export async function datasetFingerprint(examples: Iterable<Example>): Promise<string> {
  const builder = fingerprintBuilder();
  for (const e of examples) await builder.add(e);
  return builder.digest();
}

/** The stored dataset's fingerprint hashed again after a change to its examples (HDR's samples, an
 * edited answer), outside the change's transaction: an await on anything but IndexedDB would commit
 * it early. */
export async function refreshFingerprint(db: StudioDb, datasetId: string): Promise<void> {
  const all = await db.examples.where('datasetId').equals(datasetId).toArray();
  await db.datasets.update(datasetId, { fingerprint: await datasetFingerprint(all.map((r) => r.example)) });
}
