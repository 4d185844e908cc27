// The playground's answer: the streamed text as it arrives, then the parsed reasoning and calls;
// the conversation it answers when the user went on with what its calls returned, and for an answer
// that calls tools, a field per call for what it returned and a button that asks the model to go on:
// a model trained on every calling turn of its conversations is tried on its later steps too.
// The streamed text is not a live region (a screen reader would read every token): it is marked
// busy while it grows, and a hidden status says once that the answer is ready.
import { useJobs } from '../../state/jobStore.ts';
import { usePlayground } from '../../state/playgroundStore.ts';
import { BaseAnswer } from './BaseAnswer.tsx';
import { besideBaseText } from '../../eval/besideBase.ts';
import { targetCallTexts, visibleOutput } from '../dataset/exampleText.ts';
import { formatDuration, plural } from '../format.ts';
import { decodeTokensPerSecond, type GenerateResult, type Message } from '../../worker/protocol.ts';

/** `onGoOn`: asks the next turn with the answer's calls and the results typed for them (null while a
 * Generate could not run: `goOnBlocked` says why). */
export function PlaygroundAnswer({ onGoOn = null, goOnBlocked = null }: { onGoOn?: ((answer: GenerateResult) => void) | null; goOnBlocked?: string | null }) {
  const text = useJobs((s) => s.streamText);
  const answer = useJobs((s) => s.answer);
  const answerFrom = useJobs((s) => s.answerFrom);
  const baseAnswer = useJobs((s) => s.baseAnswer);
  // Once the base model is asked, the answer above is the adapter's, and finished.
  const besideBase = useJobs((s) => s.baseStreamId !== null);
  // Sampling again with the seed of this answer (Keep this seed) reproduces it.
  const fixedSeed = usePlayground((s) => s.draft.seed);
  const setDraft = usePlayground((s) => s.setPlaygroundDraft);
  const generating = useJobs((s) => s.running?.kind === 'generate');
  // While the answer to the results typed comes, the conversation it answers.
  const followUp = usePlayground((s) => s.pending ?? s.followUp);
  const results = usePlayground((s) => s.results);
  const setResult = usePlayground((s) => s.setResult);
  const startOver = usePlayground((s) => s.startOver);
  const clearAnswer = useJobs((s) => s.clearAnswer);
  const conversation = followUp.length > 0 && (
    <div className="stack" data-testid="playground-conversation">
      <h3>The conversation so far</h3>
      <ol className="plain">
        {followUp.map((m, i) => (
          <li key={i} className={m.role === 'tool' ? 'small' : 'mono seg-call-text'}>
            {turnText(m)}
          </li>
        ))}
      </ol>
      <div className="row">
        <button
          type="button"
          onClick={() => {
            if (generating) return;
            startOver();
            clearAnswer();
          }}
          aria-disabled={generating || undefined}
          data-testid="play-start-over"
        >
          Start over from the question
        </button>
        <span className="small muted">Generate answers the conversation as it stands; the check against the dataset's answer is for the question's first answer only.</span>
      </div>
    </div>
  );
  // Mounted before the answer comes (a live region must exist before its text changes).
  const announcer = (
    <p className="sr-only" role="status" data-testid="playground-announcer">
      {answer && !generating ? answerReadyText(answer) + (baseAnswer ? ` ${answerReadyText(baseAnswer, 'The base model’s answer')}` : '') : ''}
    </p>
  );
  if (!text && !answer && !generating) {
    return (
      <>
        {announcer}
        {/* One cell of the panel's grid: the conversation above what answers it. */}
        <div className="stack">
          {conversation}
          <p className="muted">The answer appears here as it is generated.</p>
        </div>
      </>
    );
  }
  return (
    <>
      {announcer}
      <div className="stack">
        {conversation}
        <div className="stack" data-testid="playground-answer">
          <h3>
            {besideBase ? 'The adapter’s answer' : 'Answer'}
            {generating && !besideBase ? ' (generating…)' : ''}
          </h3>
          <pre className="wrap" data-testid="playground-text" aria-busy={generating && !besideBase}>
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
                    ? `✓ The evaluation would count this right: it matches the expected answer of example ${answer.check.exampleId}.`
                    : `✗ The evaluation would count this wrong against the expected answer of example ${answer.check.exampleId}: ${answer.check.why ?? 'it does not match'}`}
                </p>
              )}
              <p className="muted" data-testid="playground-stats">
                {plural(answer.tokens, 'token')} · {endingText(answer.finishReason)} · {generationSpeed(answer)}
              </p>
              {baseAnswer && (
                <p data-testid="playground-beside-base">
                  <strong>{besideBaseText(answer, baseAnswer)}</strong> <span className="small muted">(the base model’s answer is below)</span>
                </p>
              )}
              {!generating && answer.calls.length > 0 && !answer.parseError && answer.finishReason !== 'aborted' && (
                <fieldset className="stack" data-testid="playground-results">
                  <legend>Go on: what the calls returned</legend>
                  {answer.calls.map((c, i) => (
                    <div className="field" key={i}>
                      <label htmlFor={`play-result-${i}`}>What {c.name} returned</label>
                      <textarea id={`play-result-${i}`} rows={2} value={results[i] ?? ''} onChange={(e) => setResult(i, e.target.value)} placeholder='Its result as the tool would give it, e.g. {"temperature": 21}' spellCheck={false} />
                    </div>
                  ))}
                  <div className="row">
                    <button type="button" onClick={() => onGoOn?.(answer)} aria-disabled={!onGoOn || undefined} aria-describedby={onGoOn ? undefined : 'play-go-on-blocked'} data-testid="play-go-on">
                      Go on with {answer.calls.length === 1 ? 'this result' : 'these results'}
                    </button>
                    {!onGoOn && goOnBlocked && (
                      <span className="small muted" id="play-go-on-blocked">
                        {goOnBlocked}
                      </span>
                    )}
                  </div>
                </fieldset>
              )}
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
        <BaseAnswer />
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

/** What the status says once: "Answer ready: 40 tokens, 1 call; the evaluation would count it right."
 * (`subject`: whose answer, "Answer" the adapter's.) */
export function answerReadyText(a: Pick<GenerateResult, 'tokens' | 'calls' | 'parseError' | 'check'> & Partial<Pick<GenerateResult, 'finishReason'>>, subject = 'Answer'): string {
  if (a.finishReason === 'aborted') return `${subject} cancelled after ${a.tokens} ${a.tokens === 1 ? 'token' : 'tokens'}.`;
  const calls = a.parseError ? 'calls that do not parse' : a.calls.length === 1 ? '1 call' : `${a.calls.length} calls`;
  const check = a.check ? `; the evaluation would count it ${a.check.correct ? 'right' : 'wrong'}` : '';
  return `${subject} ready: ${a.tokens} ${a.tokens === 1 ? 'token' : 'tokens'}, ${calls}${check}.`;
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

/** A turn of a conversation, as the playground lists it. */
export function turnText(m: Message): string {
  if (m.role === 'tool') return `${m.name ?? 'the tool'} returned: ${m.content.trim() || '(nothing)'}`;
  if (m.role === 'user') return `The user: ${m.content}`;
  if (m.role === 'system') return `System: ${m.content}`;
  return m.calls?.length ? `The model called ${targetCallTexts({ calls: m.calls, wholeFloats: m.wholeFloats }).join('; ')}` : `The model: ${m.content}`;
}
