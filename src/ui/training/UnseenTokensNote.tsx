// Said before a run whose data the loaded model cannot read: the embedded tiny model has embeddings
// for only the tokens of its pre-training, and a user's own data (an xLAM-style file: 28% of its
// tokens) trains a loss down on what it can read without ever answering. Counted by the worker.
import { useUnseenTokens } from '../../state/datasetViews.ts';
import { EMBEDDED_REF, useModel } from '../../state/modelStore.ts';
import { modelRefWords, unseenTokensText } from '../../worker/protocol.ts';

export function UnseenTokensNote({ datasetId }: { datasetId: string }) {
  const { value } = useUnseenTokens(datasetId);
  const ref = useModel((s) => s.info?.ref ?? null);
  const text = value && ref ? unseenTokensText(value, modelRefWords(ref)) : null;
  if (!text) return null;
  return (
    <p className="alert warn" data-testid="unseen-tokens-note">
      {text} {ref === EMBEDDED_REF ? 'It is a demo model: for your own data, load a real model (Qwen2.5 0.5B Instruct or Qwen3 0.6B) in the Model panel.' : 'A model with an embedding for every token (any released checkpoint) can.'}
    </p>
  );
}
