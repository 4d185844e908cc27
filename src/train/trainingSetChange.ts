// Whether a training set changed between two records of it (a run's `setup.examples`, or a set
// tokenized now): by count, and where both kept a digest (trainingSetDigest), by the examples, so
// one example left out and another included is seen. One rule for the Runs panel's compare table
// and the recipe export (the worker's and `studio recipe`). Never tokenizes: callers give digests.

/** What a record says of a training set: how many examples, and their digest where it was kept. */
export interface TrainingSetRecord {
  train: number;
  digest?: string;
}

/** 'count': the counts differ; 'examples': as many, but both digests are kept and differ; null: the
 * same as far as the records tell. `tokenizedAlike`: both were tokenized by one model at one
 * sequence length; otherwise their digests differ whatever the examples, and only counts tell. */
export function trainingSetChange(a: TrainingSetRecord, b: TrainingSetRecord, tokenizedAlike: boolean): 'count' | 'examples' | null {
  if (a.train !== b.train) return 'count';
  return tokenizedAlike && a.digest !== undefined && b.digest !== undefined && a.digest !== b.digest ? 'examples' : null;
}
