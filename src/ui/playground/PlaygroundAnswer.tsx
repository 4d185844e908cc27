// The playground's answer: the streamed text as it arrives, then the parsed reasoning and calls.
import { useJobs } from '../../state/jobStore.ts';
import { callText, visibleOutput } from '../dataset/exampleText.ts';
import { formatDuration } from '../format.ts';
import type { GenerateResult } from '../../worker/protocol.ts';

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
          {answer.notOffered && (
            <p className="error" data-testid="playground-not-offered">
              ✗ {answer.notOffered.join(', ')} {answer.notOffered.length === 1 ? 'was' : 'were'} not among the tools offered with the question: the model made {answer.notOffered.length === 1 ? 'it' : 'them'} up. Tick the tools it may call above.
            </p>
          )}
          {answer.check && (
            <p className={answer.check.correct ? 'ok' : 'error'} data-testid="playground-check">
              {answer.check.correct
                ? `✓ The evaluation would count this right: it matches ${answer.check.exampleId}'s answer.`
                : `✗ The evaluation would count this wrong against ${answer.check.exampleId}: ${answer.check.why ?? 'it does not match'}`}
            </p>
          )}
          <p className="muted" data-testid="playground-stats">
            {answer.tokens} tokens · finished by {answer.finishReason} · {generationSpeed(answer)}
          </p>
          <p className="small muted" data-testid="playground-seed">
            {answer.seed === undefined ? 'greedy (the same answer every time)' : `sampled with seed ${answer.seed}`}
          </p>
        </>
      )}
    </div>
  );
}

/** "first token after 0.8 s, then 41 tokens/s" when the backend streams (the prompt's cost and the
 * decoding rate apart), else "2.4 s, 9.2 tokens/s" over the whole generation. Model loading excluded. */
function generationSpeed(a: Pick<GenerateResult, 'tokens' | 'millis' | 'firstTokenMillis'>): string {
  const seconds = (ms: number) => (ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : formatDuration(ms / 1000));
  const rate = (n: number, ms: number) => `${(n / (ms / 1000)).toFixed(n / (ms / 1000) < 10 ? 1 : 0)} tokens/s`;
  if (a.firstTokenMillis !== undefined && a.tokens > 1 && a.millis > a.firstTokenMillis) {
    return `first token after ${seconds(a.firstTokenMillis)}, then ${rate(a.tokens - 1, a.millis - a.firstTokenMillis)}`;
  }
  return a.tokens > 0 && a.millis > 0 ? `${seconds(a.millis)}, ${rate(a.tokens, a.millis)}` : seconds(a.millis);
}
