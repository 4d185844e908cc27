// Ctrl-C on a long command asks its job to end with what it has, as the studio's Pause or Cancel
// does, instead of killing the process with every answer, step or round since the last save; a
// second Ctrl-C quits at once. (bin/studio.mjs waits for its re-executed child, which decides.)
import type { ProgressLine } from './progress.ts';

/** Runs `work`; a first Ctrl-C meanwhile says `finishing` and calls `end`. Both listeners go when
 * `work` ends: left behind, the quit-now one turned the first Ctrl-C of the next command run in the
 * same process (main() called again, as tests do) into an exit, and they piled up with each command. */
export async function endOnCtrlC<T>(progress: ProgressLine, finishing: string, end: () => void, work: () => Promise<T>): Promise<T> {
  const quitNow = () => process.exit(130);
  const interrupt = () => {
    progress.update(`interrupted: ${finishing} (Ctrl-C again to quit now)`, true);
    try {
      end();
    } catch {
      // The job ended as the Ctrl-C came: nothing is left to interrupt.
    }
    process.once('SIGINT', quitNow);
  };
  process.once('SIGINT', interrupt);
  try {
    return await work();
  } finally {
    process.removeListener('SIGINT', interrupt);
    process.removeListener('SIGINT', quitNow);
  }
}

/** An export's work under endOnCtrlC: a first Ctrl-C aborts `stop` (the export stops before its next
 * tensor, its check before its next prompt), and the command then says `stopped()` (what became of
 * its output) and exits 130. */
export async function stoppableExport(progress: ProgressLine, stop: AbortController, finishing: string, stopped: () => string, work: () => Promise<number>): Promise<number> {
  try {
    return await endOnCtrlC(progress, finishing, () => stop.abort(), work);
  } catch (err) {
    if (!stop.signal.aborted) throw err;
    progress.done();
    console.log(stopped());
    return 130;
  }
}

/** From now until the returned function is called, a Ctrl-C ends the command at once, after `quit`
 * (which puts back what the command made, and says so): for work with nothing to finish or keep,
 * such as a model downloading or read before anything is written. Calling the returned function
 * again does nothing. */
export function quitOnCtrlC(quit: () => void): () => void {
  const onCtrlC = () => {
    try {
      quit();
    } finally {
      process.exit(130);
    }
  };
  process.once('SIGINT', onCtrlC);
  return () => process.removeListener('SIGINT', onCtrlC);
}
