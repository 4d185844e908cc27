// One example in full: its tools, the conversation (earlier assistant turns with their reasoning
// and calls), the target's reasoning, text and calls, the quality findings and import notes, and
// the tokens coloured by segment (prompt / CoT / call), whether training uses it (the user may
// include a flagged example or leave one out), and its expected answer's editor. All text rendered as text.
import type { ExampleRow } from '../../state/queries.ts';
import { targetCallTexts } from './exampleText.ts';
import { TokenView } from './TokenView.tsx';
import { InclusionToggle } from './InclusionToggle.tsx';
import { ExampleAnswerEditor } from './ExampleAnswerEditor.tsx';
import { RULE_TEXT } from './QualityReportView.tsx';
import type { ParseNoteRule, QualityRule } from '../../data/quality-check.ts';

/** What the import did to an example, by its note's rule (the rule names stay in the tooltip). */
const NOTE_TEXT: Record<ParseNoteRule, string> = {
  text_moved_before_calls: 'Text moved before the calls',
  later_turns_left_out: 'Later turns left out',
  earlier_calls_in_prompt: 'Earlier calling turns kept as prompt',
};

export function ExampleDetail({ row, onClose }: { row: ExampleRow; onClose: () => void }) {
  const e = row.example;
  return (
    <article className="detail" aria-labelledby="detail-title" data-testid="example-detail">
      <div className="row spread">
        <h3 id="detail-title">Example {e.id}</h3>
        <button onClick={onClose} aria-label="Close the example">
          Close
        </button>
      </div>
      <InclusionToggle row={row} />
      {!row.quality.passed && (
        <ul className="error" aria-label="Why the quality check flagged it">
          {row.quality.failures.map((f, i) => (
            <li key={i} title={f.rule}>
              Fails “{RULE_TEXT[f.rule as QualityRule] ?? f.rule}”: {f.detail}
            </li>
          ))}
        </ul>
      )}
      {row.quality.notes?.length ? (
        <ul className="note" data-testid="example-notes">
          {row.quality.notes.map((n, i) => (
            <li key={i} title={n.rule}>
              {NOTE_TEXT[n.rule] ?? n.rule}: {n.detail}
            </li>
          ))}
        </ul>
      ) : null}
      <div className="grid2">
        <div>
          <h4>Tools ({e.tools.length})</h4>
          {e.tools.map((t) => (
            <details key={t.name}>
              <summary>
                {t.name}
                {t.description ? ` — ${t.description}` : ''}
              </summary>
              <pre>{JSON.stringify(t.parameters, null, 2)}</pre>
            </details>
          ))}
          <h4>Conversation</h4>
          <ol className="messages">
            {e.messages.map((m, i) => (
              <li key={i} className={`msg ${m.role}`}>
                <strong>{m.role}</strong>
                {m.reasoning ? <pre className="wrap muted">reasoning: {m.reasoning}</pre> : null}
                {/* A turn that only calls has no text: its calls are what it said. */}
                {m.content !== '' || !m.calls?.length ? <pre className="wrap">{m.content}</pre> : null}
                {m.calls?.length ? (
                  <ul className="mono">
                    {targetCallTexts({ calls: m.calls, wholeFloats: m.wholeFloats }).map((text, k) => (
                      <li key={k}>{text}</li>
                    ))}
                  </ul>
                ) : null}
              </li>
            ))}
          </ol>
        </div>
        <div>
          <h4>Reasoning</h4>
          {e.target.reasoning ? <pre className="wrap seg-cot-text">{e.target.reasoning}</pre> : <p className="muted">none</p>}
          <h4>Calls</h4>
          {e.target.calls.length ? (
            <>
              {/* Text the answer gives with its calls; it trains too, ahead of them. */}
              {e.target.content ? <pre className="wrap seg-call-text">{e.target.content}</pre> : null}
              <ul className="mono seg-call-text">
                {targetCallTexts(e.target).map((text, i) => (
                  <li key={i}>{text}</li>
                ))}
              </ul>
            </>
          ) : (
            <p className="muted">no call{e.target.content ? `: ${e.target.content}` : ''}</p>
          )}
        </div>
      </div>
      <ExampleAnswerEditor row={row} />
      <TokenView example={e} />
    </article>
  );
}
