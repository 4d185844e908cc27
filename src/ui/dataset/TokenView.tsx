// The example as the model sees it: its chat-template rendering cut into tokens, each coloured by
// segment (prompt grey, CoT purple, call orange), with the counts. Tokenized in the worker with
// the embedded model's tokenizer.
import type { Example } from '../../state/queries.ts';
import { Fragment } from 'react';
import { useExampleTokens, VIEW_TOKENIZER_NAME } from '../../state/datasetViews.ts';
import { segmentMarkerAt } from './segmentMarkers.ts';

const SEGMENT_CLASS = ['seg-prompt', 'seg-cot', 'seg-call'];

export function TokenView({ example }: { example: Example }) {
  const { value: tokens, error } = useExampleTokens(example);
  const segments = tokens?.pieces.map((p) => p.segment) ?? [];
  return (
    <div className="stack" data-testid="token-view">
      <h4>Tokens by segment</h4>
      {error && <p className="error">{error}</p>}
      {!tokens && !error && <p className="muted">Tokenizing with the {VIEW_TOKENIZER_NAME}…</p>}
      {tokens && (
        <>
          <p className="legend">
            <span className="seg-prompt">prompt {tokens.counts.prompt}</span> <span className="seg-cot">CoT {tokens.counts.cot}</span> <span className="seg-call">call {tokens.counts.call}</span>
            <span className="muted"> · {tokens.tokenizer}</span>
          </p>
          <pre className="tokens wrap">
            {tokens.pieces.map((p, i) => {
              const marker = segmentMarkerAt(segments, i);
              return (
                <Fragment key={i}>
                  {marker && <span className="sr-only">{marker}</span>}
                  <span className={SEGMENT_CLASS[p.segment]}>{p.text}</span>
                </Fragment>
              );
            })}
          </pre>
        </>
      )}
    </div>
  );
}
