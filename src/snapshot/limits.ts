// Size and count limits for everything a snapshot or share link may carry, in one place so the
// import checks and the tests agree. Generous for real runs (a 0.6B model's rank-16 adapter is
// ~40 MB, its checkpoint three times that) and small enough that a hostile file cannot exhaust
// memory. Never enforced here: zip.ts, run-json.ts and share-link.ts apply them.

const MiB = 1024 * 1024;

export interface ZipLimits {
  /** Entries in the central directory. */
  maxEntries: number;
  /** Sum of the declared uncompressed sizes; checked before anything is inflated. */
  maxTotalBytes: number;
  /** Per entry name: declared uncompressed size cap. */
  maxEntryBytes: Record<string, number>;
}

export const SNAPSHOT_ZIP_LIMITS: ZipLimits = {
  maxEntries: 8,
  maxTotalBytes: 2048 * MiB,
  maxEntryBytes: {
    'run.json': 64 * MiB,
    'adapter_config.json': 1 * MiB,
    'adapter_model.safetensors': 512 * MiB,
    'checkpoint.safetensors': 1536 * MiB,
    'dataset.jsonl': 512 * MiB,
  },
};

export const RUN_JSON_LIMITS = {
  /** Metric rows (one per optimizer step). */
  maxMetrics: 1_000_000,
  maxEvalMetrics: 100_000,
  maxHdrRounds: 1000,
  /** Keys in one metric row. */
  maxMetricKeys: 64,
  nameChars: 200,
  idChars: 200,
  messageChars: 10_000,
  /** A run's own tags and notes (the Runs panel's editor refuses more). */
  maxTags: 20,
  tagChars: 100,
  notesChars: 10_000,
};

export const DATASET_LIMITS = {
  maxExamples: 1_000_000,
  /** One JSONL line (one example). */
  maxLineChars: 4 * MiB,
  textChars: 1 * MiB,
  maxTools: 512,
  maxMessages: 1024,
  maxCalls: 256,
};

export const SHARE_LIMITS = {
  /** The fragment we write stays under this many characters (browsers and chat apps cope with ~8 KB). */
  targetFragmentChars: 8000,
  /** Refused before base64 decoding: anything longer was not written by us. */
  maxFragmentChars: 16_384,
  /** Inflated JSON cap: deflate can expand ~1000×, so a 12 KB payload could otherwise become 12 MB. */
  maxInflatedBytes: 256 * 1024,
  maxPointsPerCurve: 1000,
  defaultPointsPerCurve: 200,
  maxHdrRounds: 100,
};
