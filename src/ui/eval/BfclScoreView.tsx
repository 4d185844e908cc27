// BFCL's aggregate beside a per-category table: non-live AST, live AST, hallucination and the
// overall score as the leaderboard combines them (computed by the worker with the evaluation;
// evaluations stored before it carry none, and this renders nothing for them).
import { BFCL_OVERALL_COUNTS } from '../../eval/bfcl-score.ts';
import type { BfclBucket, BfclScore } from '../../worker/protocol.ts';

const pct = (b: BfclBucket | null) => (b ? `${(100 * b.accuracy).toFixed(1)}%` : '—');

export function BfclScoreView({ score, testId = 'bfcl-score' }: { score: BfclScore | undefined; testId?: string }) {
  if (!score) return null;
  const rows: Array<[string, BfclBucket | null, string]> = [
    ['Non-live AST', score.nonLive, 'unweighted mean of simple, multiple, parallel, parallel_multiple'],
    ['Live AST', score.live, 'mean of the live_ categories weighted by their examples'],
    ['Hallucination', score.hallucination, 'mean of irrelevance and live_irrelevance'],
    ...(score.relevance ? [['Live relevance', score.relevance, 'live_relevance'] as [string, BfclBucket | null, string]] : []),
  ];
  return (
    <table className="rules" data-testid={testId}>
      <caption>BFCL-style score: {BFCL_OVERALL_COUNTS} above</caption>
      <tbody>
        <tr>
          <th scope="row">Overall</th>
          <td data-testid={`${testId}-overall`}>
            <strong>{pct(score.overall)}</strong>
          </td>
        </tr>
        {rows.map(([label, bucket, how]) => (
          <tr key={label} title={how}>
            <th scope="row">{label}</th>
            <td>
              {pct(bucket)}
              {bucket ? ` (${bucket.total} example${bucket.total === 1 ? '' : 's'})` : ''}
            </td>
          </tr>
        ))}
      </tbody>
      {(score.missing.length > 0 || score.other.length > 0) && (
        <tfoot>
          <tr>
            <td colSpan={2} className="muted">
              {score.missing.length > 0 && `Not evaluated, left out of the overall score: ${score.missing.join(', ')}. `}
              {score.other.length > 0 && `Not BFCL categories: ${score.other.join(', ')}.`}
            </td>
          </tr>
        </tfoot>
      )}
    </table>
  );
}
