// The playground's answer: the streamed text as it arrives, then the parsed reasoning and calls.
import { useJobs } from '../../state/jobStore.ts';
import { callText, visibleOutput } from '../dataset/exampleText.ts';

export function PlaygroundAnswer() {
  const text = useJobs((s) => s.streamText);
  const answer = useJobs((s) => s.answer);
  const generating = useJobs((s) => s.running?.kind === 'generate');
  if (!text && !answer && !generating) return <p className="muted">The answer appears here as it is generated.</p>;
  return (
    <div className="stack" data-testid="playground-answer" aria-live="polite">
      <h3>Answer{generating ? ' (generating…)' : ''}</h3>
      <pre className="wrap" data-testid="playground-text">
        {text ? visibleOutput(text) : '…'}
      </pre>
      {answer && (
        <>
          <h4>Reasoning</h4>
          {answer.reasoning ? <pre className="wrap seg-cot-text">{answer.reasoning}</pre> : <p className="muted">none found</p>}
          <h4>Calls</h4>
          {answer.parseError && <p className="error">The calls did not parse: {answer.parseError}</p>}
          {answer.calls.length ? (
            <ul className="mono seg-call-text">
              {answer.calls.map((c, i) => (
                <li key={i}>{callText(c)}</li>
              ))}
            </ul>
          ) : (
            <p className="muted">no calls</p>
          )}
          <p className="muted">
            {answer.tokens} tokens · finished by {answer.finishReason}
          </p>
        </>
      )}
    </div>
  );
}
