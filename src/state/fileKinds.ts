// The page's words for dropped files that are plainly not datasets (src/data/fileKinds.ts tells them
// apart, for `studio … --data` too).
import { DATASET_FILES_TEXT, nonDatasetFiles } from '../worker/protocol.ts';

/** The message for such files, in the words a user knows. */
export async function nonDatasetMessage(files: Array<Blob & { name: string }>): Promise<string | null> {
  const found = await nonDatasetFiles(files);
  if (found.length === 0) return null;
  return `${found.join('; ')}, not a dataset. Drop ${DATASET_FILES_TEXT}, or a run snapshot (.zip). Nothing was imported.`;
}
