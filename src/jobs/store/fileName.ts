// A file or folder name from a run's name, the same in the run-folder store and in the worker's
// downloads. No fs here, so the worker can import it.

/** Letters, digits, dot, dash and underscore only; at most 80 characters; never empty. */
export function runFolderName(name: string): string {
  return name.replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80) || 'run';
}
