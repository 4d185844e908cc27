// The playground's answer: the streamed text as it arrives, then the parsed reasoning and calls.
// The streamed text is not a live region (a screen reader would read every token): it is marked
// busy while it grows, and a hidden status says once that the answer is ready.
import { useJobs } from '../../state/jobStore.ts';
import { usePlayground } from '../../state/playgroundStore.ts';
import { targetCallTexts, visibleOutput } from '../dataset/exampleText.ts';
import { formatDuration, plural } from '../format.ts';
import { decodeTokensPerSecond, type GenerateResult } from '../../worker/protocol.ts';

export function PlaygroundAnswer() {
  const text = useJobs((s) => s.streamText);
  const answer = useJobs((s) => s.answer);
  const answerFrom = useJobs((s) => s.answerFrom);
  // Sampling again with the seed of this answer (Keep this seed) reproduces it.
  const fixedSeed = usePlayground((s) => s.draft.seed);
  const setDraft = usePlayground((s) => s.setPlaygroundDraft);
  const generating = useJobs((s) => s.running?.kind === 'generate');
  // Mounted before the answer comes (a live region must exist before its text changes).
  const announcer = (
    <p className="sr-only" role="status" data-testid="playground-announcer">
      {answer && !generating ? answerReadyText(answer) : ''}
    </p>
  );
  if (!text && !answer && !generating) {
    return (
      <>
        {announcer}
        <p className="muted">The answer appears here as it is generated.</p>
      </>
    );
  }
  return (
    <>
      {announcer}
      <div className="stack" data-testid="playground-answer">
        <h3>Answer{generating ? ' (generating…)' : ''}</h3>
        <pre className="wrap" data-testid="playground-text" aria-busy={generating}>
          {/* “…” only while nothing has come yet: an answer that ended at once says it is empty. */}
          {text || answer ? visibleOutput(text) : '…'}
        </pre>
        {answerFrom && (
          <p className="small muted" data-testid="playground-from">
            {generating ? 'Answering' : 'Answered'}: {answerFrom}
          </p>
        )}
        {answer && (
          <>
            <h4>Reasoning</h4>
            {answer.reasoning ? <pre className="wrap seg-cot-text">{answer.reasoning}</pre> : <p className="muted">none found</p>}
            <h4>Calls</h4>
            {answer.parseError && <p className="error">The calls did not parse: {answer.parseError}</p>}
            {answer.calls.length ? (
              <ul className="mono seg-call-text">
                {targetCallTexts(answer).map((text, i) => (
                  <li key={i}>{text}</li>
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
              {plural(answer.tokens, 'token')} · {endingText(answer.finishReason)} · {generationSpeed(answer)}
            </p>
            <p className="small muted" data-testid="playground-seed">
              {answer.seed === undefined ? 'greedy (the same answer every time)' : `sampled with seed ${answer.seed}`}
              {answer.seed !== undefined && fixedSeed !== answer.seed && (
                <>
                  {' '}
                  <button type="button" className="link" onClick={() => setDraft({ seed: answer.seed! })}>
                    Keep this seed
                  </button>
                </>
              )}
            </p>
          </>
        )}
      </div>
    </>
  );
}

/** Why the answer ended, in the user's words (the engine's reasons are eos, length, stop, aborted). */
function endingText(finishReason: string): string {
  if (finishReason === 'aborted') return 'you cancelled it (not checked: it was not finished)';
  if (finishReason === 'length') return 'stopped at the Max new tokens limit: raise it if the answer is cut off';
  if (finishReason === 'eos') return 'ended by the model';
  if (finishReason === 'stop') return 'ended at a stop string';
  return `finished by ${finishReason}`;
}

/** What the status says once: "Answer ready: 40 tokens, 1 call; the evaluation would count it right." */
export function answerReadyText(a: Pick<GenerateResult, 'tokens' | 'calls' | 'parseError' | 'check'> & Partial<Pick<GenerateResult, 'finishReason'>>): string {
  if (a.finishReason === 'aborted') return `Answer cancelled after ${a.tokens} ${a.tokens === 1 ? 'token' : 'tokens'}.`;
  const calls = a.parseError ? 'calls that do not parse' : a.calls.length === 1 ? '1 call' : `${a.calls.length} calls`;
  const check = a.check ? `; the evaluation would count it ${a.check.correct ? 'right' : 'wrong'}` : '';
  return `Answer ready: ${a.tokens} ${a.tokens === 1 ? 'token' : 'tokens'}, ${calls}${check}.`;
}

/** "first token after 0.8 s, then 41 tokens/s" when the backend streams (the prompt's cost and the
 * decoding rate apart), else "2.4 s, 9.2 tokens/s" over the whole generation. Model loading excluded. */
export function generationSpeed(a: Pick<GenerateResult, 'tokens' | 'millis' | 'firstTokenMillis' | 'finishReason'>): string {
  const seconds = (ms: number) => (ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : formatDuration(ms / 1000));
  const rateText = (perSecond: number) => `${perSecond.toFixed(perSecond < 10 ? 1 : 0)} tokens/s`;
  // A one-token answer the model ended has a step after it too: its end-of-answer token's.
  const decoding = a.firstTokenMillis === undefined ? null : decodeTokensPerSecond(a.tokens, a.finishReason, a.millis - a.firstTokenMillis);
  if (a.firstTokenMillis !== undefined && decoding !== null) return `first token after ${seconds(a.firstTokenMillis)}, then ${rateText(decoding)}`;
  return a.tokens > 0 && a.millis > 0 ? `${seconds(a.millis)}, ${rateText(a.tokens / (a.millis / 1000))}` : seconds(a.millis);
}
