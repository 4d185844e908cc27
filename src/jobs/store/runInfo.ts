// A run's name, tags and notes as the user edits them: trimmed, de-duplicated, and held to the
// limits a snapshot's run.json keeps, refused in words rather than cut short without a word.
import { RUN_JSON_LIMITS as L } from '../../snapshot/limits.ts';

export interface RunInfo {
  name?: string;
  tags?: string[];
  notes?: string;
}

const n = (x: number) => x.toLocaleString('en-US');

/** What is wrong with an edit, in the editor's words, or null. */
export function runInfoProblem(info: RunInfo): string | null {
  if (info.name !== undefined) {
    const name = info.name.trim();
    if (!name) return 'a run needs a name; type one, or keep the old one';
    if (name.length > L.nameChars) return `the name has ${n(name.length)} characters; the limit is ${n(L.nameChars)}`;
  }
  if (info.tags !== undefined) {
    const tags = cleanTags(info.tags);
    if (tags.length > L.maxTags) return `${tags.length} tags; the limit is ${L.maxTags}`;
    const long = tags.find((t) => t.length > L.tagChars);
    if (long) return `the tag “${long.slice(0, 24)}…” has ${n(long.length)} characters; the limit is ${L.tagChars}`;
  }
  if (info.notes !== undefined && info.notes.length > L.notesChars) return `the notes have ${n(info.notes.length)} characters; the limit is ${n(L.notesChars)}`;
  return null;
}

function cleanTags(tags: string[]): string[] {
  return [...new Set(tags.map((t) => t.trim()).filter(Boolean))];
}

/** The stored form of an edit; throws with runInfoProblem's words when it breaks a limit. */
export function runInfoPatch(info: RunInfo): RunInfo {
  const problem = runInfoProblem(info);
  if (problem) throw new Error(problem);
  const patch: RunInfo = {};
  if (info.name !== undefined) patch.name = info.name.trim();
  if (info.tags !== undefined) patch.tags = cleanTags(info.tags);
  if (info.notes !== undefined) patch.notes = info.notes;
  return patch;
}
