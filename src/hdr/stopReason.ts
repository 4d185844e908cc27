// Why an HDR run stopped: the codes run rows and run folders keep, and the words people read.

export type HdrStopReason = 'pool_empty' | 'pool_stopped_shrinking' | 'round_limit' | 'aborted';

const STOP_WORDS: Record<HdrStopReason, string> = {
  pool_empty: 'every hard case was solved',
  pool_stopped_shrinking: 'the pool stopped shrinking',
  round_limit: 'the round limit was reached',
  aborted: 'cancelled',
};

/** Why HDR stopped, in words: what the studio and the CLI say (run rows and folders keep the code). */
export function hdrStopText(reason: string | undefined): string {
  return reason ? (STOP_WORDS[reason as HdrStopReason] ?? reason) : 'not stopped yet';
}
