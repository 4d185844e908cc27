// The base model's answer beside the adapter's: the same question, settings and seed without the
// adapter, and what differs between the two (besideBaseText, said under the adapter's answer), so a
// user sees what training changed in one answer (an evaluation's comparison says it over many).
import { useJobs } from '../../state/jobStore.ts';
import { targetCallTexts, visibleOutput } from '../dataset/exampleText.ts';
import { plural } from '../format.ts';
import type { GenerateResult } from '../../worker/protocol.ts';

type Answer = Pick<GenerateResult, 'text' | 'calls' | 'wholeFloats' | 'parseError' | 'check' | 'finishReason'>;

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

/** What differs between the adapter's answer and the base model's to the same question: the words,
 * the calls, and the verdicts when both were checked against a held-out example. Said under the
 * adapter's answer, where the eye is, before the base model's answer below it. */
export function besideBaseText(adapter: Answer, base: Answer): string {
  if (adapter.finishReason === 'aborted' || base.finishReason === 'aborted') return 'One of the two answers was cancelled part-way: they cannot be compared.';
  const calls = (a: Answer) => (a.parseError ? null : targetCallTexts(a).slice().sort().join('\n'));
  const [mine, theirs] = [calls(adapter), calls(base)];
  let what: string;
  if (adapter.text === base.text) return 'The base model answers the same, word for word: training did not change this answer.';
  if (mine === null && theirs === null) what = 'Neither answer’s calls parse.';
  else if (mine === theirs) what = adapter.calls.length ? 'The base model makes the same calls, with other words around them.' : 'Neither calls a tool; the base model’s words differ.';
  else if (theirs === null) what = 'The base model’s calls do not parse; the adapter’s do.';
  else if (mine === null) what = 'The adapter’s calls do not parse; the base model’s do.';
  else what = 'The base model makes other calls.';
  if (!adapter.check || !base.check) return what;
  if (adapter.check.correct && base.check.correct) return `${what} Both would count right.`;
  if (!adapter.check.correct && !base.check.correct) return `${what} Both would count wrong.`;
  if (adapter.check.correct) return `${what} The adapter’s answer would count right and the base model’s wrong: training fixed this one.`;
  return `${what} The base model’s answer would count right and the adapter’s wrong: training broke this one.`;
}
