// The model the worker holds now: architecture, size and shape.
import { useModel } from '../../state/modelStore.ts';
import { formatParams } from '../format.ts';
import { modelRefWords } from '../../worker/protocol.ts';

export function LoadedModel() {
  const info = useModel((s) => s.info);
  if (!info) return <p className="muted">No model loaded yet. Training, evaluation and the playground need one.</p>;
  return (
    <div data-testid="loaded-model">
      <h3>Loaded: {modelRefWords(info.ref)}</h3>
      <dl className="facts">
        <dt>Architecture</dt>
        <dd>
          {info.architecture} ({info.family})
        </dd>
        <dt>Parameters</dt>
        <dd>{formatParams(info.parameters)}</dd>
        <dt>Shape</dt>
        <dd>
          {info.layers} layers · hidden {info.hiddenSize} · {info.heads} heads ({info.kvHeads} KV) · vocab {info.vocabSize.toLocaleString()}
        </dd>
        <dt>Weights</dt>
        <dd>
          {info.dtype}
          {info.tiedEmbeddings ? ', tied embeddings' : ''}
        </dd>
      </dl>
    </div>
  );
}
