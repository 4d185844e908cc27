// The base model's answer beside the adapter's: the same question, settings and seed without the
// adapter, and what differs between the two (besideBaseText, said under the adapter's answer), so a
// user sees what training changed in one answer (an evaluation's comparison says it over many).
import { useJobs } from '../../state/jobStore.ts';
import { targetCallTexts, visibleOutput } from '../dataset/exampleText.ts';
import { plural } from '../format.ts';

export function BaseAnswer() {
  const text = useJobs((s) => s.baseStreamText);
  const base = useJobs((s) => s.baseAnswer);
  const asking = useJobs((s) => s.baseStreamId !== null && s.baseAnswer === null && s.running?.kind === 'generate');
  if (!base && !asking) return null;
  return (
    <div className="stack beside-base" data-testid="playground-base-answer">
      <h3>The base model’s answer{asking ? ' (generating…)' : ''}</h3>
      <p className="small muted">The same question and settings{base?.seed !== undefined ? `, and seed ${base.seed}` : ''}, without the adapter.</p>
      <pre className="wrap" data-testid="playground-base-text" aria-busy={asking}>
        {text || base ? visibleOutput(text) : '…'}
      </pre>
      {base && (
        <>
          {base.parseError ? (
            <p className="error">The calls did not parse: {base.parseError}</p>
          ) : (
            <p className="mono seg-call-text small">{base.calls.length ? targetCallTexts(base).join('; ') : 'no calls'}</p>
          )}
          {base.check && (
            <p className={base.check.correct ? 'ok' : 'error'}>
              {base.check.correct ? '✓ The evaluation would count it right.' : `✗ The evaluation would count it wrong: ${base.check.why ?? 'it does not match'}`}
            </p>
          )}
          <p className="small muted">
            {plural(base.tokens, 'token')}
            {base.finishReason === 'aborted' ? ' · you cancelled it (not checked: it was not finished)' : ''}
          </p>
        </>
      )}
    </div>
  );
}
