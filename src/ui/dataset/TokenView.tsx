// The example as the model sees it: its chat-template rendering cut into tokens, each coloured by
// segment (prompt grey, CoT purple, call orange), with the counts. Uses the page tokenizer.
import { useEffect, useState } from 'react';
import type { Example } from '../../data/example.ts';
import { PAGE_TOKENIZER_NAME, pageTokenizer } from '../../state/pageTokenizer.ts';

interface Tokens {
  pieces: Array<{ text: string; segment: number }>;
  counts: { prompt: number; cot: number; call: number };
}

const SEGMENT_CLASS = ['seg-prompt', 'seg-cot', 'seg-call'];

export function TokenView({ example }: { example: Example }) {
  const [tokens, setTokens] = useState<Tokens | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    setTokens(null);
    setError(null);
    (async () => {
      const [tokenizer, { tokenizeExample }] = await Promise.all([pageTokenizer(), import('../../data/tokenize-example.ts')]);
      const t = tokenizeExample(tokenizer, example);
      const pieces = t.inputIds.map((id, i) => ({ text: tokenizer.decode([id]), segment: t.segments[i] }));
      if (live) setTokens({ pieces, counts: t.counts });
    })().catch((err) => live && setError(`Could not tokenize this example: ${(err as Error).message}.`));
    return () => {
      live = false;
    };
  }, [example]);
  return (
    <div className="stack" data-testid="token-view">
      <h4>Tokens by segment</h4>
      {error && <p className="error">{error}</p>}
      {!tokens && !error && <p className="muted">Tokenizing with the {PAGE_TOKENIZER_NAME}…</p>}
      {tokens && (
        <>
          <p className="legend">
            <span className="seg-prompt">prompt {tokens.counts.prompt}</span> <span className="seg-cot">CoT {tokens.counts.cot}</span> <span className="seg-call">call {tokens.counts.call}</span>
            <span className="muted"> · {PAGE_TOKENIZER_NAME}</span>
          </p>
          <pre className="tokens wrap">
            {tokens.pieces.map((p, i) => (
              <span key={i} className={SEGMENT_CLASS[p.segment]}>
                {p.text}
              </span>
            ))}
          </pre>
        </>
      )}
    </div>
  );
}
