// What a shared run says of its dataset: the dataset as it was when shared and, where the run
// recorded it, what the run trained on, with the change since where one is known. HDR adds its
// samples to the dataset and the user edits it after a run trained on it; a reader of "324 examples"
// beside a run that trained on 287 of 320 would take today's data for the run's. Pure text.
import type { TrainedOn } from './run-json.ts';

/** A fingerprint short enough to read and still tell two datasets apart. */
export const shortFingerprint = (fingerprint: string) => `${fingerprint.slice(0, 19)}…`;

/** The dataset line of a shared run: its name and, as the record allows,
 *  - no record (an older link, or a run that has not trained): "d (324 examples, sha256:…)";
 *  - the dataset then unknown (a run started before it was kept): "d (324 examples when shared, …): the run trained on 287";
 *  - unchanged since: "d (320 examples, …): the run trained on 287 of them and held out 33";
 *  - changed since: "d: 324 examples now (…); the run trained on 287 of the 320 it had then (…) and held out 33". */
export function datasetText(d: { name: string; examples: number; fingerprint: string; trained?: TrainedOn }): string {
  const t = d.trained;
  const now = shortFingerprint(d.fingerprint);
  if (!t) return `${d.name} (${d.examples} examples, ${now})`;
  if (t.examples === undefined) return `${d.name} (${d.examples} examples when shared, ${now}): the run trained on ${t.train}`;
  const heldOut = t.eval !== undefined ? ` and held out ${t.eval}` : '';
  // A dataset from before fingerprints ('') tells nothing by its fingerprint: only its count does.
  const changed = t.examples !== d.examples || (t.fingerprint !== undefined && d.fingerprint !== '' && t.fingerprint !== d.fingerprint);
  if (!changed) return `${d.name} (${d.examples} examples, ${now}): the run trained on ${t.train} of them${heldOut}`;
  const then = t.fingerprint ? ` (${shortFingerprint(t.fingerprint)})` : '';
  return `${d.name}: ${d.examples} examples now (${now}); the run trained on ${t.train} of the ${t.examples} it had then${then}${heldOut}`;
}
